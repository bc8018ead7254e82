import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { serversTable } from '../servers/table';

/**
 * The health engine's tables (docs/architecture.md §4, §7). Results and rollups are keyed by the check's
 * small integer `seq`, not its uuid, and are WITHOUT ROWID tables (set in the migration, which
 * drizzle-kit cannot express): a raw result costs about 20 bytes, so a week of results at a 20 s
 * interval stays small.
 */

export const checksTable = sqliteTable(
  'checks',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    serverId: text('server_id')
      .notNull()
      .references(() => serversTable.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull(),
    config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    intervalMs: integer('interval_ms').notNull(),
    timeoutMs: integer('timeout_ms').notNull(),
    retries: integer('retries').notNull(),
    confirmAfter: integer('confirm_after').notNull(),
    paused: integer('paused', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [index('checks_server').on(table.serverId)],
);
export type CheckRow = typeof checksTable.$inferSelect;

/** Where each check stands: written with every result, in the tick's one transaction. */
export const checkStatesTable = sqliteTable('check_states', {
  checkSeq: integer('check_seq')
    .primaryKey()
    .references(() => checksTable.seq, { onDelete: 'cascade' }),
  state: text('state').notNull(),
  pendingStatus: text('pending_status'),
  pendingCount: integer('pending_count').notNull(),
  stateSince: integer('state_since'),
  lastAt: integer('last_at'),
  lastStatus: text('last_status'),
  lastLatencyMs: real('last_latency_ms'),
  lastMessage: text('last_message'),
  lastData: text('last_data', { mode: 'json' }).$type<Record<string, unknown>>(),
  /** A moving average of latency, for "slowest servers". */
  avgLatencyMs: real('avg_latency_ms'),
});
export type CheckStateRow = typeof checkStatesTable.$inferSelect;

/** Result messages, each text once: results point at them by id. */
export const healthMessagesTable = sqliteTable('health_messages', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  text: text('text').notNull().unique(),
});

/**
 * Raw results. `status`: 0 up, 1 degraded, 2 down. `latency`: tenths of a millisecond.
 * `message_id`: null when the result was `up` (its words are in check_states while it is the last).
 */
export const healthResultsTable = sqliteTable(
  'health_results',
  {
    checkSeq: integer('check_seq')
      .notNull()
      .references(() => checksTable.seq, { onDelete: 'cascade' }),
    at: integer('at').notNull(),
    status: integer('status').notNull(),
    latency: integer('latency'),
    messageId: integer('message_id'),
    muted: integer('muted'),
  },
  (table) => [primaryKey({ columns: [table.checkSeq, table.at] })],
);

/**
 * Hourly (`period` 0) and daily (`period` 1) rollups per check. Results taken in a maintenance
 * window count in `muted` only, so uptime leaves them out. `sketch`: a latency histogram for p95.
 */
export const healthRollupsTable = sqliteTable(
  'health_rollups',
  {
    checkSeq: integer('check_seq')
      .notNull()
      .references(() => checksTable.seq, { onDelete: 'cascade' }),
    period: integer('period').notNull(),
    start: integer('start').notNull(),
    count: integer('count').notNull(),
    failures: integer('failures').notNull(),
    degraded: integer('degraded').notNull(),
    muted: integer('muted').notNull(),
    latCount: integer('lat_count').notNull(),
    latMin: real('lat_min'),
    latMax: real('lat_max'),
    latSum: real('lat_sum').notNull(),
    sketch: text('sketch').notNull(),
  },
  (table) => [primaryKey({ columns: [table.checkSeq, table.period, table.start] })],
);
export type RollupRow = typeof healthRollupsTable.$inferSelect;

export const incidentsTable = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id')
      .notNull()
      .references(() => serversTable.id, { onDelete: 'cascade' }),
    severity: text('severity').notNull(),
    startedAt: integer('started_at').notNull(),
    endedAt: integer('ended_at'),
    cause: text('cause').notNull(),
    /** The types of the checks that were bad when it opened or worsened, alphabetically: what a rule's check-type matcher is told against. */
    checkTypes: text('check_types', { mode: 'json' }).$type<string[]>().notNull().default([]),
    acknowledgedAt: integer('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    note: text('note'),
  },
  (table) => [
    index('incidents_server').on(table.serverId, table.startedAt),
    index('incidents_started').on(table.startedAt),
    index('incidents_open').on(table.endedAt),
  ],
);
export type IncidentRow = typeof incidentsTable.$inferSelect;

export const maintenanceTable = sqliteTable('maintenance_windows', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: text('scope', { mode: 'json' }).$type<{ serverIds: string[]; tags: string[] }>().notNull(),
  schedule: text('schedule', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
export type MaintenanceRow = typeof maintenanceTable.$inferSelect;

/** SSH host keys pinned on first use, by "host:port" (checks now, operations later). */
export const hostKeysTable = sqliteTable('host_keys', {
  target: text('target').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  pinnedAt: integer('pinned_at').notNull(),
});

/**
 * How many checks of one server may run at once against its host, where an admin set it: the
 * monitoring setting `maxChecksPerHost` holds for every other server (docs/monitoring.md).
 */
export const serverCheckLimitsTable = sqliteTable('server_check_limits', {
  serverId: text('server_id')
    .primaryKey()
    .references(() => serversTable.id, { onDelete: 'cascade' }),
  maxChecks: integer('max_checks').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
export type ServerCheckLimitRow = typeof serverCheckLimitsTable.$inferSelect;
