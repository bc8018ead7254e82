import type { ValidationIssue } from '@shared/api';
import { CheckPort, SERVER_FIELDS, ServerCreateInput, ServerInput, ServerPatch, type Server } from '@shared/api/servers';
import { zodIssues } from '@shared/api/errors';
import { parentsOf } from '@shared/servers/dependencies';
import type { z } from 'zod';

/** `port` is the SSH port; `checkPort` the port a new server's check watches (adding only). */
export const FORM_FIELDS = [...SERVER_FIELDS, 'checkPort'] as const;
export type FormField = (typeof FORM_FIELDS)[number];

/** What the form holds: the text of each input, exactly as typed, whether to add a check, and whether to forward Guardian's SSH agent. */
export type ServerFormValues = Record<FormField, string> & { watch: boolean; agentForwarding: boolean };
export type FieldErrors = Partial<Record<FormField, string>>;

/** What a new server starts with: the contract's defaults (SSH port 22, no environment, no tags). */
export const DEFAULT_PORT = String(ServerInput.shape.port.parse(undefined));
const DEFAULTS = ServerInput.pick({ user: true, environment: true, tags: true, notes: true }).parse({});

export function valuesFromServer(server?: Server): ServerFormValues {
  if (!server) {
    const { user, environment, tags, notes } = DEFAULTS;
    return {
      name: '',
      host: '',
      port: DEFAULT_PORT,
      user: user ?? '',
      environment,
      tags: tags.join(', '),
      notes,
      jumpHostId: '',
      dependsOnId: '',
      checkPort: '',
      watch: true,
      agentForwarding: false,
    };
  }
  return {
    name: server.name,
    host: server.host,
    port: String(server.port),
    user: server.user ?? '',
    environment: server.environment,
    tags: server.tags.join(', '),
    notes: server.notes,
    jumpHostId: server.jumpHostId ?? '',
    dependsOnId: server.dependsOnId ?? '',
    checkPort: '',
    watch: false,
    agentForwarding: server.agentForwarding,
  };
}

/**
 * The servers the form offers as a jump host for `server` (absent: a new one): every other server
 * but those already reached through it, which would make a loop. The service refuses what else
 * it must (a chain too long), in words.
 */
export function jumpHostChoices(servers: readonly Server[], server?: Server): Server[] {
  if (!server) return [...servers];
  const byId = new Map(servers.map((each) => [each.id, each]));
  const throughIt = (candidate: Server) => {
    for (let hop: Server | undefined = candidate, steps = 0; hop && steps <= servers.length; hop = byId.get(hop.jumpHostId ?? ''), steps++) {
      if (hop.id === server.id) return true;
    }
    return false;
  };
  return servers.filter((candidate) => !throughIt(candidate));
}

/** The servers the form offers for `server` to depend on: every other server but those that already depend on it, which would make a loop. */
export function dependencyChoices(servers: readonly Server[], server?: Server): Server[] {
  if (!server) return [...servers];
  const byId = new Map(servers.map((each) => [each.id, each]));
  return servers.filter((candidate) => candidate.id !== server.id && !parentsOf(candidate, (id) => byId.get(id)).some((each) => each.id === server.id));
}

/** "web, eu-west  db" → ['web', 'eu-west', 'db']: commas and spaces both separate tags. */
export function parseTags(text: string): string[] {
  return text.split(/[\s,]+/).filter((tag) => tag !== '');
}

const portValue = (text: string): unknown => (/^\d+$/.test(text) ? Number(text) : text);

/**
 * The raw method input the typed text stands for. Nothing is judged here: a port that is not
 * digits is passed on as text so that the contract's own message ("SSH port must be a number")
 * is the one shown. Empty optional fields are left out (the contract's defaults apply).
 */
function rawInput(values: ServerFormValues): Record<string, unknown> {
  const port = values.port.trim();
  const environment = values.environment.trim();
  return {
    name: values.name,
    host: values.host,
    ...(port === '' ? {} : { port: portValue(port) }),
    user: values.user.trim() === '' ? null : values.user.trim(),
    // '' is no environment (and clears one on an edit).
    environment,
    tags: parseTags(values.tags),
    notes: values.notes,
    // '' is connecting directly (and clears a jump host on an edit).
    jumpHostId: values.jumpHostId === '' ? null : values.jumpHostId,
    // '' is depending on nothing (and clears it on an edit).
    dependsOnId: values.dependsOnId === '' ? null : values.dependsOnId,
    agentForwarding: values.agentForwarding,
  };
}

/** Splits contract issues into messages per form field and messages about nothing in the form. */
export function fieldErrors(issues: readonly ValidationIssue[]): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    // The check's port comes back as monitor.port; the form calls it checkPort.
    const head = issue.path[0] === 'monitor' ? 'checkPort' : issue.path[0];
    const field = FORM_FIELDS.find((candidate) => candidate === head);
    if (!field) other.push(issue.message);
    else fields[field] ??= issue.message;
  }
  return { fields, other };
}

export type Checked<T> = { ok: true; input: T } | { ok: false; errors: FieldErrors; other: string[] };

function checked<S extends z.ZodType>(schema: S, raw: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  const { fields, other } = fieldErrors(zodIssues(parsed.error));
  return { ok: false, errors: fields, other };
}

/** Which check a new server gets: none, a TCP check on the port typed, or (left empty) on its SSH port. */
function monitorInput(values: ServerFormValues): Record<string, unknown> {
  if (!values.watch) return { monitor: false };
  const checkPort = values.checkPort.trim();
  return { monitor: checkPort === '' ? { type: 'tcp' } : { type: 'tcp', port: portValue(checkPort) } };
}

/** Pre-check before 'servers.create' with the contract's schema and messages. */
export function checkCreate(values: ServerFormValues): Checked<z.output<typeof ServerCreateInput>> {
  const result = checked(ServerCreateInput, { ...rawInput(values), ...monitorInput(values) });
  // `monitor` is "false or a check", so a port that is not even a number fails both and the
  // contract can only say "Invalid input": the port's own message is the one to show.
  const checkPort = values.checkPort.trim();
  const port = values.watch && checkPort !== '' ? CheckPort.safeParse(portValue(checkPort)) : null;
  if (!port || port.success) return result;
  const message = port.error.issues[0]?.message ?? 'Not a port';
  return result.ok ? { ok: false, errors: { checkPort: message }, other: [] } : { ...result, errors: { ...result.errors, checkPort: message } };
}

/** Pre-check before 'servers.update'; every field is sent, so the form is the whole truth. */
export const checkUpdate = (id: string, values: ServerFormValues) => checked(ServerPatch, { id, ...rawInput(values) });
