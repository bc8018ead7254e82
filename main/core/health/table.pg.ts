import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { serversTable } from '../servers/table.pg';

/**
 * The health engine's tables for PostgreSQL, the same as table.ts (docs/architecture.md §4, §7). Results and
 * rollups are keyed by the check's `seq`, not its uuid; a bigint here, as every identity is. SQLite's
 * WITHOUT ROWID has no counterpart: a PostgreSQL table is a heap beside its primary-key index.
 */

export const checksTable = pgTable(
  'checks',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull().unique(),
    serverId: text('server_id')
      .notNull()
      .references(() => serversTable.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    intervalMs: integer('interval_ms').notNull(),
    timeoutMs: integer('timeout_ms').notNull(),
    retries: integer('retries').notNull(),
    confirmAfter: integer('confirm_after').notNull(),
    paused: boolean('paused').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (table) => [index('checks_server').on(table.serverId)],
);
export type CheckRow = typeof checksTable.$inferSelect;

/** Where each check stands: written with every result, in the tick's one transaction. */
export const checkStatesTable = pgTable('check_states', {
  checkSeq: bigint('check_seq', { mode: 'number' })
    .primaryKey()
    .references(() => checksTable.seq, { onDelete: 'cascade' }),
  state: text('state').notNull(),
  pendingStatus: text('pending_status'),
  pendingCount: integer('pending_count').notNull(),
  stateSince: bigint('state_since', { mode: 'number' }),
  lastAt: bigint('last_at', { mode: 'number' }),
  lastStatus: text('last_status'),
  lastLatencyMs: doublePrecision('last_latency_ms'),
  lastMessage: text('last_message'),
  lastData: jsonb('last_data').$type<Record<string, unknown>>(),
  /** A moving average of latency, for "slowest servers". */
  avgLatencyMs: doublePrecision('avg_latency_ms'),
});
export type CheckStateRow = typeof checkStatesTable.$inferSelect;

/** Result messages, each text once: results point at them by id. */
export const healthMessagesTable = pgTable('health_messages', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  text: text('text').notNull().unique(),
});

/**
 * Raw results. `status`: 0 up, 1 degraded, 2 down. `latency`: tenths of a millisecond.
 * `message_id`: null when the result was `up` (its words are in check_states while it is the last).
 */
export const healthResultsTable = pgTable(
  'health_results',
  {
    checkSeq: bigint('check_seq', { mode: 'number' })
      .notNull()
      .references(() => checksTable.seq, { onDelete: 'cascade' }),
    at: bigint('at', { mode: 'number' }).notNull(),
    status: integer('status').notNull(),
    latency: integer('latency'),
    messageId: bigint('message_id', { mode: 'number' }),
    /** 1 when taken in a maintenance window, null otherwise: as in table.ts, not a boolean. */
    muted: integer('muted'),
  },
  (table) => [primaryKey({ columns: [table.checkSeq, table.at] })],
);

/**
 * Hourly (`period` 0) and daily (`period` 1) rollups per check. Results taken in a maintenance
 * window count in `muted` only, so uptime leaves them out. `sketch`: a latency histogram for p95.
 */
export const healthRollupsTable = pgTable(
  'health_rollups',
  {
    checkSeq: bigint('check_seq', { mode: 'number' })
      .notNull()
      .references(() => checksTable.seq, { onDelete: 'cascade' }),
    period: integer('period').notNull(),
    start: bigint('start', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
    failures: integer('failures').notNull(),
    degraded: integer('degraded').notNull(),
    muted: integer('muted').notNull(),
    latCount: integer('lat_count').notNull(),
    latMin: doublePrecision('lat_min'),
    latMax: doublePrecision('lat_max'),
    latSum: doublePrecision('lat_sum').notNull(),
    sketch: text('sketch').notNull(),
  },
  (table) => [primaryKey({ columns: [table.checkSeq, table.period, table.start] })],
);
export type RollupRow = typeof healthRollupsTable.$inferSelect;

export const incidentsTable = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id')
      .notNull()
      .references(() => serversTable.id, { onDelete: 'cascade' }),
    severity: text('severity').notNull(),
    startedAt: bigint('started_at', { mode: 'number' }).notNull(),
    endedAt: bigint('ended_at', { mode: 'number' }),
    cause: text('cause').notNull(),
    /** The types of the checks that were bad when it opened or worsened, alphabetically: what a rule's check-type matcher is told against. */
    checkTypes: jsonb('check_types').$type<string[]>().notNull().default([]),
    acknowledgedAt: bigint('acknowledged_at', { mode: 'number' }),
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

export const maintenanceTable = pgTable('maintenance_windows', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: jsonb('scope').$type<{ serverIds: string[]; tags: string[] }>().notNull(),
  schedule: jsonb('schedule').$type<Record<string, unknown>>().notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
export type MaintenanceRow = typeof maintenanceTable.$inferSelect;

/** SSH host keys pinned on first use, by "host:port" (checks now, operations later). */
export const hostKeysTable = pgTable('host_keys', {
  target: text('target').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  pinnedAt: bigint('pinned_at', { mode: 'number' }).notNull(),
});

/** How many checks of one server may run at once against its host, where an admin set it (table.ts). */
export const serverCheckLimitsTable = pgTable('server_check_limits', {
  serverId: text('server_id')
    .primaryKey()
    .references(() => serversTable.id, { onDelete: 'cascade' }),
  maxChecks: integer('max_checks').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
export type ServerCheckLimitRow = typeof serverCheckLimitsTable.$inferSelect;
