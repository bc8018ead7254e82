import { z } from 'zod';
import { event, method, queryList } from './contract';
import { CHECK_STATES, Check } from './checks';
import { Incident } from './incidents';
import { MaintenanceWindow } from './maintenance';
import { Environment, ServerId, Tag } from './servers';

/**
 * The `health.*` methods (docs/architecture.md §7): the dashboards' read models (the fleet
 * overview, one server's health, latency series) and the `server.status` event. Checks,
 * incidents, maintenance windows and the monitoring settings have their own files.
 */

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

const OverviewFilter = {
  tags: queryList(Tag, 32).optional(),
  environment: Environment.optional(),
  /** `columns`: the servers as `grid` (a third smaller on the wire at 10,000 servers), `servers` empty. */
  form: z.enum(['rows', 'columns']).default('rows'),
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

/**
 * The same servers as `servers`, in columns: item i of every array is server i. Each field's name
 * is sent once instead of once per server, which at 10,000 servers takes the overview from about
 * 310 KB to 240 KB with br (docs/monitoring.md); what is left is mostly the ids, which no encoding
 * shrinks. The UI asks for it and turns it back into rows with `rowsOf`.
 */
export const FleetGrid = z.object({
  id: z.array(z.string()),
  name: z.array(z.string()),
  host: z.array(z.string()),
  environment: z.array(z.string()),
  tags: z.array(z.array(z.string())),
  status: z.array(ServerStatus),
  since: z.array(z.number().int().nullable()),
  checks: z.array(z.number().int()),
});
export type FleetGrid = z.infer<typeof FleetGrid>;

const GRID_FIELDS = Object.keys(FleetGrid.shape) as (keyof FleetGrid & keyof FleetServer)[];

/** Servers as columns. */
export function gridOf(servers: readonly FleetServer[]): FleetGrid {
  const grid = Object.fromEntries(GRID_FIELDS.map((field) => [field, new Array<unknown>(servers.length)])) as Record<keyof FleetGrid, unknown[]>;
  servers.forEach((server, i) => {
    for (const field of GRID_FIELDS) grid[field][i] = server[field];
  });
  return grid as FleetGrid;
}

/** Columns back as servers; null when the columns are not all as long as the ids (a grid no Guardian sends). */
export function rowsOf(grid: FleetGrid): FleetServer[] | null {
  const count = grid.id.length;
  if (GRID_FIELDS.some((field) => grid[field].length !== count)) return null;
  const rows = new Array<FleetServer>(count);
  for (let i = 0; i < count; i++) {
    rows[i] = {
      id: grid.id[i] as string,
      name: grid.name[i] as string,
      host: grid.host[i] as string,
      environment: grid.environment[i] as string,
      tags: grid.tags[i] as string[],
      status: grid.status[i] as ServerStatus,
      since: grid.since[i] as number | null,
      checks: grid.checks[i] as number,
    };
  }
  return rows;
}

/** Checks are late when they have not started this long after they were due. */
export const LATE_AFTER_MS = 10_000;

/** Which concurrency cap holds late checks back: one host's, or the fleet's. */
export const BacklogCause = z.discriminatedUnion('cap', [
  z.object({ cap: z.literal('host'), host: z.string(), limit: z.number().int(), waiting: z.number().int() }),
  z.object({ cap: z.literal('fleet'), limit: z.number().int() }),
]);
export type BacklogCause = z.infer<typeof BacklogCause>;

/** How far behind the schedule is: due checks not started LATE_AFTER_MS after they were due. */
export const ScheduleBacklog = z.object({
  late: z.number().int(),
  /** How long ago the longest-waiting late check was due. */
  oldestLagMs: z.number().int(),
  cause: BacklogCause.nullable(),
});
export type ScheduleBacklog = z.infer<typeof ScheduleBacklog>;

/** What the overview banner, /readyz and the log say about a backlog; null when nothing is late. */
export function backlogMessage(backlog: ScheduleBacklog): string | null {
  const { late, cause } = backlog;
  if (late === 0 || !cause) return null;
  const checks = late === 1 ? '1 check is' : `${late} checks are`;
  return cause.cap === 'host'
    ? `${checks} running late: at most ${cause.limit} at a time may run against ${cause.host}.`
    : `${checks} running late: at most ${cause.limit} checks may run at a time.`;
}

export const FleetOverview = z.object({
  generatedAt: z.number().int(),
  /** Checks running late, and why: the overview shows a banner while any are. */
  schedule: ScheduleBacklog,
  counts: z.record(ServerStatus, z.number().int()),
  /** The servers shown, by name; empty when asked for `form: 'columns'`, which fills `grid` instead. */
  servers: z.array(FleetServer),
  grid: FleetGrid.nullable(),
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

export const serverStatusEvent = event({
  name: 'server.status',
  summary: 'A server’s status changed.',
  payload: z.object({ serverId: z.string(), from: ServerStatus, to: ServerStatus, at: z.number().int() }),
  permission: 'servers:read',
});
