import { z } from 'zod';
import { PERMISSIONS } from '../permissions';
import { changeEvent, method, queryInt } from './contract';
import { JobSchema } from './jobs';

/**
 * Scheduled jobs (docs/architecture.md §8): a registered task (`health.retention`, `audit.verify`, `report`,
 * …) with its parameters, run on a cron schedule in a time zone by the long-running hosts
 * (`guardian serve`, the desktop app). Every run is a job and leaves a row in the schedule's
 * history.
 *
 * A task needs a permission (audit.prune needs audit:admin, a report what it summarises): whoever
 * creates, changes or runs a schedule must hold it, and so must the schedule's creator, with
 * their role at the time, at every run. Reports are written only to the folders the owner allows.
 */

export const ScheduleId = z.uuid('Not a schedule id');

const ScheduleName = z.string().trim().min(1, 'Name cannot be empty').max(100, 'Name is at most 100 characters');
const TaskKind = z.string().trim().min(1, 'Name a task (see schedules.tasks)').max(100);
/** Checked against the task's own schema by the service. */
const TaskParams = z.record(z.string(), z.unknown());
/** Five fields (minute hour day month weekday) or a nickname such as @daily; checked with croner. */
const CronExpression = z.string().trim().min(1, 'A cron expression such as "30 2 * * *"').max(100);
/** An IANA zone such as Europe/Berlin; checked with croner. */
const TimeZone = z.string().trim().min(1, 'An IANA time zone such as Europe/Berlin').max(64);

export const RUN_OUTCOMES = ['running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How a run started: at its due time, or `run now` by someone (the job names who). */
export const RUN_TRIGGERS = ['schedule', 'manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const ScheduleRun = z.object({
  id: z.number().int(),
  scheduleId: z.string(),
  /** Null when no job started: the task refused to start, or the previous run was still busy. */
  jobId: z.string().nullable(),
  /** The due time it ran for (for a manual run, when it was asked for). */
  dueAt: z.number().int(),
  startedAt: z.number().int(),
  finishedAt: z.number().int().nullable(),
  outcome: z.enum(RUN_OUTCOMES),
  /** Why it failed or was skipped (`BUSY`: the previous run was still going). */
  errorCode: z.string().nullable(),
  /** Run at start for a due time missed while Guardian was stopped. */
  caughtUp: z.boolean(),
  trigger: z.enum(RUN_TRIGGERS),
});
export type ScheduleRun = z.infer<typeof ScheduleRun>;

export const Schedule = z.object({
  id: z.string(),
  name: z.string(),
  task: z.string(),
  params: TaskParams,
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  catchUp: z.boolean(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  updatedAt: z.number().int(),
  /** The next due time (UTC ms); null when disabled or when the expression never matches again. */
  nextRunAt: z.number().int().nullable(),
  lastRun: ScheduleRun.nullable(),
});
export type Schedule = z.infer<typeof Schedule>;

export const TaskInfo = z.object({
  kind: z.string(),
  summary: z.string(),
  /** JSON Schema of the task's params, for forms. */
  params: z.record(z.string(), z.unknown()),
  /** The permission creating, changing and running it needs; null when it depends on the params (see the summary). */
  permission: z.enum(PERMISSIONS).nullable(),
});
export type TaskInfo = z.infer<typeof TaskInfo>;

export const schedulesList = method({
  name: 'schedules.list',
  summary: 'Scheduled jobs with their next due time and last run.',
  input: z.strictObject({}),
  output: z.object({ items: z.array(Schedule) }),
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/schedules' },
});

export const schedulesCreate = method({
  name: 'schedules.create',
  summary:
    'Schedule a task on a cron expression in a time zone (default: the zone of the machine Guardian runs on). With catchUp, a run missed while Guardian was stopped runs once at start.',
  input: z.strictObject({
    name: ScheduleName,
    task: TaskKind,
    params: TaskParams.default({}),
    cron: CronExpression,
    timezone: TimeZone.optional(),
    enabled: z.boolean().default(true),
    catchUp: z.boolean().default(true),
  }),
  output: Schedule,
  permission: 'jobs:write',
  audit: { target: (_input, out) => (out ? `schedule:${out.id}` : undefined) },
  http: { method: 'POST', path: '/schedules' },
});

export const schedulesUpdate = method({
  name: 'schedules.update',
  summary: 'Change a schedule. A new time or re-enabling counts from now: times already past are not caught up.',
  input: z.strictObject({
    id: ScheduleId,
    name: ScheduleName.optional(),
    task: TaskKind.optional(),
    params: TaskParams.optional(),
    cron: CronExpression.optional(),
    timezone: TimeZone.optional(),
    enabled: z.boolean().optional(),
    catchUp: z.boolean().optional(),
  }),
  output: Schedule,
  permission: 'jobs:write',
  audit: { target: (input) => `schedule:${input.id}` },
  http: { method: 'PATCH', path: '/schedules/:id' },
});

export const schedulesDelete = method({
  name: 'schedules.delete',
  summary: 'Remove a schedule and its history. A run in progress finishes.',
  input: z.strictObject({ id: ScheduleId }),
  output: z.object({ id: z.string() }),
  permission: 'jobs:write',
  audit: { target: (input) => `schedule:${input.id}` },
  http: { method: 'DELETE', path: '/schedules/:id' },
});

export const schedulesRun = method({
  name: 'schedules.run',
  summary: 'Run a schedule now (enabled or not); follow the job it starts.',
  input: z.strictObject({ id: ScheduleId }),
  output: JobSchema,
  permission: 'jobs:write',
  audit: { target: (input) => `schedule:${input.id}` },
  http: { method: 'POST', path: '/schedules/:id/run' },
});

export const schedulesRuns = method({
  name: 'schedules.runs',
  summary: 'The history of one schedule, newest first.',
  input: z.strictObject({ id: ScheduleId, limit: queryInt(1, 500).default(50) }),
  output: z.object({ items: z.array(ScheduleRun) }),
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/schedules/:id/runs' },
});

export const schedulesTasks = method({
  name: 'schedules.tasks',
  summary: 'The tasks a schedule can run, with what each does and the params it takes.',
  input: z.strictObject({}),
  output: z.object({ items: z.array(TaskInfo) }),
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/schedules/tasks' },
});

/** An absolute, normalized local folder path (POSIX or Windows); never a network path. */
export const OutputFolder = z.string().trim().min(1, 'A folder path').max(1000, 'At most 1000 characters');

export const OutputFolders = z.object({
  /** The data folder's reports/: always allowed, and where a report goes without a folder. */
  default: z.string(),
  /** The other folders (each with everything below it) the owner allows scheduled reports to be written to. */
  folders: z.array(z.string()),
});
export type OutputFolders = z.infer<typeof OutputFolders>;

export const schedulesOutputFolders = method({
  name: 'schedules.outputFolders',
  summary: 'The folders scheduled reports may be written to: the data folder’s reports/ and those the owner allows.',
  input: z.strictObject({}),
  output: OutputFolders,
  permission: 'jobs:read',
  audit: false,
  http: { method: 'GET', path: '/schedules/output-folders' },
});

export const schedulesSetOutputFolders = method({
  name: 'schedules.setOutputFolders',
  summary:
    'Set the folders (besides the data folder’s reports/) scheduled reports may be written to. Owners only. Local absolute paths; network paths (\\\\host\\share, //host/share) are refused.',
  input: z.strictObject({ folders: z.array(OutputFolder).max(50, 'At most 50 folders') }),
  output: OutputFolders,
  // system:admin at the router; the service also requires the owner role.
  permission: 'system:admin',
  audit: { target: () => 'settings:schedules.outputFolders' },
  http: { method: 'PUT', path: '/schedules/output-folders' },
});

export const schedulesChanged = changeEvent({
  name: 'schedules.changed',
  summary: 'Schedules were created, changed, deleted or run now, or the report folders changed (ids empty).',
  changes: ['created', 'updated', 'deleted', 'ran', 'outputFolders'],
  permission: 'jobs:read',
});
