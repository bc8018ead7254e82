import type { ValidationIssue } from '@shared/api';
import type { Schedule, TaskInfo } from '@shared/api/schedules';

/** The schedule form as typed; params as JSON text. */
export interface ScheduleFormValues {
  name: string;
  task: string;
  params: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  catchUp: boolean;
}

export const SCHEDULE_FIELDS = ['name', 'task', 'params', 'cron', 'timezone'] as const;
export type ScheduleField = (typeof SCHEDULE_FIELDS)[number];
export type ScheduleErrors = Partial<Record<ScheduleField, string>>;

/** The viewer's IANA zone, which new schedules start from. */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function valuesFrom(schedule: Schedule | undefined, zone: string): ScheduleFormValues {
  if (!schedule) return { name: '', task: '', params: '{}', cron: '', timezone: zone, enabled: true, catchUp: true };
  return {
    name: schedule.name,
    task: schedule.task,
    params: JSON.stringify(schedule.params, null, 2),
    cron: schedule.cron,
    timezone: schedule.timezone,
    enabled: schedule.enabled,
    catchUp: schedule.catchUp,
  };
}

/** Whether a task's params schema (JSON Schema) names any parameter. */
export function takesParams(task: TaskInfo | undefined): boolean {
  const properties: unknown = task?.params.properties;
  return typeof properties === 'object' && properties !== null && Object.keys(properties).length > 0;
}

/** The parameter names a task takes, for the params field's help. */
export function paramNames(task: TaskInfo | undefined): string[] {
  const properties: unknown = task?.params.properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value a JSON Schema accepts, as a starting point: defaults, first choices, required fields only. */
function example(schema: unknown): unknown {
  if (!isRecord(schema)) return null;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) return example(schema.anyOf[0]);
  switch (schema.type) {
    case 'object': {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((key): key is string => typeof key === 'string') : [];
      return Object.fromEntries(required.map((key) => [key, example(properties[key])]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'string':
      return '';
    default:
      return null;
  }
}

/** The params text a task starts with: its required params, filled with their first choices. */
export function paramsTemplate(task: TaskInfo | undefined): string {
  return takesParams(task) ? JSON.stringify(example(task?.params), null, 2) : '{}';
}

export type ScheduleFields = Omit<ScheduleFormValues, 'params'> & { params: Record<string, unknown> };

/**
 * What the form can check before sending: the params are a JSON object. Names, cron expressions
 * and zones are checked by the server, whose messages land under the same fields.
 */
export function checkForm(
  values: ScheduleFormValues,
  task: TaskInfo | undefined,
): { ok: true; fields: ScheduleFields } | { ok: false; errors: ScheduleErrors } {
  let params: Record<string, unknown> = {};
  if (takesParams(task)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.params.trim() === '' ? '{}' : values.params);
    } catch (error) {
      return { ok: false, errors: { params: `Not valid JSON: ${error instanceof Error ? error.message : 'cannot be read'}` } };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, errors: { params: 'Params are a JSON object, such as { "format": "pdf" }' } };
    params = { ...parsed };
  }
  return { ok: true, fields: { ...values, name: values.name.trim(), cron: values.cron.trim(), timezone: values.timezone.trim(), params } };
}

const isField = (value: unknown): value is ScheduleField => typeof value === 'string' && (SCHEDULE_FIELDS as readonly string[]).includes(value);

/** Contract issues under their fields (params issues keep their inner path), the rest for a banner. */
export function scheduleErrors(issues: readonly ValidationIssue[]): { errors: ScheduleErrors; other: string[] } {
  const errors: ScheduleErrors = {};
  const other: string[] = [];
  for (const issue of issues) {
    const [field, ...rest] = issue.path;
    if (!isField(field)) {
      other.push(issue.message);
      continue;
    }
    const message = field === 'params' && rest.length ? `${rest.join('.')}: ${issue.message}` : issue.message;
    errors[field] ??= message;
  }
  return { errors, other };
}
