import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Append-only record of every audited call. Hash chaining arrives with the audit issue;
 * until then nothing in the product updates or deletes a row here.
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
  },
  (table) => [index('audit_events_at').on(table.at), index('audit_events_action').on(table.action)],
);

export type AuditEventRow = typeof auditEventsTable.$inferSelect;
