import type { OperationRunInput, RollingSettingsInput } from '@shared/api/operations';
import type { Server } from '@shared/api/servers';
import { selects } from '@shared/operations/selector';
import { splitList, type FieldErrors } from '../alerts/form-errors';
import { plural } from '../ui/format';
import type { TargetDraft } from './operations-store';

/** Which servers a form runs on, as typed: tags and environments as comma-separated text. */
export interface TargetValues {
  serverIds: string[];
  tags: string;
  environments: string;
}

/** A rolling run as typed: no batch size, no batches. */
export interface RollingValues {
  batchSize: string;
  maxFailPercent: string;
}

/** The run form as typed: its targets, and numbers as text. */
export interface RunFormValues extends TargetValues, RollingValues {
  command: string;
  concurrency: string;
  timeoutSeconds: string;
}

/** Where the contract's issues on a selector land. */
export const TARGET_FIELDS = ['targets', 'targets.serverIds', 'targets.tags', 'targets.environments'];

/** Where the contract's issues on a run land. */
export const ROLLING_FIELDS = ['rolling', 'rolling.batchSize', 'rolling.maxFailPercent'];

/** Where the contract's issues on a run land. */
export const RUN_FIELDS = ['command', ...TARGET_FIELDS, 'concurrency', 'timeoutSeconds', ...ROLLING_FIELDS];

/** A selector (handed over, or a runbook's default targets) as the form shows it. */
export function targetValues(selector: TargetDraft | null): TargetValues {
  return {
    serverIds: selector ? [...selector.serverIds] : [],
    tags: selector ? selector.tags.join(', ') : '',
    environments: selector ? selector.environments.join(', ') : '',
  };
}

export function runValues(draft: TargetDraft | null): RunFormValues {
  return { command: '', ...targetValues(draft), concurrency: '10', timeoutSeconds: '300', batchSize: '', maxFailPercent: '0' };
}

export function selectorOf(values: TargetValues): { serverIds: string[]; tags: string[]; environments: string[] } {
  return { serverIds: values.serverIds, tags: splitList(values.tags), environments: splitList(values.environments) };
}

/** The servers a run with these values would act on, in the list's order: the service's own rule (shared/operations/selector.ts). */
export function matchedServers<S extends Pick<Server, 'id' | 'tags' | 'environment'>>(values: TargetValues, servers: readonly S[]): S[] {
  const selector = selectorOf(values);
  return servers.filter((server) => selects(selector, server));
}

/** The form's own check of its targets: they must match a server now. */
export const NO_MATCH = 'Name a server, a tag or an environment that matches at least one server.';

const wholeNumber = (text: string): number | null => (/^\s*\d+\s*$/.test(text) ? Number(text) : null);

/**
 * The rolling settings as typed, checked for their form (a whole number, or one with %), their
 * errors added to `errors`: null when the batch size is left empty (every target at once).
 */
export function checkRolling(values: RollingValues, errors: FieldErrors): RollingSettingsInput | null {
  const size = values.batchSize.trim();
  if (size === '') return null;
  const maxFailPercent = wholeNumber(values.maxFailPercent);
  if (maxFailPercent === null) errors['rolling.maxFailPercent'] = 'A whole percentage, e.g. 20.';
  if (/^\d+$/.test(size)) return { batchSize: Number(size), maxFailPercent: maxFailPercent ?? 0 };
  if (/^\d+\s*%$/.test(size)) return { batchSize: size.replace(/\s/g, ''), maxFailPercent: maxFailPercent ?? 0 };
  errors['rolling.batchSize'] = 'A number of servers, e.g. 2, or a percentage of them, e.g. 25%.';
  return null;
}

/** What the form checks before sending (a command, a target, whole numbers); the limits are the server's to judge. */
export function checkRun(values: RunFormValues, matched: number): { ok: true; input: OperationRunInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const concurrency = wholeNumber(values.concurrency);
  const timeoutSeconds = wholeNumber(values.timeoutSeconds);
  if (values.command.trim() === '') errors.command = 'Enter the command each server runs, e.g. uptime.';
  if (matched === 0) errors.targets = NO_MATCH;
  if (concurrency === null) errors.concurrency = 'A whole number of targets at a time, e.g. 10.';
  if (timeoutSeconds === null) errors.timeoutSeconds = 'A whole number of seconds, e.g. 300.';
  const rolling = checkRolling(values, errors);
  if (Object.keys(errors).length > 0 || concurrency === null || timeoutSeconds === null) return { ok: false, errors };
  return { ok: true, input: { command: values.command, targets: selectorOf(values), concurrency, timeoutSeconds, rolling } };
}

/** A run button's words: how many servers it runs on, so the count is read before the click. */
export const runButtonLabel = (pending: boolean, matched: number): string =>
  pending ? 'Starting…' : matched > 0 ? `Run on ${plural(matched, 'server', 'servers')}` : 'Run';
