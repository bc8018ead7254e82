import { SERVER_FIELDS, type Runbook, type RunbookParam, type RunbookSpecInput, type ServerField } from '@shared/api/runbooks';
import { splitList, type FieldErrors } from '../alerts/form-errors';
import { checkRolling, selectorOf, targetValues, type RollingValues, type TargetValues } from './run-form';

export const PARAM_TYPES = ['string', 'number', 'choice', 'server'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const PARAM_TYPE_LABELS: Record<ParamType, string> = { string: 'Text', number: 'Number', choice: 'Choice', server: 'From each server' };
export const SERVER_FIELD_LABELS: Record<ServerField, string> = {
  name: 'Its name',
  host: 'Its host',
  port: 'Its port',
  address: 'Its address (host:port)',
  environment: 'Its environment',
  user: 'Its user',
  tags: 'Its tags (comma-separated)',
};
export { SERVER_FIELDS };

/** One parameter as the editor shows it: every type's fields as text, the ones its type uses sent. */
export interface ParamDraft {
  /** The row's own key (React's), not sent. */
  key: number;
  name: string;
  type: ParamType;
  description: string;
  required: boolean;
  default: string;
  secret: boolean;
  minLength: string;
  maxLength: string;
  pattern: string;
  min: string;
  max: string;
  integer: boolean;
  /** A choice's options, one a line. */
  options: string;
  field: ServerField;
}

/** A runbook as the editor shows it: numbers as text, its default targets as the run forms ask them. */
export interface RunbookEditorValues extends TargetValues, RollingValues {
  name: string;
  description: string;
  script: string;
  params: ParamDraft[];
  concurrency: string;
  timeoutSeconds: string;
  sudo: boolean;
  dangerous: boolean;
  runnableBy: Runbook['runnableBy'];
}

let nextKey = 0;

export function paramDraft(param?: RunbookParam): ParamDraft {
  const draft: ParamDraft = {
    key: nextKey++,
    name: '',
    type: 'string',
    description: '',
    required: true,
    default: '',
    secret: false,
    minLength: '',
    maxLength: '',
    pattern: '',
    min: '',
    max: '',
    integer: false,
    options: '',
    field: 'name',
  };
  if (!param) return draft;
  const base = { ...draft, name: param.name, type: param.type, description: param.description, required: param.required };
  const text = (value: number | string | undefined) => (value === undefined ? '' : String(value));
  switch (param.type) {
    case 'string':
      return {
        ...base,
        default: text(param.default),
        secret: param.secret,
        minLength: text(param.minLength),
        maxLength: text(param.maxLength),
        pattern: text(param.pattern),
      };
    case 'number':
      return { ...base, default: text(param.default), min: text(param.min), max: text(param.max), integer: param.integer };
    case 'choice':
      return { ...base, default: text(param.default), options: param.options.join('\n') };
    case 'server':
      return { ...base, default: text(param.default), field: param.field };
  }
}

/** The editor as it opens: a runbook's current version, or a new one with the contract's defaults. */
export function editorValues(runbook: Runbook | null): RunbookEditorValues {
  return {
    name: runbook?.name ?? '',
    description: runbook?.description ?? '',
    script: runbook?.script ?? '',
    params: (runbook?.params ?? []).map((param) => paramDraft(param)),
    ...targetValues(runbook?.defaultTargets ?? null),
    concurrency: String(runbook?.concurrency ?? 10),
    timeoutSeconds: String(runbook?.timeoutSeconds ?? 300),
    batchSize: runbook?.rolling ? String(runbook.rolling.batchSize) : '',
    maxFailPercent: String(runbook?.rolling?.maxFailPercent ?? 0),
    sudo: runbook?.sudo ?? false,
    dangerous: runbook?.dangerous ?? false,
    runnableBy: runbook?.runnableBy ?? 'admin',
  };
}

/** Where the contract's issues on a runbook land (a parameter's by its row: params.2.default). */
export function editorFields(values: Pick<RunbookEditorValues, 'params'>): string[] {
  const paramKeys = [
    'name',
    'type',
    'description',
    'required',
    'default',
    'secret',
    'minLength',
    'maxLength',
    'pattern',
    'min',
    'max',
    'integer',
    'options',
    'field',
  ];
  return [
    'name',
    'description',
    'script',
    'params',
    ...values.params.flatMap((_param, index) => [`params.${index}`, ...paramKeys.map((key) => `params.${index}.${key}`)]),
    'defaultTargets',
    'defaultTargets.serverIds',
    'defaultTargets.tags',
    'defaultTargets.environments',
    'concurrency',
    'timeoutSeconds',
    'rolling',
    'rolling.batchSize',
    'rolling.maxFailPercent',
    'sudo',
    'dangerous',
    'runnableBy',
  ];
}

/** The target fields name their errors as the run forms do ('targets.tags'); a runbook's are its default targets. */
export function targetErrorsOf(errors: FieldErrors): FieldErrors {
  const renamed: FieldErrors = {};
  for (const [key, message] of Object.entries(errors)) renamed[key.startsWith('defaultTargets') ? key.replace('defaultTargets', 'targets') : key] = message;
  return renamed;
}

const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;
const WHOLE = /^\s*\d+\s*$/;

/**
 * A number typed in a field: its value, undefined when left empty, or an error placed under
 * `key` (the service judges the ranges; this only reads the text).
 */
function numberField(text: string, key: string, errors: FieldErrors, whole: boolean): number | undefined {
  if (text.trim() === '') return undefined;
  if ((whole ? WHOLE : NUMBER).test(text)) return Number(text);
  errors[key] = whole ? 'A whole number, e.g. 10.' : 'A number, e.g. 2 or 0.5.';
  return undefined;
}

function paramOf(draft: ParamDraft, index: number, errors: FieldErrors): RunbookParam | Record<string, unknown> {
  const at = (key: string) => `params.${index}.${key}`;
  const base = { name: draft.name.trim(), type: draft.type, description: draft.description, required: draft.required };
  const given = <T>(value: T | undefined, key: string) => (value === undefined || value === '' ? {} : { [key]: value });
  switch (draft.type) {
    case 'string':
      return {
        ...base,
        secret: draft.secret,
        // A secret has no default: what was typed before ticking it is not sent.
        ...(draft.secret ? {} : given(draft.default, 'default')),
        ...given(numberField(draft.minLength, at('minLength'), errors, true), 'minLength'),
        ...given(numberField(draft.maxLength, at('maxLength'), errors, true), 'maxLength'),
        ...given(draft.pattern, 'pattern'),
      };
    case 'number':
      return {
        ...base,
        integer: draft.integer,
        ...given(numberField(draft.default, at('default'), errors, false), 'default'),
        ...given(numberField(draft.min, at('min'), errors, false), 'min'),
        ...given(numberField(draft.max, at('max'), errors, false), 'max'),
      };
    case 'choice':
      return { ...base, options: splitList(draft.options.replace(/,/g, '\n')), ...given(draft.default, 'default') };
    case 'server':
      return { ...base, field: draft.field, ...given(draft.default, 'default') };
  }
}

/**
 * What the editor sends: the runbook as written, each number read from its text. What the form
 * checks is only that text's form and that a name and a script are there; every other rule (a
 * parameter's name, a default that fails its checks, min above max) is the service's, and its
 * refusal lands under the field.
 */
export function checkEditor(values: RunbookEditorValues): { ok: true; spec: RunbookSpecInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  if (values.name.trim() === '') errors.name = 'Enter a name, e.g. restart-nginx.';
  if (values.script.trim() === '') errors.script = 'Enter the script each server runs.';
  const concurrency = numberField(values.concurrency, 'concurrency', errors, true);
  const timeoutSeconds = numberField(values.timeoutSeconds, 'timeoutSeconds', errors, true);
  const params = values.params.map((draft, index) => paramOf(draft, index, errors));
  const rolling = checkRolling(values, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const selector = selectorOf(values);
  const noTargets = selector.serverIds.length === 0 && selector.tags.length === 0 && selector.environments.length === 0;
  return {
    ok: true,
    spec: {
      name: values.name.trim(),
      description: values.description,
      script: values.script,
      params: params as RunbookParam[],
      defaultTargets: noTargets ? null : selector,
      ...(concurrency !== undefined && { concurrency }),
      ...(timeoutSeconds !== undefined && { timeoutSeconds }),
      rolling,
      sudo: values.sudo,
      dangerous: values.dangerous,
      runnableBy: values.runnableBy,
    },
  };
}
