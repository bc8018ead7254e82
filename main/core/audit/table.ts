import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Append-only, hash-chained record of every audited call (design.md §9). Each event's `hash` is
 * SHA-256 over the previous event's hash and the event's canonical JSON (main/core/audit/chain.ts).
 * Only retention removes events, and only up to a checkpoint that records the last removed hash.
 * `audit_fts` (a full-text index over `details`, kept by triggers) is created in the migration.
 */
export const auditEventsTable = sqliteTable(
  'audit_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    actor: text('actor').notNull(),
    origin: text('origin').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    outcome: text('outcome').notNull(),
    correlationId: text('correlation_id').notNull(),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** The actor's name when the event was written ("alice", "ci key"). */
    actorName: text('actor_name'),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  // Each filter has a (column, seq) index, so a filtered page walks back from a cursor. Time needs
  // none: `at` grows with `seq`, so a time bound is found by bisecting the primary key. Outcomes
  // are indexed only for failures (most events are `ok`), which keeps appends cheap.
  (table) => [
    index('audit_events_action').on(table.action, table.seq),
    index('audit_events_actor').on(table.actor, table.seq),
    index('audit_events_actor_name').on(table.actorName, table.seq),
    index('audit_events_target').on(table.target, table.seq),
    index('audit_events_failures').on(table.outcome, table.seq).where(sql`${table.outcome} <> 'ok'`),
  ],
);

export type AuditEventRow = typeof auditEventsTable.$inferSelect;

/** Where retention cut the chain: the remaining events verify from `lastHash`. */
export const auditCheckpointsTable = sqliteTable('audit_checkpoints', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  lastSeq: integer('last_seq').notNull(),
  lastHash: text('last_hash').notNull(),
  removed: integer('removed').notNull(),
  by: text('by').notNull(),
});
