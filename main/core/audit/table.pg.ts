import { bigint, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * The audit tables for PostgreSQL, the same as table.ts (docs/architecture.md §9): an append-only,
 * hash-chained record of every audited call, and the checkpoints retention leaves.
 *
 * The counterpart of SQLite's `audit_search` (the FTS5 index made by hand in migration 0005, which
 * the filters go through) is two GIN expression indexes, made by hand in migrations-pg
 * 0002_audit_search.sql (main/core/audit/reads.ts).
 */
export const auditEventsTable = pgTable('audit_events', {
  seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  at: bigint('at', { mode: 'number' }).notNull(),
  actor: text('actor').notNull(),
  origin: text('origin').notNull(),
  action: text('action').notNull(),
  target: text('target'),
  outcome: text('outcome').notNull(),
  correlationId: text('correlation_id').notNull(),
  details: jsonb('details').$type<Record<string, unknown>>().notNull(),
  /** The actor's name when the event was written ("alice", "ci key"). */
  actorName: text('actor_name'),
  prevHash: text('prev_hash'),
  hash: text('hash'),
});

export type AuditEventRow = typeof auditEventsTable.$inferSelect;

/** Where retention cut the chain: the remaining events verify from `lastHash`. */
export const auditCheckpointsTable = pgTable('audit_checkpoints', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  at: bigint('at', { mode: 'number' }).notNull(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
  removed: bigint('removed', { mode: 'number' }).notNull(),
  by: text('by').notNull(),
});
