import { z } from 'zod';
import type { Role } from '../permissions';
import { changeEvent, method, queryInt } from './contract';
import { PARAM_VALUE_MAX, paramNamesOnly, ParamValues, RollingSettings, RunbookId, StartedOperation, TargetSelector } from './operations';

/**
 * Runbooks (docs/operations.md): a named script with typed parameters, stored with every version
 * it had, run on servers as an operation. A parameter reaches the script as an environment
 * variable of its name, never pasted into the script's text.
 */

/** The roles a runbook may be run by: operators and up, or admins and owners only. */
export const RUNBOOK_RUNNERS = ['operator', 'admin'] as const;
export type RunbookRunner = (typeof RUNBOOK_RUNNERS)[number];

/** The roles each `runnableBy` admits: the service's check, and what the page offers. */
export const RUNBOOK_RUNNER_ROLES: Record<RunbookRunner, readonly Role[]> = { operator: ['owner', 'admin', 'operator'], admin: ['owner', 'admin'] };

/** What a `server` parameter takes from each target. `address` is host:port; `tags` are joined by commas. */
export const SERVER_FIELDS = ['name', 'host', 'port', 'address', 'environment', 'user', 'tags'] as const;
export type ServerField = (typeof SERVER_FIELDS)[number];

/** Most characters in a script. */
export const SCRIPT_MAX = 65_536;

/**
 * Variables the shell, sshd or the login set, which a parameter may not replace (a PATH of the
 * caller's choosing would change which programs the script runs).
 */
const RESERVED_NAMES = new Set(['PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'IFS', 'ENV', 'BASH_ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'PWD', 'OLDPWD']);
const RESERVED_PREFIXES = ['LD_', 'SSH_', 'SUDO_', 'GUARDIAN_', 'BASH_FUNC_'];

export const ParamName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'A parameter name is a shell variable name: letters, digits and _, not starting with a digit, at most 64')
  .refine(
    (name) => !RESERVED_NAMES.has(name.toUpperCase()) && !RESERVED_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix)),
    'That name is a variable the shell, sshd or sudo sets; choose another',
  );

const noNul = (text: string) => !text.includes('\0');
const NUL_REFUSED = 'No NUL character';
const Description = z.string().max(500, 'A description is at most 500 characters').refine(noNul, NUL_REFUSED).default('');

const paramBase = {
  name: ParamName,
  description: Description,
  /** A required parameter with no default must be given (a server field: the server must have it). */
  required: z.boolean().default(true),
};

export const StringParam = z.strictObject({
  ...paramBase,
  type: z.literal('string'),
  default: z.string().max(PARAM_VALUE_MAX).refine(noNul, NUL_REFUSED).optional(),
  minLength: z.number().int().min(0).max(PARAM_VALUE_MAX).optional(),
  maxLength: z.number().int().min(1).max(PARAM_VALUE_MAX).default(4096),
  pattern: z
    .string()
    .max(500, 'A pattern is at most 500 characters')
    .refine(noNul, NUL_REFUSED)
    .refine((pattern) => {
      try {
        new RegExp(pattern, 'u');
        return true;
      } catch {
        return false;
      }
    }, 'Not a valid regular expression')
    .optional()
    .describe('A regular expression the whole value must match.'),
  /** A secret is never stored, logged, audited or shown: it is redacted, in the run's output too. */
  secret: z.boolean().default(false),
});

export const NumberParam = z.strictObject({
  ...paramBase,
  type: z.literal('number'),
  default: z.number().finite().optional(),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  integer: z.boolean().default(false),
});

export const ChoiceParam = z.strictObject({
  ...paramBase,
  type: z.literal('choice'),
  options: z
    .array(z.string().min(1, 'An option is not empty').max(200, 'An option is at most 200 characters').refine(noNul, NUL_REFUSED))
    .min(1, 'A choice has at least one option')
    .max(100, 'At most 100 options')
    .refine((options) => new Set(options).size === options.length, 'Each option once'),
  default: z.string().optional(),
});

export const ServerParam = z.strictObject({
  ...paramBase,
  type: z.literal('server'),
  field: z.enum(SERVER_FIELDS).describe('Taken from each target server; the runner does not give it.'),
  /** Used where the server's field is empty (no user, no environment). */
  default: z.string().max(PARAM_VALUE_MAX).refine(noNul, NUL_REFUSED).optional(),
});

export const RunbookParam = z.discriminatedUnion('type', [StringParam, NumberParam, ChoiceParam, ServerParam]).superRefine((param, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  switch (param.type) {
    case 'string':
      if (param.secret && param.default !== undefined) issue('default', 'A secret parameter has no default: it would be stored');
      if (param.minLength !== undefined && param.minLength > param.maxLength) issue('minLength', 'minLength is above maxLength');
      break;
    case 'number':
      if (param.min !== undefined && param.max !== undefined && param.min > param.max) issue('min', 'min is above max');
      break;
    case 'choice':
      if (param.default !== undefined && !param.options.includes(param.default)) issue('default', 'The default is one of the options');
      break;
    case 'server':
      break;
  }
  // A default must pass the parameter's own checks.
  if (param.type !== 'server' && param.type !== 'choice' && param.default !== undefined) {
    const refusal = paramRefusal(param, param.default);
    if (refusal) issue('default', `The default is not valid: ${refusal}`);
  }
});
export type RunbookParam = z.output<typeof RunbookParam>;

/** Why `value` is not a valid value of `param` (the runner's, after types are settled), or null. */
export function paramRefusal(param: RunbookParam, value: string | number): string | null {
  switch (param.type) {
    case 'string': {
      if (typeof value !== 'string') return 'a text is expected';
      if (value.includes('\0')) return 'it holds a NUL character';
      if (param.minLength !== undefined && value.length < param.minLength) return `at least ${param.minLength} characters`;
      if (value.length > param.maxLength) return `at most ${param.maxLength} characters`;
      if (param.pattern !== undefined && !new RegExp(`^(?:${param.pattern})$`, 'u').test(value)) return `it does not match ${param.pattern}`;
      return null;
    }
    case 'number': {
      const number = typeof value === 'number' ? value : /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isFinite(number)) return 'a number is expected';
      if (param.integer && !Number.isInteger(number)) return 'a whole number is expected';
      if (param.min !== undefined && number < param.min) return `at least ${param.min}`;
      if (param.max !== undefined && number > param.max) return `at most ${param.max}`;
      return null;
    }
    case 'choice':
      return typeof value === 'string' && param.options.includes(value) ? null : `one of ${param.options.join(', ')}`;
    case 'server':
      return 'it is taken from each server, not given';
  }
}

export const RunbookName = z
  .string()
  .min(1, 'Enter a name')
  .max(100, 'A name is at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'A name is letters, digits, dot, dash and underscore, starting with a letter or digit (the CLI names it)');

export const RunbookScript = z
  .string()
  .max(SCRIPT_MAX, `A script is at most ${SCRIPT_MAX} characters`)
  .refine((script) => script.trim().length > 0, 'Enter a script')
  .refine(noNul, 'A script cannot hold a NUL character');

/** A runbook's fields without their defaults: an update gives only those it changes. */
const specFields = {
  name: RunbookName,
  description: z.string().max(2000, 'A description is at most 2,000 characters').refine(noNul, NUL_REFUSED),
  script: RunbookScript.describe('Run by sh on each target; the parameters are its environment variables.'),
  params: z.array(RunbookParam).max(50, 'At most 50 parameters'),
  defaultTargets: TargetSelector.nullable().describe('Where it runs when the runner names no servers.'),
  concurrency: z.number().int().min(1, 'At least 1 target at a time').max(200, 'At most 200 targets at a time'),
  timeoutSeconds: z.number().int().min(1, 'A timeout is at least 1 second').max(86_400, 'A timeout is at most a day (86,400 seconds)'),
  rolling: RollingSettings.nullable().describe('Run in batches with a failure threshold unless the runner says otherwise; null: every target at once.'),
  sudo: z.boolean().describe('Run the script as root with sudo -n (which never asks for a password).'),
  dangerous: z.boolean().describe('The runner must confirm with the number of servers it would run on.'),
  runnableBy: z.enum(RUNBOOK_RUNNERS).describe('operator: operators, admins and owners; admin: admins and owners.'),
};

const specShape = {
  ...specFields,
  description: specFields.description.default(''),
  params: specFields.params.default([]),
  defaultTargets: specFields.defaultTargets.default(null),
  concurrency: specFields.concurrency.default(10),
  timeoutSeconds: specFields.timeoutSeconds.default(300),
  rolling: specFields.rolling.default(null),
  sudo: specFields.sudo.default(false),
  dangerous: specFields.dangerous.default(false),
  runnableBy: specFields.runnableBy.default('admin'),
};

const uniqueParams = (spec: { params?: RunbookParam[] | undefined }, ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  for (const [index, param] of (spec.params ?? []).entries()) {
    if (seen.has(param.name)) ctx.addIssue({ code: 'custom', path: ['params', index, 'name'], message: `Another parameter is called ${param.name}` });
    seen.add(param.name);
  }
};

/** A runbook as it is written: what create takes, what each version keeps, what a file holds. */
export const RunbookSpec = z.strictObject(specShape).superRefine(uniqueParams);
export type RunbookSpec = z.output<typeof RunbookSpec>;
export type RunbookSpecInput = z.input<typeof RunbookSpec>;

/** Kept with the runs (operations.ts), which filter by it; runbooks.ts imports operations.ts, not the other way. */
export { RunbookId };
/** A runbook by its id or its name (any case). */
export const RunbookRef = z
  .string()
  .min(1, 'Name a runbook')
  .max(100, 'A runbook id or name is at most 100 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'A runbook’s id, or its name (letters, digits, dot, dash and underscore)');

export const Runbook = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  script: z.string(),
  params: z.array(RunbookParam),
  defaultTargets: z.object({ serverIds: z.array(z.string()), tags: z.array(z.string()), environments: z.array(z.string()) }).nullable(),
  concurrency: z.number().int(),
  timeoutSeconds: z.number().int(),
  rolling: z.object({ batchSize: z.union([z.number().int(), z.string()]), maxFailPercent: z.number() }).nullable(),
  sudo: z.boolean(),
  dangerous: z.boolean(),
  runnableBy: z.enum(RUNBOOK_RUNNERS),
  /** The current version: 1 when created, one more at each change. */
  version: z.number().int(),
  /** When it was archived (runbooks.delete): it cannot run, and its versions stay for the record. */
  archivedAt: z.number().int().nullable(),
  createdBy: z.string(),
  createdAt: z.number().int(),
  updatedBy: z.string(),
  updatedAt: z.number().int(),
});
export type Runbook = z.infer<typeof Runbook>;

export const RunbookVersion = z.object({
  version: z.number().int(),
  spec: RunbookSpec,
  createdBy: z.string(),
  createdAt: z.number().int(),
});
export type RunbookVersion = z.infer<typeof RunbookVersion>;

/** What a runbook file says it is: the format, so a later Guardian can read an older file. */
export const RUNBOOK_FILE_FORMAT = 'guardian-runbook/1';

export const RunbookFile = z.strictObject({
  format: z.literal(RUNBOOK_FILE_FORMAT, `Not a Guardian runbook file (its "format" is not ${RUNBOOK_FILE_FORMAT})`),
  /** The runbook's version when it was exported, and when: for the reader, not used on import. */
  version: z.number().int().min(1),
  exportedAt: z.string(),
  runbook: RunbookSpec,
});
export type RunbookFile = z.infer<typeof RunbookFile>;

export const runbooksList = method({
  name: 'runbooks.list',
  summary: 'Runbooks by name (archived ones only when asked).',
  input: z.strictObject({
    archived: z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean()).default(false),
  }),
  output: z.object({ items: z.array(Runbook) }),
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/runbooks' },
});

export const runbooksGet = method({
  name: 'runbooks.get',
  summary: 'One runbook, by id or name, as its current version says.',
  input: z.strictObject({ id: RunbookRef }),
  output: Runbook,
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/runbooks/:id' },
});

export const runbooksVersions = method({
  name: 'runbooks.versions',
  summary: 'Every version a runbook has had, newest first: what it said, who wrote it, when.',
  input: z.strictObject({ id: RunbookRef, limit: queryInt(1, 500).default(100) }),
  output: z.object({ items: z.array(RunbookVersion) }),
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/runbooks/:id/versions' },
});

export const runbooksCreate = method({
  name: 'runbooks.create',
  summary: 'A new runbook, at version 1. Its name is unique (any case), archived runbooks included.',
  input: RunbookSpec,
  output: Runbook,
  permission: 'runbooks:write',
  audit: { target: (_input, out) => (out ? `runbook:${out.id}` : undefined) },
  http: { method: 'POST', path: '/runbooks' },
});

export const runbooksUpdate = method({
  name: 'runbooks.update',
  summary:
    'Changes a runbook: the fields given replace the current version’s, written as a new version (the old ones are kept). Updating an archived runbook restores it.',
  input: z
    .strictObject({ id: RunbookRef, ...z.strictObject(specFields).partial().shape })
    .superRefine(uniqueParams)
    .refine((input) => Object.keys(input).length > 1, 'Give at least one field to change'),
  output: Runbook,
  permission: 'runbooks:write',
  audit: { target: (input, out) => `runbook:${out?.id ?? input.id}` },
  http: { method: 'PATCH', path: '/runbooks/:id' },
});

export const runbooksDelete = method({
  name: 'runbooks.delete',
  summary: 'Archives a runbook: it no longer lists or runs, and its versions and runs stay for the record.',
  input: z.strictObject({ id: RunbookRef }),
  output: Runbook,
  permission: 'runbooks:write',
  audit: { target: (input, out) => `runbook:${out?.id ?? input.id}` },
  http: { method: 'DELETE', path: '/runbooks/:id' },
});

export const runbooksExport = method({
  name: 'runbooks.export',
  summary: `One runbook as a file (JSON, format ${RUNBOOK_FILE_FORMAT}, stamped with its version), for runbooks.import elsewhere.`,
  input: z.strictObject({ id: RunbookRef }),
  output: z.object({ fileName: z.string(), content: z.string() }),
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/runbooks/:id/export' },
});

export const runbooksImport = method({
  name: 'runbooks.import',
  summary:
    'Reads a runbook file. A new name makes a runbook; a name that exists gets a new version (never overwritten: its old versions stay), or nothing when the file says what the current version says.',
  input: z.strictObject({ content: z.string().min(1, 'The file is empty').max(1_000_000, 'A runbook file is at most 1 MB') }),
  output: z.object({ runbook: Runbook, outcome: z.enum(['created', 'new-version', 'unchanged']) }),
  permission: 'runbooks:write',
  audit: { target: (_input, out) => (out ? `runbook:${out.runbook.id}` : undefined) },
  http: { method: 'POST', path: '/runbooks/import' },
});

export const RunbookRunInput = z.strictObject({
  id: RunbookRef,
  params: ParamValues.describe('Each parameter’s value by its name; secret ones are redacted everywhere they could be recorded.'),
  targets: TargetSelector.optional().describe('Where to run; the runbook’s default targets when left out.'),
  confirm: z.number().int().min(0).optional().describe('For a dangerous runbook: the number of servers it will run on, typed by the runner.'),
  rolling: RollingSettings.nullable().optional().describe('Batches and failure threshold for this run; the runbook’s own when left out, none when null.'),
});
export type RunbookRunInput = z.input<typeof RunbookRunInput>;
export type RunbookRunRequest = z.output<typeof RunbookRunInput>;

export const runbooksRun = method({
  name: 'runbooks.run',
  summary:
    'Runs the current version of a runbook on the servers named (or its default targets), as an operation: each parameter is checked against its type and sent as an environment variable. A dangerous runbook needs `confirm` equal to the number of servers.',
  input: RunbookRunInput,
  output: StartedOperation,
  permission: 'runbooks:run',
  audit: { target: (input, out) => (out ? `operation:${out.id}` : `runbook:${input.id}`), details: paramNamesOnly },
  http: { method: 'POST', path: '/runbooks/:id/run' },
});

export const runbooksChanged = changeEvent({
  name: 'runbooks.changed',
  summary: 'A runbook was created, changed (a new version, an import) or archived.',
  changes: ['created', 'updated', 'archived'],
  permission: 'operations:read',
});
