import type { ValidationIssue } from '@shared/api';
import { PERIOD_PRESETS, ReportInput, ReportPeriod, type PeriodPreset, type ReportFormat, type ReportType } from '@shared/api/reports';

export type PeriodChoice = PeriodPreset | 'custom';
export type ScopeChoice = 'all' | 'tag' | 'environment';

/** The reports form as typed. Dates are `YYYY-MM-DD` in the viewer's zone, both days included. */
export interface ReportForm {
  type: ReportType;
  period: PeriodChoice;
  from: string;
  to: string;
  scope: ScopeChoice;
  tag: string;
  environment: string;
  format: ReportFormat;
  /** Percent; empty for the contract's default. */
  slaTarget: string;
}

export const PERIOD_CHOICES: readonly { value: PeriodChoice; label: string }[] = [
  ...(Object.keys(PERIOD_PRESETS) as PeriodPreset[]).map((preset) => ({ value: preset, label: `Last ${PERIOD_PRESETS[preset]} days` })),
  { value: 'custom', label: 'Custom dates' },
];

export const DEFAULT_SLA = '99.9';

export function initialForm(today: Date = new Date()): ReportForm {
  const iso = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  const monthAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
  return { type: 'uptime', period: '30d', from: iso(monthAgo), to: iso(today), scope: 'all', tag: '', environment: '', format: 'pdf', slaTarget: DEFAULT_SLA };
}

export type FormField = 'period' | 'from' | 'to' | 'tag' | 'environment' | 'slaTarget';
export type FormErrors = Partial<Record<FormField, string>>;

/** Local midnight of a `YYYY-MM-DD` day, `offsetDays` later; undefined when not a date. */
export function localDay(value: string, offsetDays = 0): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const ms = new Date(year, month - 1, day + offsetDays).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** Where an issue of the contract's input belongs in the form. */
export function fieldOf(path: readonly (string | number)[]): FormField | undefined {
  const [first, second] = path;
  if (first === 'period') return second === 'from' || second === 'to' ? second : 'period';
  if (first === 'scope') return second === 'environment' ? 'environment' : 'tag';
  if (first === 'slaTarget') return 'slaTarget';
  return undefined;
}

/** Issues as messages under fields (the first per field), and those no field shows. */
export function formErrors(issues: readonly ValidationIssue[]): { errors: FormErrors; other: string[] } {
  const errors: FormErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (field === undefined) other.push(issue.message);
    else errors[field] ??= issue.message;
  }
  return { errors, other };
}

function period(form: ReportForm): ReportInput['period'] | { from?: number; to?: number } {
  if (form.period !== 'custom') return { preset: form.period };
  // The last day is included: the period ends at the midnight after it.
  return { from: localDay(form.from), to: localDay(form.to, 1) };
}

function scope(form: ReportForm): ReportInput['scope'] {
  if (form.type === 'audit-summary') return {};
  switch (form.scope) {
    case 'all':
      return {};
    case 'tag':
      return { tags: [form.tag] };
    case 'environment':
      return { environment: form.environment };
    default: {
      const unreachable: never = form.scope;
      return unreachable;
    }
  }
}

export type CheckedForm = { ok: true; input: ReportInput } | { ok: false; errors: FormErrors; other: string[] };

/** The reports.generate input for a form, checked with the contract's own schema. */
export function reportInput(form: ReportForm): CheckedForm {
  const errors: FormErrors = {};
  if (form.period === 'custom') {
    if (localDay(form.from) === undefined) errors.from = 'Pick the first day';
    if (localDay(form.to) === undefined) errors.to = 'Pick the last day';
  }
  if (form.type !== 'audit-summary' && form.scope === 'tag' && form.tag === '') errors.tag = 'Pick a tag';
  if (form.type !== 'audit-summary' && form.scope === 'environment' && form.environment === '') errors.environment = 'Pick an environment';
  const sla = form.slaTarget.trim();
  if (form.type === 'uptime' && sla !== '' && !/^\d+(\.\d+)?$/.test(sla)) errors.slaTarget = 'The SLA target is a percentage from 0 to 100';
  if (Object.keys(errors).length > 0) return { ok: false, errors, other: [] };

  const candidate = {
    type: form.type,
    period: period(form),
    scope: scope(form),
    format: form.format,
    ...(form.type === 'uptime' && sla !== '' ? { slaTarget: Number(sla) } : {}),
  };
  // A union reports a custom period's problems as "invalid input"; its own branch names the field.
  const custom = ReportPeriod.options[1].safeParse(candidate.period);
  if (form.period === 'custom' && !custom.success) {
    return { ok: false, ...formErrors(custom.error.issues.map((issue) => ({ path: ['period', ...issue.path.map(String)], message: issue.message }))) };
  }
  const parsed = ReportInput.safeParse(candidate);
  if (!parsed.success) {
    return { ok: false, ...formErrors(parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }))) };
  }
  return { ok: true, input: parsed.data };
}
