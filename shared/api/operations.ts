import { z } from 'zod';
import { changeEvent, event, method, queryInt, queryList } from './contract';
import { JobSchema } from './jobs';
import { Environment, ServerId, Tag } from './servers';

/**
 * Operations (docs/operations.md): a command run on many servers over SSH, as a job, each
 * target's state and output followed live and recorded: an ad-hoc command, or a runbook's script
 * (runbooks.ts) with its parameters, or a file pushed over SFTP (operations.push). The terminal
 * (issue 21) comes later.
 */

export const TARGET_STATES = ['queued', 'connecting', 'running', 'succeeded', 'failed', 'timed-out', 'cancelled', 'skipped'] as const;
export type TargetState = (typeof TARGET_STATES)[number];
/** The states a target ends in. */
export const FINAL_TARGET_STATES: readonly TargetState[] = ['succeeded', 'failed', 'timed-out', 'cancelled', 'skipped'];

/**
 * Which servers a run acts on: the servers named, and the servers matching the filter (any of the
 * tags; any of the environments; both given, both must match). At least one of the three.
 */
export const TargetSelector = z
  .strictObject({
    serverIds: z.array(ServerId).max(10_000, 'At most 10,000 servers').default([]),
    tags: z.array(Tag).max(32, 'At most 32 tags').default([]),
    environments: z.array(Environment).max(32, 'At most 32 environments').default([]),
  })
  .refine((selector) => selector.serverIds.length + selector.tags.length + selector.environments.length > 0, {
    message: 'Name at least one server, tag or environment to run on',
  });
export type TargetSelector = z.output<typeof TargetSelector>;

/** Most characters in a command: a script belongs in a runbook, not a command line. */
export const COMMAND_MAX = 16_384;

export const OperationCommand = z
  .string()
  .max(COMMAND_MAX, `A command is at most ${COMMAND_MAX} characters`)
  .refine((command) => command.trim().length > 0, 'Enter a command')
  .refine((command) => !command.includes('\0'), 'A command cannot hold a NUL character');

/**
 * A rolling run (docs/operations.md, "Rolling runs"), like Ansible's `serial` and
 * `max_fail_percentage`: the targets in batches, in the run's target order; a batch starts once the
 * whole batch before it has ended, and the run stops when more than `maxFailPercent` of all its
 * targets have failed or timed out, the targets not started skipped.
 */
export const RollingSettings = z.strictObject({
  batchSize: z
    .union(
      [
        z.number().int().min(1, 'A batch is at least 1 target').max(10_000, 'A batch is at most 10,000 targets'),
        z
          .string()
          .regex(/^\d{1,3}%$/, 'A whole number of targets, e.g. 2, or a percentage of them, e.g. "25%"')
          // Said only of a percentage: other text has the message above.
          .refine((text) => !/^\d+%$/.test(text) || (Number.parseInt(text, 10) >= 1 && Number.parseInt(text, 10) <= 100), 'A percentage from 1% to 100%'),
      ],
      { error: 'A whole number of targets, e.g. 2, or a percentage of them, e.g. "25%"' },
    )
    .describe('Targets per batch: a number, or "N%" of the run’s targets (rounded down, at least 1).'),
  maxFailPercent: z
    .number()
    .int('A whole percentage, e.g. 20')
    .min(0, 'At least 0%')
    .max(100, 'At most 100%')
    .default(0)
    .describe('The run stops after a batch once more than this share of all its targets failed or timed out; 0 (the default) stops at the first.'),
});
export type RollingSettings = z.output<typeof RollingSettings>;
export type RollingSettingsInput = z.input<typeof RollingSettings>;

export const OperationRunInput = z.strictObject({
  command: OperationCommand.describe('What each target runs, with its login shell (sh -c).'),
  targets: TargetSelector,
  concurrency: z.number().int().min(1, 'At least 1 target at a time').max(200, 'At most 200 targets at a time').default(10),
  timeoutSeconds: z
    .number()
    .int()
    .min(1, 'A timeout is at least 1 second')
    .max(86_400, 'A timeout is at most a day (86,400 seconds)')
    .default(300)
    .describe('How long each target may take, connecting included.'),
  rolling: RollingSettings.nullable().default(null).describe('Run in batches with a failure threshold; null (the default) runs every target.'),
});
export type OperationRunInput = z.input<typeof OperationRunInput>;
export type OperationRunRequest = z.output<typeof OperationRunInput>;

/** Most bytes a pushed file holds: its base64 (8 MiB) fits the API's body limit (9 MiB); a vault note is at most 64 KiB. */
export const PUSH_MAX_BYTES = 6 * 1024 * 1024;
/** Most characters in a pushed file's path (Linux's PATH_MAX). */
export const PUSH_PATH_MAX = 4096;

/** Where a pushed file goes: absolute, normalised (no `.`, `..`, `//`), not a directory, no NUL. */
export const PushPath = z
  .string()
  .min(1, 'Enter the path on the servers')
  .max(PUSH_PATH_MAX, `A path is at most ${PUSH_PATH_MAX} characters`)
  .refine((path) => !path.includes('\0'), 'A path cannot hold a NUL character')
  .refine((path) => path.startsWith('/'), 'An absolute path, starting with /')
  .refine((path) => path === '/' || !path.endsWith('/'), 'The path of a file, not a directory (no / at the end)')
  .refine(
    (path) =>
      path !== '/' &&
      path
        .replace(/\/$/, '')
        .split('/')
        .slice(1)
        .every((part) => part !== '' && part !== '.' && part !== '..'),
    'A normalised path: no //, . or ..',
  );

/** A file's mode as octal text, "0644" or "644" (setuid, setgid and sticky allowed: "4755"). */
export const PushMode = z.string().regex(/^[0-7]{3,4}$/, 'An octal mode of 3 or 4 digits, e.g. 0644');

/** Who owns a pushed file: "user" or "user:group", names as useradd takes them (or numeric ids). */
export const PushOwner = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?)?$/, 'user or user:group: letters, digits, _ . - (at most 32 each)');

/** What a run records of a pushed file: never its content; a secret file's size and hash neither (a hash of a short secret can be guessed offline). */
export const PushedFile = z.object({
  path: z.string(),
  /** Octal, four digits: "0644". */
  mode: z.string(),
  /** "user" or "user:group" it was given to; null: the login user's. */
  owner: z.string().nullable(),
  /** Bytes; null for a secret file. */
  size: z.number().int().nullable(),
  /** SHA-256 (hex) of the content; null for a secret file. */
  sha256: z.string().nullable(),
  /** The vault note whose text it was (the input's secretId; named so the audit log keeps it); null when the content was given. */
  noteId: z.string().nullable(),
});
export type PushedFile = z.infer<typeof PushedFile>;

/** Base64 text: what `content` must be before it is decoded (one character class, no group: a repeated group overflows V8's regex stack on megabytes). */
const isBase64 = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

export const OperationPushInput = OperationRunInput.omit({ command: true })
  .extend({
    path: PushPath.describe('Where the file goes on each target, absolute.'),
    mode: PushMode.default('0644').describe('Its mode, octal: "0644" unless given.'),
    owner: PushOwner.optional().describe('Its owner, "user" or "user:group" (chown on the target; the login user must be allowed to).'),
    content: z
      .string()
      .max(Math.ceil(PUSH_MAX_BYTES / 3) * 4, `A file is at most ${PUSH_MAX_BYTES / 1024 / 1024} MiB`)
      .refine(isBase64, 'The content as base64')
      .optional()
      .describe(`The file's bytes, base64 (at most ${PUSH_MAX_BYTES / 1024 / 1024} MiB decoded). Or secretId.`),
    secretId: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('A vault note whose text is the file: sent only to the servers the note is linked to. Or content.'),
  })
  .superRefine((input, ctx) => {
    if ((input.content === undefined) === (input.secretId === undefined)) {
      for (const path of ['content', 'secretId']) ctx.addIssue({ code: 'custom', path: [path], message: 'Give the content or a secretId, one of the two' });
    }
  });
export type OperationPushInput = z.input<typeof OperationPushInput>;
export type OperationPushRequest = z.output<typeof OperationPushInput>;

/** Bytes a base64 text decodes to. */
export const base64Size = (text: string): number => Math.floor((text.length * 3) / 4) - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

/**
 * What a push's call event keeps of its input: the content's size in `bytes`, never the content
 * (the run's operation.requested has its SHA-256), and the note's id as `noteId` (the audit log
 * drops any key that looks secret, such as `content` and `secretId`).
 */
export const pushContentSummary = (input: unknown): unknown => {
  if (typeof input !== 'object' || input === null) return input;
  const { content, secretId, ...rest } = input as { content?: unknown; secretId?: unknown };
  return {
    ...rest,
    ...(content !== undefined && { bytes: typeof content === 'string' ? base64Size(content) : '[not text]' }),
    ...(secretId !== undefined && { noteId: secretId }),
  };
};

export const OperationTarget = z.object({
  serverId: z.string(),
  serverName: z.string(),
  /** "host:port" as connected to. */
  address: z.string(),
  state: z.enum(TARGET_STATES),
  exitCode: z.number().int().nullable(),
  /** Why it failed, timed out or was skipped, in words; null when it succeeded. */
  message: z.string().nullable(),
  startedAt: z.number().int().nullable(),
  finishedAt: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  /** Bytes the command printed (both streams), stored or not. */
  outputBytes: z.number().int(),
  /** Whether the stored output stops short of what was printed (see OUTPUT_CAP_BYTES). */
  truncated: z.boolean(),
  /** SHA-256 (hex) of everything printed, in the order it arrived; null until the target ends. */
  outputSha256: z.string().nullable(),
});
export type OperationTarget = z.infer<typeof OperationTarget>;

export const OperationCounts = z.object(Object.fromEntries(TARGET_STATES.map((state) => [state, z.number().int()])) as Record<TargetState, z.ZodNumber>);
export type OperationCounts = z.infer<typeof OperationCounts>;

/** Most characters in a parameter's value. */
export const PARAM_VALUE_MAX = 16_384;

/** A runbook parameter's value as given: the CLI's `--param k=v` gives text, and a number parameter reads it. */
export const ParamValues = z
  .record(z.string().max(64), z.union([z.string().max(PARAM_VALUE_MAX), z.number().finite()]))
  .refine((values) => Object.keys(values).length <= 50, 'At most 50 parameters')
  .default({});
export type ParamValues = z.output<typeof ParamValues>;

/** What a call's audit event keeps of parameter values: their names only (the run's own event has them, secrets redacted). */
export const paramNamesOnly = (input: unknown): unknown => {
  if (typeof input !== 'object' || input === null) return input;
  const { params, ...rest } = input as { params?: unknown };
  return params && typeof params === 'object' ? { ...rest, params: Object.keys(params) } : rest;
};

/** The text that stands for a secret wherever it would have been recorded. */
export const REDACTED = '[redacted]';

export const OperationRun = z.object({
  id: z.string(),
  jobId: z.string(),
  /** What ran: the ad-hoc command, or the runbook version's script. */
  command: z.string(),
  /** The runbook and the version that ran; null for an ad-hoc command. */
  runbook: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).nullable(),
  /** The parameters given, secret ones as [redacted]; empty for an ad-hoc command. */
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Whether the command ran as root through sudo -n. */
  sudo: z.boolean(),
  /** The run this one re-ran (operations.rerun), if any. */
  rerunOf: z.string().nullable(),
  selector: z.object({ serverIds: z.array(z.string()), tags: z.array(z.string()), environments: z.array(z.string()) }),
  concurrency: z.number().int(),
  timeoutSeconds: z.number().int(),
  /** Its batches, as asked and as they came out for its targets (`perBatch` targets each, `batches` of them, in the order `targets` lists them); null when it ran every target at once. */
  rolling: z
    .object({ batchSize: z.union([z.number().int(), z.string()]), maxFailPercent: z.number(), perBatch: z.number().int(), batches: z.number().int() })
    .nullable(),
  /** Why a rolling run stopped before its last batch (its failure threshold); null when it did not. */
  stopReason: z.string().nullable(),
  /** The file a push wrote (operations.push), without its content; null for a command. `command` then only describes it. */
  file: PushedFile.nullable(),
  /** running until every target has ended, then finished (or cancelled, when someone cancelled the run). */
  status: z.enum(['running', 'finished', 'cancelled']),
  createdBy: z.string(),
  createdAt: z.number().int(),
  finishedAt: z.number().int().nullable(),
  counts: OperationCounts,
});
export type OperationRun = z.infer<typeof OperationRun>;

export const OperationRunWithTargets = OperationRun.extend({ targets: z.array(OperationTarget) });
export type OperationRunWithTargets = z.infer<typeof OperationRunWithTargets>;

/** What operations.run answers: the run as it starts, and the job that follows it. */
export const StartedOperation = OperationRunWithTargets.extend({ job: JobSchema });

export const OUTPUT_STREAMS = ['stdout', 'stderr'] as const;
/** One piece of output as it arrived: when, on which stream, the text. */
export const OutputChunk = z.object({ t: z.number().int(), stream: z.enum(OUTPUT_STREAMS), text: z.string() });
export type OutputChunk = z.infer<typeof OutputChunk>;

/** Most output stored per target; past it a marker says how much was cut (its hash still covers all of it). */
export const OUTPUT_CAP_BYTES = 256 * 1024;

export const RunId = z.uuid('Not a run id');
export const RunbookId = z.uuid('Not a runbook id');

export const operationsRun = method({
  name: 'operations.run',
  summary:
    'Run a command on the servers the selector matches, as a job: each target over SSH with the server’s linked vault credential, its host key checked against the pinned one, at most `concurrency` at a time and one connection per host. Follow it with operation.target and operation.output events, or operations.get.',
  input: OperationRunInput,
  output: StartedOperation,
  permission: 'operations:run',
  audit: { target: (_input, out) => (out ? `operation:${out.id}` : undefined) },
  http: { method: 'POST', path: '/operations' },
});

export const operationsPush = method({
  name: 'operations.push',
  summary:
    'Push a file to the servers the selector matches over SFTP, as a run: on each target it is written under a temporary name in the same directory, given its mode (and owner), its SHA-256 checked on the target, then renamed over the path in one step. The content is never stored; a vault note (secretId) goes only to the servers it is linked to.',
  input: OperationPushInput,
  output: StartedOperation,
  permission: 'operations:run',
  audit: { target: (_input, out) => (out ? `operation:${out.id}` : undefined), details: pushContentSummary },
  http: { method: 'POST', path: '/operations/push' },
});

/** How a run went, as the history filters it: a finished run succeeded only when every target did. */
export const RUN_OUTCOMES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
/** What a run ran: a runbook, an ad-hoc command, or a pushed file. */
export const RUN_KINDS = ['runbook', 'command', 'push'] as const;

export const OperationsRunsInput = z.strictObject({
  limit: queryInt(1, 500).default(50),
  outcome: z.enum(RUN_OUTCOMES).optional().describe('failed: finished with a target that did not succeed.'),
  kind: z.enum(RUN_KINDS).optional(),
  createdBy: z.string().min(1).max(200).optional().describe('Who started it, as a run’s createdBy names it: user:ID, apiKey:ID.'),
  since: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Runs started at or after this time (epoch ms).'),
  runbookId: RunbookId.optional().describe('Runs of this runbook, any version.'),
  serverId: ServerId.optional().describe('Runs with this server among their targets (still found after the server is deleted).'),
});
export type OperationsRunsFilter = Omit<z.output<typeof OperationsRunsInput>, 'limit'>;

export const operationsRuns = method({
  name: 'operations.runs',
  summary:
    'Recent runs, newest first, with their counts by state (no output); filtered by how they went, what they ran, which runbook, which server, who started them and since when.',
  input: OperationsRunsInput,
  output: z.object({ items: z.array(OperationRun) }),
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/operations' },
});

export const operationsGet = method({
  name: 'operations.get',
  summary: 'One run with each target’s state, exit code, duration and output hash (the output itself is operations.output).',
  input: z.strictObject({ id: RunId }),
  output: OperationRunWithTargets,
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/operations/:id' },
});

export const operationsOutput = method({
  name: 'operations.output',
  summary: 'What one target of a run printed, stdout and stderr in the order they arrived, as stored (capped, with a marker where it was cut).',
  input: z.strictObject({ id: RunId, serverId: ServerId }),
  output: z.object({ chunks: z.array(OutputChunk), outputBytes: z.number().int(), truncated: z.boolean() }),
  permission: 'operations:output',
  audit: false,
  http: { method: 'GET', path: '/operations/:id/output/:serverId' },
});

export const operationsCancel = method({
  name: 'operations.cancel',
  summary:
    'Stop a run, or one of its targets: queued targets are cancelled, and a running one’s channel is closed, which ends the remote command (it runs under a wrapper that stops it when the channel closes).',
  input: z.strictObject({ id: RunId, serverId: ServerId.optional().describe('Only this target; the whole run when left out.') }),
  output: OperationRunWithTargets,
  permission: 'operations:run',
  audit: { target: (input) => (input.serverId ? `operation:${input.id}/server:${input.serverId}` : `operation:${input.id}`) },
  http: { method: 'POST', path: '/operations/:id/cancel' },
});

export const operationsRerun = method({
  name: 'operations.rerun',
  summary:
    'Runs again what a finished run ran (the same command, or the same runbook version and parameters), on all its targets or only those that did not succeed. Secret parameters are never kept: give them again in `params`. A dangerous runbook needs `confirm` again.',
  input: z.strictObject({
    id: RunId,
    only: z.enum(['all', 'failed']).default('all').describe('failed: the targets that did not succeed (failed, timed out, cancelled, skipped).'),
    params: ParamValues.describe('The run’s secret parameters, which are not kept; nothing else.'),
    confirm: z.number().int().min(0).optional().describe('For a dangerous runbook: the number of servers it will run on.'),
  }),
  output: StartedOperation,
  // Operators may re-run a runbook their role may run; an ad-hoc command's re-run needs operations:run (checked by the service).
  permission: 'runbooks:run',
  audit: { target: (input, out) => (out ? `operation:${out.id}` : `operation:${input.id}`), details: paramNamesOnly },
  http: { method: 'POST', path: '/operations/:id/rerun' },
});

export const operationTargetEvent = event({
  name: 'operation.target',
  summary: 'A target of a run changed state (queued, connecting, running, and how it ended).',
  payload: OperationTarget.extend({ runId: z.string() }),
  permission: 'operations:read',
});

export const operationOutputEvent = event({
  name: 'operation.output',
  summary: 'Output of a run’s targets, batched (at most every 100 ms per run), in the order it arrived.',
  payload: z.object({ runId: z.string(), items: z.array(z.object({ serverId: z.string(), chunks: z.array(OutputChunk) })) }),
  permission: 'operations:output',
});

/** Most characters searched for: a phrase, not a document. */
export const SEARCH_TEXT_MAX = 200;

export const OperationsSearchInput = z
  .strictObject({
    text: z
      .string()
      .min(1, 'Enter the text to look for')
      .max(SEARCH_TEXT_MAX, `Search for at most ${SEARCH_TEXT_MAX} characters`)
      .refine((text) => text.trim().length > 0, 'Enter the text to look for')
      .describe('Found in any case, as typed (not a pattern), within one stream of one target.'),
    since: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Runs started at or after this time (epoch ms).'),
    until: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe('Runs started before this time (epoch ms).'),
    serverIds: queryList(ServerId, 100).optional().describe('Only these servers’ targets.'),
    limit: queryInt(1, 500).default(50),
  })
  .refine((input) => input.since === undefined || input.until === undefined || input.since < input.until, {
    message: 'since must be before until',
    path: ['until'],
  });
export type OperationsSearchInput = z.input<typeof OperationsSearchInput>;

/** Characters of context an excerpt shows at most on each side of the match, within its line. */
export const EXCERPT_CONTEXT = 60;

export const OutputMatch = z.object({
  runId: z.string(),
  /** What ran, its first 200 characters (operations.get has it whole). */
  command: z.string(),
  runbook: z.object({ id: z.string(), name: z.string(), version: z.number().int() }).nullable(),
  runCreatedAt: z.number().int(),
  serverId: z.string(),
  serverName: z.string(),
  state: z.enum(TARGET_STATES),
  finishedAt: z.number().int().nullable(),
  /** The first match, in the order the output arrived: its stream, when it was printed, and its line around it. */
  stream: z.enum(OUTPUT_STREAMS),
  printedAt: z.number().int(),
  excerpt: z.object({ before: z.string(), match: z.string(), after: z.string() }),
});
export type OutputMatch = z.infer<typeof OutputMatch>;

export const operationsSearchOutput = method({
  name: 'operations.searchOutput',
  summary:
    'Which targets of which runs printed a text (any case, as typed), newest run first, each with a short excerpt around its first match, read from the stored output (capped, secrets already masked; Guardian’s own cut marker is not searched).',
  input: OperationsSearchInput,
  output: z.object({ items: z.array(OutputMatch), more: z.boolean().describe('Whether more targets matched than `limit`.') }),
  permission: 'operations:output',
  // A read: the text searched for is not recorded (it may be what someone feared was printed).
  audit: false,
  http: { method: 'GET', path: '/operations/search' },
});

/** Runs kept by default: a quarter covers last week's and last month's questions and a quarterly review, and bounds the stored output (up to 256 KiB a target). */
export const DEFAULT_RUN_RETENTION_DAYS = 90;

export const OperationsSettings = z.strictObject({
  /** Finished runs older than this are removed with their output; their audit events (with the output's SHA-256) stay. */
  runRetentionDays: z.number().int().min(1, 'Keep runs at least 1 day').max(3_650, 'Keep runs at most 3,650 days (ten years)'),
});
export type OperationsSettings = z.infer<typeof OperationsSettings>;

export const operationsSettings = method({
  name: 'operations.settings',
  summary: 'How long finished runs and their output are kept.',
  input: z.strictObject({}),
  output: OperationsSettings,
  permission: 'operations:read',
  audit: false,
  http: { method: 'GET', path: '/operations/settings' },
});

export const operationsUpdateSettings = method({
  name: 'operations.updateSettings',
  summary: 'Change how long finished runs and their output are kept; the next pruning (within 6 hours, or the operations.retention task) applies it.',
  input: OperationsSettings,
  output: OperationsSettings,
  permission: 'operations:run',
  audit: { target: () => 'settings:operations' },
  http: { method: 'PUT', path: '/operations/settings' },
});

export const operationsSettingsChanged = changeEvent({
  name: 'operations.settingsChanged',
  summary: 'How long runs are kept changed (ids is empty: there is one set).',
  changes: ['updated'],
  permission: 'operations:read',
});
