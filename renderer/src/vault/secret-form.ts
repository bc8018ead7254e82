import type { z } from 'zod';
import type { ValidationIssue } from '@shared/api';
import { zodIssues } from '@shared/api/errors';
import { SecretInput, secretsUpdate, type Secret, type SecretKind } from '@shared/api/vault';
import { parseTags } from '../servers/form/server-form';

/** What the secret form holds: each input's text as typed, and the chosen servers. */
export interface SecretFormValues {
  kind: SecretKind;
  name: string;
  username: string;
  tags: string;
  serverIds: string[];
  password: string;
  privateKey: string;
  keyPassphrase: string;
  token: string;
  text: string;
}

export const SECRET_FIELDS = ['kind', 'name', 'username', 'tags', 'serverIds', 'password', 'privateKey', 'keyPassphrase', 'token', 'text'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];
export type SecretErrors = Partial<Record<SecretField, string>>;

/** Kinds with a login name beside the secret. */
export const hasUsername = (kind: SecretKind): boolean => kind === 'password' || kind === 'ssh_key';

export function emptySecretValues(kind: SecretKind = 'password'): SecretFormValues {
  return { kind, name: '', username: '', tags: '', serverIds: [], password: '', privateKey: '', keyPassphrase: '', token: '', text: '' };
}

/** The form for editing: metadata filled in; the value fields stay empty (values are never sent to the page). */
export function valuesFromSecret(secret: Secret): SecretFormValues {
  return { ...emptySecretValues(secret.kind), name: secret.name, username: secret.username ?? '', tags: secret.tags.join(', '), serverIds: secret.serverIds };
}

function rawValue(values: SecretFormValues): Record<string, unknown> {
  switch (values.kind) {
    case 'password':
      return { kind: 'password', password: values.password };
    case 'ssh_key':
      return { kind: 'ssh_key', privateKey: values.privateKey, ...(values.keyPassphrase !== '' ? { passphrase: values.keyPassphrase } : {}) };
    case 'api_token':
      return { kind: 'api_token', token: values.token };
    case 'note':
      return { kind: 'note', text: values.text };
  }
}

function rawMetadata(values: SecretFormValues): Record<string, unknown> {
  const username = values.username.trim();
  return {
    name: values.name,
    tags: parseTags(values.tags),
    serverIds: values.serverIds,
    username: hasUsername(values.kind) && username !== '' ? username : null,
  };
}

/** The form field a contract issue is about: `['value', 'privateKey']` → privateKey, `['tags', 2]` → tags. */
function fieldOf(path: ValidationIssue['path']): SecretField | undefined {
  const [head, next] = path;
  const key = head === 'value' ? (next === 'passphrase' ? 'keyPassphrase' : next) : head;
  return SECRET_FIELDS.find((field) => field === key);
}

/** Splits contract issues into messages per form field and messages about nothing in the form. */
export function secretErrors(issues: readonly ValidationIssue[]): { fields: SecretErrors; other: string[] } {
  const fields: SecretErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (field) fields[field] ??= issue.message;
    else other.push(issue.message);
  }
  return { fields, other };
}

export type Checked<T> = { ok: true; input: T } | { ok: false; errors: SecretErrors; other: string[] };

function checked<S extends z.ZodType>(schema: S, raw: unknown): Checked<z.output<S>> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, input: parsed.data };
  const { fields, other } = secretErrors(zodIssues(parsed.error));
  return { ok: false, errors: fields, other };
}

/** Pre-check before 'secrets.create' with the contract's schema and messages. */
export const checkCreate = (values: SecretFormValues) => checked(SecretInput, { ...rawMetadata(values), value: rawValue(values) });

/** Pre-check before 'secrets.update': all metadata, and the value only when it is being replaced. */
export const checkUpdate = (id: string, values: SecretFormValues, replaceValue: boolean) =>
  checked(secretsUpdate.input, { id, ...rawMetadata(values), ...(replaceValue ? { value: rawValue(values) } : {}) });
