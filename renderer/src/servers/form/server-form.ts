import type { ValidationIssue } from '../../../../shared/api';
import { ServerInput, ServerPatch, type Server } from '../../../../shared/api/servers';
import { zodIssues } from '../../../../shared/api/errors';
import type { z } from 'zod';

export const FORM_FIELDS = ['name', 'host', 'port', 'user', 'environment', 'tags', 'notes'] as const;
export type FormField = (typeof FORM_FIELDS)[number];

/** What the form holds: the text of each input, exactly as typed. */
export type ServerFormValues = Record<FormField, string>;
export type FieldErrors = Partial<Record<FormField, string>>;

export const DEFAULT_PORT = '22';
/** No environment until someone names one: a badge on every server would say nothing. */
export const DEFAULT_ENVIRONMENT = '';

export function valuesFromServer(server?: Server): ServerFormValues {
  if (!server) {
    return { name: '', host: '', port: DEFAULT_PORT, user: '', environment: DEFAULT_ENVIRONMENT, tags: '', notes: '' };
  }
  return {
    name: server.name,
    host: server.host,
    port: String(server.port),
    user: server.user ?? '',
    environment: server.environment,
    tags: server.tags.join(', '),
    notes: server.notes,
  };
}

/** "web, eu-west  db" → ['web', 'eu-west', 'db']: commas and spaces both separate tags. */
export function parseTags(text: string): string[] {
  return text.split(/[\s,]+/).filter((tag) => tag !== '');
}

/**
 * The raw method input the typed text stands for. Nothing is judged here: a port that is not
 * digits is passed on as text so that the contract's own message ("Port must be a number")
 * is the one shown. Empty optional fields are left out (the contract's defaults apply).
 */
function rawInput(values: ServerFormValues): Record<string, unknown> {
  const port = values.port.trim();
  const environment = values.environment.trim();
  return {
    name: values.name,
    host: values.host,
    ...(port === '' ? {} : { port: /^\d+$/.test(port) ? Number(port) : port }),
    user: values.user.trim() === '' ? null : values.user.trim(),
    // '' is no environment (and clears one on an edit).
    environment,
    tags: parseTags(values.tags),
    notes: values.notes,
  };
}

/** Splits contract issues into messages per form field and messages about nothing in the form. */
export function fieldErrors(issues: readonly ValidationIssue[]): { fields: FieldErrors; other: string[] } {
  const fields: FieldErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const head = issue.path[0];
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

/** Pre-check before 'servers.create' with the contract's schema and messages. */
export const checkCreate = (values: ServerFormValues) => checked(ServerInput, rawInput(values));

/** Pre-check before 'servers.update'; every field is sent, so the form is the whole truth. */
export const checkUpdate = (id: string, values: ServerFormValues) => checked(ServerPatch, { id, ...rawInput(values) });
