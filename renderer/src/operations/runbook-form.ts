import type { ParamValues } from '@shared/api/operations';
import { RUNBOOK_RUNNER_ROLES, type Runbook, type RunbookParam, type RunbookRunInput } from '@shared/api/runbooks';
import type { Role } from '@shared/permissions';
import type { FieldErrors } from '../alerts/form-errors';
import { checkRolling, NO_MATCH, ROLLING_FIELDS, selectorOf, TARGET_FIELDS, targetValues, type RollingValues, type TargetValues } from './run-form';

/** A runbook's form as typed: each parameter's value as text (a choice: its option), its targets, the confirmation. */
export interface RunbookFormValues extends TargetValues, RollingValues {
  params: Record<string, string>;
  confirm: string;
}

/** Whether a role may run a runbook: the service's rule (RUNBOOK_RUNNER_ROLES), so the page offers only what will run. */
export const mayRun = (role: Role, runbook: Pick<Runbook, 'runnableBy'>): boolean => RUNBOOK_RUNNER_ROLES[runbook.runnableBy].includes(role);

/** Who may run it, in words. */
export const RUNNER_LABELS: Record<Runbook['runnableBy'], string> = { operator: 'Operators, admins and owners', admin: 'Admins and owners' };

/** A parameter the runner gives (a server field is read from each target instead). */
export type GivenParam = Exclude<RunbookParam, { type: 'server' }>;

export const givenParams = (runbook: Pick<Runbook, 'params'>): GivenParam[] => runbook.params.filter((param): param is GivenParam => param.type !== 'server');

/** Where the contract's issues on a runbook's run land: each parameter, the targets, the confirmation. */
export const runbookFields = (runbook: Pick<Runbook, 'params'>): string[] => [
  ...runbook.params.map((param) => `params.${param.name}`),
  ...TARGET_FIELDS,
  'confirm',
  ...ROLLING_FIELDS,
];

/** The form as it opens: each parameter's default (a secret has none), the runbook's default targets. */
export function runbookValues(runbook: Pick<Runbook, 'params' | 'defaultTargets' | 'rolling'>): RunbookFormValues {
  const params = Object.fromEntries(givenParams(runbook).map((param) => [param.name, param.default === undefined ? '' : String(param.default)]));
  // Its own batches filled in: emptied, the run is one batch.
  const rolling = { batchSize: runbook.rolling ? String(runbook.rolling.batchSize) : '', maxFailPercent: String(runbook.rolling?.maxFailPercent ?? 0) };
  return { ...targetValues(runbook.defaultTargets), params, confirm: '', ...rolling };
}

/** A number parameter's text as the number it says; other text goes as typed, for the service to refuse under its field. */
const numberOf = (text: string): string | number => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text);

/**
 * What the form checks before sending: required values given (or defaulted), the targets matching a server, the
 * dangerous confirmation equal to that count. Each value's own rules (ranges, patterns) are the
 * service's to judge, and its refusal lands under the field.
 */
export function checkRunbookRun(
  runbook: Pick<Runbook, 'id' | 'params' | 'dangerous'>,
  values: RunbookFormValues,
  matched: number,
): { ok: true; input: RunbookRunInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const params: ParamValues = {};
  for (const param of givenParams(runbook)) {
    const text = values.params[param.name] ?? '';
    if (text === '') {
      // Left empty, a parameter with a default gets it.
      if (param.required && param.default === undefined) errors[`params.${param.name}`] = 'Required';
      continue;
    }
    params[param.name] = param.type === 'number' ? numberOf(text) : text;
  }
  const rolling = checkRolling(values, errors);
  if (matched === 0) errors.targets = NO_MATCH;
  else if (runbook.dangerous && values.confirm.trim() !== String(matched)) errors.confirm = `Type ${matched}, the number of servers it will run on, to confirm`;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: { id: runbook.id, params, targets: selectorOf(values), rolling, ...(runbook.dangerous && { confirm: matched }) },
  };
}
