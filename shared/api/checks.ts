import { z } from 'zod';
import { CHECK_CONFIGS, CHECK_TYPES, type CheckType } from '../health';
import { changeEvent, event, method } from './contract';
import { ServerId } from './servers';

/**
 * The `checks.*` methods (docs/architecture.md §7): what a check is, its state and results, and
 * the `check.result` and `checks.changed` events.
 */

export const CHECK_STATUSES = ['up', 'degraded', 'down'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];
/** A check's state: a status, `unknown` before its first result, `paused` while it does not run. */
export const CHECK_STATES = [...CHECK_STATUSES, 'unknown', 'paused'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

export const MIN_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 86_400_000;

export const CheckId = z.uuid('Not a check id');

/** `{ type, config }` where config is that type's schema: unknown fields refused, defaults filled. */
export type CheckSpec = { [T in CheckType]: { type: T; config: z.output<(typeof CHECK_CONFIGS)[T]> } }[CheckType];
export type CheckSpecInput = { [T in CheckType]: { type: T; config: z.input<(typeof CHECK_CONFIGS)[T]> } }[CheckType];
export const CheckSpec = z.discriminatedUnion(
  'type',
  CHECK_TYPES.map((type) => z.strictObject({ type: z.literal(type), config: CHECK_CONFIGS[type] })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<CheckType> }>,
  ],
) as unknown as z.ZodType<CheckSpec, CheckSpecInput>;

export const IntervalMs = z
  .number({ error: 'Interval must be a number of milliseconds' })
  .int('Interval must be whole milliseconds')
  .min(MIN_INTERVAL_MS, 'Interval must be at least 10 seconds')
  .max(MAX_INTERVAL_MS, 'Interval must be at most 24 hours');
export const TimeoutMs = z
  .number({ error: 'Timeout must be a number of milliseconds' })
  .int('Timeout must be whole milliseconds')
  .min(100, 'Timeout must be at least 100 ms')
  .max(120_000, 'Timeout must be at most 2 minutes');
export const Retries = z.number().int('Retries must be a whole number').min(0, 'Retries cannot be negative').max(10, 'At most 10 retries');
export const ConfirmAfter = z.number().int('Must be a whole number').min(1, 'At least 1 result').max(20, 'At most 20 results');

const CheckName = z.string().trim().min(1, 'Name cannot be empty').max(100, 'Name is at most 100 characters');

export const Check = z.object({
  id: z.string(),
  serverId: z.string(),
  name: z.string(),
  type: z.enum(CHECK_TYPES as [CheckType, ...CheckType[]]),
  config: z.record(z.string(), z.unknown()),
  intervalMs: z.number().int(),
  timeoutMs: z.number().int(),
  retries: z.number().int(),
  confirmAfter: z.number().int(),
  paused: z.boolean(),
  state: z.enum(CHECK_STATES),
  /** When the check entered its state. */
  stateSince: z.number().int().nullable(),
  lastAt: z.number().int().nullable(),
  lastStatus: z.enum(CHECK_STATUSES).nullable(),
  lastLatencyMs: z.number().nullable(),
  lastMessage: z.string().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
export type Check = z.infer<typeof Check>;

export const CheckResult = z.object({
  status: z.enum(CHECK_STATUSES),
  latencyMs: z.number().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const checksList = method({
  name: 'checks.list',
  summary: 'Checks with their current state, all or one server’s.',
  input: z.strictObject({ serverId: ServerId.optional() }),
  output: z.object({ items: z.array(Check) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/checks' },
});

export const checksGet = method({
  name: 'checks.get',
  summary: 'One check with its current state.',
  input: z.strictObject({ id: CheckId }),
  output: Check,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/checks/:id' },
});

export const checksCreate = method({
  name: 'checks.create',
  summary: 'Add a check to a server. Interval, timeout, retries and flap damping default to the monitoring defaults.',
  input: z.strictObject({
    serverId: ServerId,
    name: CheckName.optional(),
    spec: CheckSpec,
    intervalMs: IntervalMs.optional(),
    timeoutMs: TimeoutMs.optional(),
    retries: Retries.optional(),
    confirmAfter: ConfirmAfter.optional(),
    paused: z.boolean().default(false),
  }),
  output: Check,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `check:${out.id}` : undefined) },
  http: { method: 'POST', path: '/checks' },
});

export const checksUpdate = method({
  name: 'checks.update',
  summary: 'Change a check; fields left out keep their value. A new spec must keep the check’s type.',
  input: z.strictObject({
    id: CheckId,
    name: CheckName.optional(),
    spec: CheckSpec.optional(),
    intervalMs: IntervalMs.optional(),
    timeoutMs: TimeoutMs.optional(),
    retries: Retries.optional(),
    confirmAfter: ConfirmAfter.optional(),
  }),
  output: Check,
  permission: 'servers:write',
  audit: { target: (input) => `check:${input.id}` },
  http: { method: 'PATCH', path: '/checks/:id' },
});

export const checksDelete = method({
  name: 'checks.delete',
  summary: 'Remove a check and its history.',
  input: z.strictObject({ id: CheckId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `check:${input.id}` },
  http: { method: 'DELETE', path: '/checks/:id' },
});

/** One check, or every check of one server. */
const PauseTarget = z
  .strictObject({ id: CheckId.optional(), serverId: ServerId.optional() })
  .refine((input) => (input.id === undefined) !== (input.serverId === undefined), 'Give either a check id or a server id');

export const checksPause = method({
  name: 'checks.pause',
  summary: 'Stop running a check, or every check of a server, until resumed.',
  input: PauseTarget,
  output: z.object({ ids: z.array(z.string()) }),
  permission: 'servers:write',
  audit: { target: (input) => (input.id ? `check:${input.id}` : `server:${input.serverId}`) },
  http: { method: 'POST', path: '/checks/pause' },
});

export const checksResume = method({
  name: 'checks.resume',
  summary: 'Run a paused check (or a server’s paused checks) again, starting now.',
  input: PauseTarget,
  output: z.object({ ids: z.array(z.string()) }),
  permission: 'servers:write',
  audit: { target: (input) => (input.id ? `check:${input.id}` : `server:${input.serverId}`) },
  http: { method: 'POST', path: '/checks/resume' },
});

export const checksRun = method({
  name: 'checks.run',
  summary: 'Check now: runs the check at once (paused or not), records the result and answers it.',
  input: z.strictObject({ id: CheckId }),
  output: CheckResult.extend({ at: z.number().int(), attempts: z.number().int() }),
  permission: 'servers:write',
  audit: { target: (input) => `check:${input.id}` },
  http: { method: 'POST', path: '/checks/:id/run' },
});

export const checksTest = method({
  name: 'checks.test',
  summary:
    'Runs a check once without saving it, to see what it would say. A check that logs in is tested for a server (its host, and a vault secret linked to it) unless the caller may reveal secrets.',
  input: z.strictObject({ spec: CheckSpec, serverId: ServerId.optional(), timeoutMs: TimeoutMs.default(10_000) }),
  output: CheckResult,
  permission: 'servers:write',
  audit: { target: (input) => `check-test:${input.spec.type}` },
  http: { method: 'POST', path: '/checks/test' },
});

export const StoredResult = z.object({
  checkId: z.string(),
  at: z.number().int(),
  status: z.enum(CHECK_STATUSES),
  latencyMs: z.number().nullable(),
  message: z.string().nullable(),
  /** Taken during a maintenance window. */
  muted: z.boolean(),
});
export type StoredResult = z.infer<typeof StoredResult>;

export const checkResultEvent = event({
  name: 'check.result',
  summary: 'New check results, coalesced: at most a few messages a second whatever the load, each the latest result per check.',
  payload: z.object({
    results: z.array(
      z.object({
        checkId: z.string(),
        serverId: z.string(),
        at: z.number().int(),
        status: z.enum(CHECK_STATUSES),
        state: z.enum(CHECK_STATES),
        latencyMs: z.number().nullable(),
        message: z.string(),
      }),
    ),
  }),
  permission: 'servers:read',
});

export const checksChanged = changeEvent({
  name: 'checks.changed',
  summary: 'Checks were created, changed, deleted, paused or resumed (their results come as check.result).',
  changes: ['created', 'updated', 'deleted', 'paused', 'resumed'],
  permission: 'servers:read',
});
