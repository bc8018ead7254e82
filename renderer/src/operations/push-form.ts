import { PUSH_MAX_BYTES, type OperationPushInput } from '@shared/api/operations';
import type { FieldErrors } from '../alerts/form-errors';
import { plural } from '../ui/format';
import { NO_MATCH, selectorOf, TARGET_FIELDS, targetValues, type TargetValues } from './run-form';
import type { TargetDraft } from './operations-store';

/** A file chosen to push, read as base64 (never shown). */
export interface ChosenFile {
  name: string;
  size: number;
  base64: string;
}

/** The push form as typed: where, how, and a local file or a vault note. */
export interface PushFormValues extends TargetValues {
  path: string;
  mode: string;
  owner: string;
  source: 'file' | 'note';
  file: ChosenFile | null;
  noteId: string;
}

/** Where the contract's issues on a push land. */
export const PUSH_FIELDS = ['path', 'mode', 'owner', 'content', 'secretId', ...TARGET_FIELDS];

export function pushValues(draft: TargetDraft | null): PushFormValues {
  return { ...targetValues(draft), path: '', mode: '0644', owner: '', source: 'file', file: null, noteId: '' };
}

/** A file's bytes as base64, in pieces (String.fromCharCode takes only so many arguments). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

const MIB = PUSH_MAX_BYTES / 1024 / 1024;

/** What the form checks before sending (a path, a mode, a source, a target); the rest is the service's to judge. */
export function checkPush(values: PushFormValues, matched: number): { ok: true; input: OperationPushInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const path = values.path.trim();
  const owner = values.owner.trim();
  if (path === '') errors.path = 'Enter where the file goes on the servers, e.g. /etc/app.conf.';
  else if (!path.startsWith('/')) errors.path = 'An absolute path, starting with /.';
  if (!/^[0-7]{3,4}$/.test(values.mode.trim())) errors.mode = 'An octal mode of 3 or 4 digits, e.g. 0644.';
  if (values.source === 'file') {
    if (!values.file) errors.content = 'Choose the file to push.';
    else if (values.file.size > PUSH_MAX_BYTES) errors.content = `A file is at most ${MIB} MiB; this one is larger.`;
  } else if (values.noteId === '') errors.secretId = 'Choose the vault note to push.';
  if (matched === 0) errors.targets = NO_MATCH;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const source = values.source === 'file' ? { content: values.file?.base64 ?? '' } : { secretId: values.noteId };
  return { ok: true, input: { targets: selectorOf(values), path, mode: values.mode.trim(), ...(owner !== '' && { owner }), ...source } };
}

/** The push button's words: how many servers it writes on. */
export const pushButtonLabel = (pending: boolean, matched: number): string =>
  pending ? 'Starting…' : matched > 0 ? `Push to ${plural(matched, 'server', 'servers')}` : 'Push';
