import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Append-only, hash-chained record of every audited call (docs/architecture.md §9). Each event's `hash` is
 * SHA-256 over the previous event's hash and the event's canonical JSON (main/core/audit/chain.ts).
 * Only retention removes events, and only up to a checkpoint that records the last removed hash.
 *
 * No B-tree index besides the primary key: filters go through `audit_search`, a full-text index
 * (created by hand in migration 0005) that holds each event's filterable fields as exact tokens
 * next to its details' words (main/core/audit/search.ts). A B-tree on a column with thousands of
 * values (the target) dirties a random page per event and cut appends threefold; FTS5 writes
 * each transaction's events as one sequential segment and intersects any combination of filters.
 */
export const auditEventsTable = sqliteTable('audit_events', {
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
});

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
