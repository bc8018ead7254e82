import type { OperationRunInput } from '@shared/api/operations';
import type { Server } from '@shared/api/servers';
import { selects } from '@shared/operations/selector';
import { splitList, type FieldErrors } from '../alerts/form-errors';
import type { TargetDraft } from './operations-store';

/** The run form as typed: tags and environments as comma-separated text, numbers as text. */
export interface RunFormValues {
  command: string;
  serverIds: string[];
  tags: string;
  environments: string;
  concurrency: string;
  timeoutSeconds: string;
}

/** Where the contract's issues on a run land. */
export const RUN_FIELDS = ['command', 'targets', 'targets.serverIds', 'targets.tags', 'targets.environments', 'concurrency', 'timeoutSeconds'];

export function runValues(draft: TargetDraft | null): RunFormValues {
  return {
    command: '',
    serverIds: draft ? [...draft.serverIds] : [],
    tags: draft ? draft.tags.join(', ') : '',
    environments: draft ? draft.environments.join(', ') : '',
    concurrency: '10',
    timeoutSeconds: '300',
  };
}

export function selectorOf(values: RunFormValues): { serverIds: string[]; tags: string[]; environments: string[] } {
  return { serverIds: values.serverIds, tags: splitList(values.tags), environments: splitList(values.environments) };
}

/** The servers a run with these values would act on, in the list's order: the service's own rule (shared/operations/selector.ts). */
export function matchedServers<S extends Pick<Server, 'id' | 'tags' | 'environment'>>(values: RunFormValues, servers: readonly S[]): S[] {
  const selector = selectorOf(values);
  return servers.filter((server) => selects(selector, server));
}

const wholeNumber = (text: string): number | null => (/^\s*\d+\s*$/.test(text) ? Number(text) : null);

/** What the form checks before sending (a command, a target, whole numbers); the limits are the server's to judge. */
export function checkRun(values: RunFormValues, matched: number): { ok: true; input: OperationRunInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const concurrency = wholeNumber(values.concurrency);
  const timeoutSeconds = wholeNumber(values.timeoutSeconds);
  if (values.command.trim() === '') errors.command = 'Enter the command each server runs, e.g. uptime.';
  if (matched === 0) errors.targets = 'Name a server, a tag or an environment that matches at least one server.';
  if (concurrency === null) errors.concurrency = 'A whole number of targets at a time, e.g. 10.';
  if (timeoutSeconds === null) errors.timeoutSeconds = 'A whole number of seconds, e.g. 300.';
  if (Object.keys(errors).length > 0 || concurrency === null || timeoutSeconds === null) return { ok: false, errors };
  return { ok: true, input: { command: values.command, targets: selectorOf(values), concurrency, timeoutSeconds } };
}
