import type { AuditFilter } from '@shared/api/audit';
import { ERROR_CODES } from '@shared/api/errors';
import { methodList } from '@shared/api';

/** What the filter bar holds, as typed: text fields, `datetime-local` values, select values. */
export interface AuditFilterForm {
  /** `YYYY-MM-DDTHH:mm` in local time, or ''. */
  from: string;
  to: string;
  actor: string;
  /** A contract method, `job.finished`, or '' for any. */
  action: string;
  target: string;
  /** 'ok', 'error' (any failure), an error code, or '' for any. */
  outcome: string;
  /** Words that must all appear in the details. */
  q: string;
}

export const EMPTY_FILTER: AuditFilterForm = { from: '', to: '', actor: '', action: '', target: '', outcome: '', q: '' };

/** The action a finished job is recorded under (it is not a contract method). */
export const JOB_FINISHED = 'job.finished';

/** Every action an event can name: the audited contract methods, and the end of a job. */
export const AUDIT_ACTIONS: readonly string[] = [
  ...methodList
    .filter((method) => method.audit !== false)
    .map((method) => method.name)
    .sort(),
  JOB_FINISHED,
];

export const OUTCOME_OPTIONS: readonly { value: string; label: string }[] = [
  { value: 'ok', label: 'Succeeded (ok)' },
  { value: 'error', label: 'Any failure' },
  ...ERROR_CODES.map((code) => ({ value: code, label: code })),
];

const MINUTE_MS = 60_000;

/** A `datetime-local` value as epoch ms in the viewer's zone; undefined when empty or unreadable. */
export function localMinute(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return undefined;
  // Without an offset, a date-time string is read in local time.
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The filter part of audit.list / audit.export input: unset fields are left out. `to` includes
 * the chosen minute (the contract's `to` is exclusive), so "to 10:30" shows an event at 10:30:45.
 */
export function filterInput(form: AuditFilterForm): AuditFilter {
  const input: AuditFilter = {};
  const from = localMinute(form.from);
  const to = localMinute(form.to);
  if (from !== undefined) input.from = from;
  if (to !== undefined) input.to = to + MINUTE_MS;
  const text = { actor: form.actor, action: form.action, target: form.target, outcome: form.outcome, q: form.q };
  for (const [key, value] of Object.entries(text) as [keyof typeof text, string][]) {
    const trimmed = value.trim();
    if (trimmed !== '') input[key] = trimmed;
  }
  return input;
}

/** Why the time range cannot match anything, if it cannot. */
export function rangeProblem(form: AuditFilterForm): string | undefined {
  const from = localMinute(form.from);
  const to = localMinute(form.to);
  return from !== undefined && to !== undefined && to < from ? 'The range ends before it starts' : undefined;
}

export const isFiltered = (form: AuditFilterForm): boolean => Object.keys(filterInput(form)).length > 0;
