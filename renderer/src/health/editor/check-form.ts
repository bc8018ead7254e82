import type { z } from 'zod';
import type { ValidationIssue } from '@shared/api';
import { checksCreate, checksTest, checksUpdate, type Check } from '@shared/api/checks';
import { type MonitoringDefaults } from '@shared/api/monitoring';
import type { Server } from '@shared/api/servers';
import { CHECK_CONFIGS, type CheckType } from '@shared/health';
import { secondsText } from '../health-format';
import { CHECK_FIELDS } from './check-fields';
import { fieldText, fieldValue, getPath, NUMBER, setPath, type Json } from './field-values';

/**
 * The check editor's model, pure: the text of every input, how it becomes a contract input
 * (parsed client-side with the contract's own schemas, so the messages are the router's) and
 * how the contract's issues land under the fields they are about.
 */

export type ConfigValues = Record<string, string | boolean>;

export interface CheckFormState {
  type: CheckType;
  name: string;
  config: ConfigValues;
  /** Seconds, as typed. */
  interval: string;
  timeout: string;
  retries: string;
  confirmAfter: string;
  /** Config the form has no field for (an http check's CA, say), sent back as it was. */
  kept: Json;
}

/** 'name', 'type', 'interval', 'timeout', 'retries', 'confirmAfter' or 'config.<field key>'. */
export type FormErrors = Record<string, string>;

export type ServerTarget = Pick<Server, 'id' | 'name' | 'host' | 'port'> & { user?: string | null };

const topLevel = (type: CheckType) => new Set(CHECK_FIELDS[type].map((field) => field.key.split('.')[0] ?? field.key));

/** Config an older version stored that the form drops: an ssh-metrics check now logs in to its server's host. */
const DROPPED: Partial<Record<CheckType, readonly string[]>> = { 'ssh-metrics': ['host'] };

/** The part of a config no field of the form shows. */
function keptConfig(type: CheckType, config: Json): Json {
  const shown = topLevel(type);
  const dropped = new Set(DROPPED[type] ?? []);
  return Object.fromEntries(Object.entries(config).filter(([key]) => !shown.has(key) && !dropped.has(key)));
}

/** The raw config the typed text stands for, as the contract will judge it. */
export function rawConfig(type: CheckType, values: ConfigValues, kept: Json = {}): Json {
  const config: Json = { ...kept };
  for (const field of CHECK_FIELDS[type]) {
    if (field.with !== undefined && String(values[field.with] ?? '').trim() === '') continue;
    const value = fieldValue(field, values[field.key]);
    if (value !== undefined) setPath(config, field.key, value);
  }
  return config;
}

export function configValues(type: CheckType, config: Json): ConfigValues {
  const values: ConfigValues = {};
  for (const field of CHECK_FIELDS[type]) values[field.key] = fieldText(field, getPath(config, field.key));
  return values;
}

const PLACEHOLDER_ID = '00000000-0000-4000-8000-000000000000';

/** What a new check of a type targets on this server, before the schema's defaults fill the rest. */
function starter(type: CheckType, server: ServerTarget): Json {
  switch (type) {
    case 'tcp':
      return { host: server.host, port: server.port };
    case 'http':
      return { url: `https://${server.host.includes(':') ? `[${server.host}]` : server.host}/` };
    case 'tls':
      return { host: server.host };
    case 'dns':
      return { name: server.host };
    case 'ssh':
      return { host: server.host, port: server.port };
    case 'ssh-metrics':
      return { port: server.port, user: server.user ?? '', credentialId: PLACEHOLDER_ID };
    case 'game':
      return { game: 'minecraft', host: server.host };
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/** The config fields of a new check: the server's host and port, then the type's defaults. */
export function newConfigValues(type: CheckType, server: ServerTarget): ConfigValues {
  const start = starter(type, server);
  const parsed = CHECK_CONFIGS[type].safeParse(start);
  const config = (parsed.success ? parsed.data : start) as Json;
  if (type === 'ssh-metrics') config.credentialId = '';
  if (type === 'ssh-metrics' && !server.user) config.user = '';
  return configValues(type, config);
}

export function newCheckForm(type: CheckType, server: ServerTarget, defaults: MonitoringDefaults): CheckFormState {
  return {
    type,
    name: '',
    config: newConfigValues(type, server),
    interval: secondsText(defaults.intervalMs),
    timeout: secondsText(defaults.timeoutMs),
    retries: String(defaults.retries),
    confirmAfter: String(defaults.confirmAfter),
    kept: {},
  };
}

export function formFromCheck(check: Check): CheckFormState {
  return {
    type: check.type,
    name: check.name,
    config: configValues(check.type, check.config),
    interval: secondsText(check.intervalMs),
    timeout: secondsText(check.timeoutMs),
    retries: String(check.retries),
    confirmAfter: String(check.confirmAfter),
    kept: keptConfig(check.type, check.config),
  };
}

const SCHEDULE_FIELDS = { intervalMs: 'interval', timeoutMs: 'timeout', retries: 'retries', confirmAfter: 'confirmAfter', name: 'name' } as const;

/** The form key a contract issue is about, or null when it is about nothing in the form. */
export function errorKey(path: readonly (string | number)[], type: CheckType): string | null {
  const [head, second, ...rest] = path;
  if (head === 'spec') {
    if (second === 'type') return 'type';
    if (second !== 'config' || rest.length === 0) return null;
    const key = rest.join('.');
    const field = CHECK_FIELDS[type].find((candidate) => candidate.key === key || key.startsWith(`${candidate.key}.`));
    return field ? `config.${field.key}` : null;
  }
  if (typeof head === 'string' && head in SCHEDULE_FIELDS) return SCHEDULE_FIELDS[head as keyof typeof SCHEDULE_FIELDS];
  return null;
}

/** Splits issues (the router's VALIDATION_FAILED, or the same schema's run here) by field. */
export function formErrors(issues: readonly ValidationIssue[], state: CheckFormState): { fields: FormErrors; other: string[] } {
  const fields: FormErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const key = errorKey(issue.path, state.type);
    if (key === null) {
      other.push(issue.message);
      continue;
    }
    fields[key] ??= isEmpty(state, key) ? 'Required' : issue.message;
  }
  return { fields, other };
}

function isEmpty(state: CheckFormState, key: string): boolean {
  if (!key.startsWith('config.')) return false;
  const value = state.config[key.slice('config.'.length)];
  return typeof value === 'string' && value.trim() === '';
}

/** Seconds as typed → milliseconds; text that is no number stays text for the schema to refuse. */
function millis(seconds: string): number | string | undefined {
  const text = seconds.trim();
  if (text === '') return undefined;
  return NUMBER.test(text) ? Math.round(Number(text) * 1000) : text;
}

function whole(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return NUMBER.test(trimmed) ? Number(trimmed) : trimmed;
}

function scheduleFields(state: CheckFormState): Json {
  const fields: Json = {
    intervalMs: millis(state.interval),
    timeoutMs: millis(state.timeout),
    retries: whole(state.retries),
    confirmAfter: whole(state.confirmAfter),
  };
  if (state.name.trim() !== '') fields.name = state.name;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** Seconds fields that are not numbers: said here, in seconds, before the schema speaks in ms. */
function secondsProblems(state: CheckFormState): FormErrors {
  const problems: FormErrors = {};
  for (const key of ['interval', 'timeout'] as const) {
    const text = state[key].trim();
    if (text !== '' && !NUMBER.test(text)) problems[key] = 'Enter a number of seconds';
  }
  return problems;
}

export type Validated<T> = { ok: true; input: T } | { ok: false; errors: FormErrors; other: string[] };

function validated<S extends z.ZodType>(schema: S, raw: unknown, state: CheckFormState): Validated<z.output<S>> {
  const seconds = secondsProblems(state);
  const parsed = schema.safeParse(raw);
  if (parsed.success && Object.keys(seconds).length === 0) return { ok: true, input: parsed.data };
  const issues = parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.filter((p) => typeof p !== 'symbol'), message: issue.message }));
  const { fields, other } = formErrors(issues, state);
  return { ok: false, errors: { ...fields, ...seconds }, other };
}

const spec = (state: CheckFormState) => ({ type: state.type, config: rawConfig(state.type, state.config, state.kept) });

export const validateCreate = (serverId: string, state: CheckFormState) =>
  validated(checksCreate.input, { serverId, spec: spec(state), ...scheduleFields(state) }, state);

export const validateUpdate = (id: string, state: CheckFormState) => validated(checksUpdate.input, { id, spec: spec(state), ...scheduleFields(state) }, state);

/** checks.test runs the spec once for the server, with the form's timeout. */
export function validateTest(serverId: string, state: CheckFormState) {
  const timeoutMs = millis(state.timeout);
  return validated(checksTest.input, { spec: spec(state), serverId, ...(timeoutMs === undefined ? {} : { timeoutMs }) }, state);
}
