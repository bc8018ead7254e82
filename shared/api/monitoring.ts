import { z } from 'zod';
import { changeEvent, method } from './contract';
import { ConfirmAfter, IntervalMs, Retries, TimeoutMs } from './checks';
import { ServerId } from './servers';

/** The `monitoring.*` methods (docs/architecture.md §7): how checks run by default, how long results are kept. */

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
  /**
   * How many checks may run at once across the fleet. A node needs about (checks ÷ interval in s)
   * × mean check time: 10,000 checks every 20 s at 0.1 s each keep 50 busy (docs/monitoring.md).
   */
  maxConcurrentChecks: z.number().int().min(1, 'At least 1 check at a time').max(1024, 'At most 1024 checks at a time').default(128),
  /** How many checks may run at once against one host, so a host with many services is not flooded; a server may have its own (monitoring.setServerLimit). */
  maxChecksPerHost: z.number().int().min(1, 'At least 1 check at a time per host').max(256, 'At most 256 checks at a time per host').default(4),
});
export type MonitoringSettings = z.infer<typeof MonitoringSettings>;

export const DEFAULT_MONITORING: MonitoringSettings = {
  defaults: { intervalMs: 60_000, timeoutMs: 10_000, retries: 1, confirmAfter: 2 },
  rawRetentionDays: 7,
  rollupRetentionDays: 396,
  allowMetadataAddresses: false,
  maxConcurrentChecks: 128,
  maxChecksPerHost: 4,
};

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
  summary: 'Change the monitoring defaults (for checks created afterwards), the retention periods or how many checks may run at once.',
  input: z.strictObject({
    defaults: MonitoringDefaults.partial().optional(),
    rawRetentionDays: MonitoringSettings.shape.rawRetentionDays.optional(),
    rollupRetentionDays: MonitoringSettings.shape.rollupRetentionDays.optional(),
    /** Needs system:admin. */
    allowMetadataAddresses: z.boolean().optional(),
    maxConcurrentChecks: MonitoringSettings.shape.maxConcurrentChecks.unwrap().optional(),
    maxChecksPerHost: MonitoringSettings.shape.maxChecksPerHost.unwrap().optional(),
  }),
  output: MonitoringSettings,
  permission: 'servers:write',
  audit: { target: () => 'settings:monitoring' },
  http: { method: 'PATCH', path: '/monitoring/settings' },
});

/** A server's own cap on checks at once against its host, where an admin set one. */
export const ServerCheckLimit = z.object({
  serverId: z.string(),
  serverName: z.string(),
  host: z.string(),
  maxChecks: z.number().int(),
  updatedAt: z.number().int(),
});
export type ServerCheckLimit = z.infer<typeof ServerCheckLimit>;

export const monitoringServerLimits = method({
  name: 'monitoring.serverLimits',
  summary: 'The servers with their own cap on how many of their checks may run at once against their host, by server name.',
  input: z.strictObject({}),
  output: z.object({ items: z.array(ServerCheckLimit) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/monitoring/server-limits' },
});

export const monitoringSetServerLimit = method({
  name: 'monitoring.setServerLimit',
  summary:
    'Give one server its own cap on how many of its checks may run at once against its host (a host that takes more, or one that must be spared), or remove it with null so maxChecksPerHost holds again.',
  input: z.strictObject({
    serverId: ServerId,
    maxChecks: MonitoringSettings.shape.maxChecksPerHost.unwrap().nullable(),
  }),
  output: z.object({ serverId: z.string(), maxChecks: z.number().int().nullable(), effective: z.number().int() }),
  permission: 'servers:write',
  audit: { target: (input) => `server:${input.serverId}` },
  http: { method: 'PUT', path: '/monitoring/server-limits/:serverId' },
});

export const monitoringChanged = changeEvent({
  name: 'monitoring.changed',
  summary: 'The monitoring settings changed (ids is empty: there is one set), or a server’s own cap on checks at once did (ids: that server).',
  changes: ['updated'],
  permission: 'servers:read',
});
