import { z } from 'zod';
import { CHECK_CONFIGS, CHECK_TYPES, type CheckType } from '../health';
import { event, method, queryInt, queryList } from './contract';
import { Environment, ServerId, Tag } from './servers';

/**
 * The health engine's contract (docs/architecture.md §7): checks, their results and states, incidents,
 * maintenance windows, the monitoring settings and the dashboards' read models.
 */

export const CHECK_STATUSES = ['up', 'degraded', 'down'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];
/** A check's state: a status, `unknown` before its first result, `paused` while it does not run. */
export const CHECK_STATES = [...CHECK_STATUSES, 'unknown', 'paused'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

export const MIN_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 86_400_000;

export const CheckId = z.uuid('Not a check id');
export const IncidentId = z.uuid('Not an incident id');
export const MaintenanceId = z.uuid('Not a maintenance window id');

/** `{ type, config }` where config is that type's schema: unknown fields refused, defaults filled. */
export type CheckSpec = { [T in CheckType]: { type: T; config: z.output<(typeof CHECK_CONFIGS)[T]> } }[CheckType];
export type CheckSpecInput = { [T in CheckType]: { type: T; config: z.input<(typeof CHECK_CONFIGS)[T]> } }[CheckType];
export const CheckSpec = z.discriminatedUnion(
  'type',
  CHECK_TYPES.map((type) => z.strictObject({ type: z.literal(type), config: CHECK_CONFIGS[type] })) as unknown as [z.ZodObject<{ type: z.ZodLiteral<CheckType> }>],
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

/** How checks run unless a check says otherwise: the first-run wizard sets these. */
export const MonitoringDefaults = z.strictObject({
  intervalMs: IntervalMs,
  timeoutMs: TimeoutMs,
  retries: Retries,
  confirmAfter: ConfirmAfter,
});
export type MonitoringDefaults = z.infer<typeof MonitoringDefaults>;

export const MonitoringSettings = z.strictObject({
  defaults: MonitoringDefaults,
  /** Raw results are kept this many days (rollups keep the history). */
  rawRetentionDays: z.number().int().min(1, 'Keep raw results at least 1 day').max(90, 'Keep raw results at most 90 days'),
  /** Hourly and daily rollups are kept this many days (13 months by default). */
  rollupRetentionDays: z.number().int().min(30, 'Keep rollups at least 30 days').max(3650, 'Keep rollups at most 10 years'),
  /**
   * Whether checks and probes may connect to cloud metadata addresses (169.254.169.254 and the
   * like), which hand out this machine's cloud credentials. Off unless an admin turns it on.
   */
  allowMetadataAddresses: z.boolean().default(false),
});
export type MonitoringSettings = z.infer<typeof MonitoringSettings>;

export const DEFAULT_MONITORING: MonitoringSettings = {
  defaults: { intervalMs: 60_000, timeoutMs: 10_000, retries: 1, confirmAfter: 2 },
  rawRetentionDays: 7,
  rollupRetentionDays: 396,
  allowMetadataAddresses: false,
};

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

export const ServerStatus = z.enum(CHECK_STATES);
export type ServerStatus = z.infer<typeof ServerStatus>;

export const Uptime = z.object({
  /** Fraction of results that were not `down`, outside maintenance; null with no results. */
  h24: z.number().nullable(),
  d7: z.number().nullable(),
  d30: z.number().nullable(),
  /**
   * Since when results are counted: the oldest of the checks' creation times; null without
   * checks. A span longer than the time since then is only partly measured.
   */
  since: z.number().int().nullable(),
});

export const Incident = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  /** The worst status the server reached during the incident. */
  severity: z.enum(['degraded', 'down']),
  startedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
  /** Until now for an open incident. */
  durationMs: z.number().int(),
  cause: z.string(),
  acknowledgedAt: z.number().int().nullable(),
  acknowledgedBy: z.string().nullable(),
  note: z.string().nullable(),
});
export type Incident = z.infer<typeof Incident>;

const OverviewFilter = {
  tags: queryList(Tag, 32).optional(),
  environment: Environment.optional(),
};

export const FleetServer = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  environment: z.string(),
  tags: z.array(z.string()),
  status: ServerStatus,
  since: z.number().int().nullable(),
  checks: z.number().int(),
});
export type FleetServer = z.infer<typeof FleetServer>;

export const FleetOverview = z.object({
  generatedAt: z.number().int(),
  counts: z.record(ServerStatus, z.number().int()),
  servers: z.array(FleetServer),
  openIncidents: z.array(Incident),
  uptime: Uptime,
  slowest: z.array(z.object({ serverId: z.string(), name: z.string(), latencyMs: z.number() })),
  flakiest: z.array(z.object({ serverId: z.string(), name: z.string(), incidents: z.number().int(), failures: z.number().int() })),
  certificates: z.array(
    z.object({ serverId: z.string(), name: z.string(), checkId: z.string(), subject: z.string(), validTo: z.number().int(), daysLeft: z.number().int() }),
  ),
});
export type FleetOverview = z.infer<typeof FleetOverview>;

export const healthOverview = method({
  name: 'health.overview',
  summary: 'The fleet at a glance: servers by status, open incidents, uptime, slowest and flakiest servers, certificates expiring soonest.',
  input: z.strictObject(OverviewFilter),
  output: FleetOverview,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/health/overview' },
});

export const MaintenanceScope = z
  .strictObject({
    serverIds: z.array(ServerId).max(10_000).default([]),
    tags: z.array(Tag).max(32).default([]),
  })
  .refine((scope) => scope.serverIds.length + scope.tags.length > 0, 'Name at least one server or tag');

export const MaintenanceSchedule = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('once'), startsAt: z.number().int().min(0), endsAt: z.number().int().min(0) })
    .refine((w) => w.endsAt > w.startsAt, { message: 'The window must end after it starts', path: ['endsAt'] }),
  z.strictObject({
    kind: z.literal('recurring'),
    /** A cron expression (5 or 6 fields) for when each window opens. */
    cron: z.string().trim().min(9, 'A cron expression such as "0 2 * * 0"').max(100),
    durationMinutes: z.number().int().min(1, 'At least 1 minute').max(7 * 24 * 60, 'At most a week'),
    /** An IANA time zone, e.g. Europe/Berlin. */
    timezone: z.string().trim().min(1).max(64).default('UTC'),
  }),
]);
export type MaintenanceSchedule = z.infer<typeof MaintenanceSchedule>;

export const MaintenanceWindow = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.object({ serverIds: z.array(z.string()), tags: z.array(z.string()) }),
  schedule: z.union([
    z.object({ kind: z.literal('once'), startsAt: z.number().int(), endsAt: z.number().int() }),
    z.object({ kind: z.literal('recurring'), cron: z.string(), durationMinutes: z.number().int(), timezone: z.string() }),
  ]),
  /** Open right now. */
  active: z.boolean(),
  /** The next time it opens (null for a past one-off window). */
  nextStart: z.number().int().nullable(),
  createdAt: z.number().int(),
  createdBy: z.string(),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const ServerHealth = z.object({
  serverId: z.string(),
  status: ServerStatus,
  since: z.number().int().nullable(),
  checks: z.array(Check),
  uptime: Uptime.extend({ d90: z.number().nullable() }),
  incidents: z.array(Incident),
  maintenance: z.array(MaintenanceWindow),
});
export type ServerHealth = z.infer<typeof ServerHealth>;

export const healthServer = method({
  name: 'health.server',
  summary: 'One server’s health: its checks, uptime, recent incidents and maintenance windows.',
  input: z.strictObject({ id: ServerId }),
  output: ServerHealth,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/health/servers/:id' },
});

export const SERIES_RANGES = ['1h', '24h', '7d', '30d', '90d'] as const;
export type SeriesRange = (typeof SERIES_RANGES)[number];

export const SeriesPoint = z.object({
  t: z.number().int(),
  count: z.number().int(),
  failures: z.number().int(),
  min: z.number().nullable(),
  avg: z.number().nullable(),
  max: z.number().nullable(),
  p95: z.number().nullable(),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const healthSeries = method({
  name: 'health.series',
  summary: 'Latency and failures of a server’s checks over a range: raw results for 1 h, hourly rollups to 7 d, daily beyond.',
  input: z.strictObject({ serverId: ServerId, range: z.enum(SERIES_RANGES).default('24h') }),
  output: z.object({
    range: z.enum(SERIES_RANGES),
    from: z.number().int(),
    to: z.number().int(),
    bucketMs: z.number().int(),
    series: z.array(z.object({ checkId: z.string(), name: z.string(), type: z.string(), points: z.array(SeriesPoint) })),
  }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/health/servers/:serverId/series' },
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

export const incidentsList = method({
  name: 'incidents.list',
  summary: 'Incidents, newest first: all, open only, or one server’s.',
  input: z.strictObject({
    serverId: ServerId.optional(),
    open: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).optional(),
    limit: queryInt(1, 1000).default(50),
    offset: queryInt(0, 10_000_000).default(0),
  }),
  output: z.object({ items: z.array(Incident), total: z.number().int() }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/incidents' },
});

export const incidentsGet = method({
  name: 'incidents.get',
  summary: 'One incident with the results around it.',
  input: z.strictObject({ id: IncidentId }),
  output: Incident.extend({ results: z.array(StoredResult) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/incidents/:id' },
});

export const incidentsAcknowledge = method({
  name: 'incidents.acknowledge',
  summary: 'Acknowledge an incident with a note saying who is on it.',
  input: z.strictObject({ id: IncidentId, note: z.string().trim().max(2000, 'The note is at most 2000 characters').default('') }),
  output: Incident,
  permission: 'servers:write',
  audit: { target: (input) => `incident:${input.id}` },
  http: { method: 'POST', path: '/incidents/:id/acknowledge' },
});

const MaintenanceName = z.string().trim().min(1, 'Name cannot be empty').max(100, 'Name is at most 100 characters');

export const maintenanceList = method({
  name: 'maintenance.list',
  summary: 'Maintenance windows, all or those touching one server.',
  input: z.strictObject({ serverId: ServerId.optional() }),
  output: z.object({ items: z.array(MaintenanceWindow) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/maintenance' },
});

export const maintenanceCreate = method({
  name: 'maintenance.create',
  summary: 'Add a maintenance window (one-off or recurring, by server or tag): results are marked and incidents held back; checks keep running.',
  input: z.strictObject({ name: MaintenanceName, scope: MaintenanceScope, schedule: MaintenanceSchedule }),
  output: MaintenanceWindow,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `maintenance:${out.id}` : undefined) },
  http: { method: 'POST', path: '/maintenance' },
});

export const maintenanceUpdate = method({
  name: 'maintenance.update',
  summary: 'Change a maintenance window.',
  input: z.strictObject({ id: MaintenanceId, name: MaintenanceName.optional(), scope: MaintenanceScope.optional(), schedule: MaintenanceSchedule.optional() }),
  output: MaintenanceWindow,
  permission: 'servers:write',
  audit: { target: (input) => `maintenance:${input.id}` },
  http: { method: 'PATCH', path: '/maintenance/:id' },
});

export const maintenanceDelete = method({
  name: 'maintenance.delete',
  summary: 'Remove a maintenance window.',
  input: z.strictObject({ id: MaintenanceId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `maintenance:${input.id}` },
  http: { method: 'DELETE', path: '/maintenance/:id' },
});

export const monitoringSettings = method({
  name: 'monitoring.settings',
  summary: 'The monitoring defaults and how long results and rollups are kept.',
  input: z.strictObject({}),
  output: MonitoringSettings,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/monitoring/settings' },
});

export const monitoringUpdateSettings = method({
  name: 'monitoring.updateSettings',
  summary: 'Change the monitoring defaults (for checks created afterwards) or the retention periods.',
  input: z.strictObject({
    defaults: MonitoringDefaults.partial().optional(),
    rawRetentionDays: MonitoringSettings.shape.rawRetentionDays.optional(),
    rollupRetentionDays: MonitoringSettings.shape.rollupRetentionDays.optional(),
    /** Needs system:admin. */
    allowMetadataAddresses: z.boolean().optional(),
  }),
  output: MonitoringSettings,
  permission: 'servers:write',
  audit: { target: () => 'settings:monitoring' },
  http: { method: 'PATCH', path: '/monitoring/settings' },
});

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

export const serverStatusEvent = event({
  name: 'server.status',
  summary: 'A server’s status changed.',
  payload: z.object({ serverId: z.string(), from: ServerStatus, to: ServerStatus, at: z.number().int() }),
  permission: 'servers:read',
});

export const incidentOpened = event({ name: 'incident.opened', summary: 'An incident opened.', payload: Incident, permission: 'servers:read' });
export const incidentResolved = event({ name: 'incident.resolved', summary: 'An incident was resolved.', payload: Incident, permission: 'servers:read' });
export const incidentAcknowledged = event({
  name: 'incident.acknowledged',
  summary: 'An incident was acknowledged.',
  payload: Incident,
  permission: 'servers:read',
});
