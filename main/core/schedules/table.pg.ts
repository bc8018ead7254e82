import { bigint, boolean, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

/** The schedules for PostgreSQL, the same as table.ts (docs/architecture.md §8). */
export const schedulesTable = pgTable('schedules', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** What runs: a task kind registered by its domain (`audit.verify`, `report`, …). */
  task: text('task').notNull(),
  params: jsonb('params').$type<Record<string, unknown>>().notNull(),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull(),
  enabled: boolean('enabled').notNull(),
  /** A run missed while Guardian was stopped runs once at start. */
  catchUp: boolean('catch_up').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  /** The last due time that was handled (run, or skipped as missed). */
  lastDueAt: bigint('last_due_at', { mode: 'number' }),
});
export type ScheduleRow = typeof schedulesTable.$inferSelect;

export const scheduleRunsTable = pgTable(
  'schedule_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    scheduleId: text('schedule_id')
      .notNull()
      .references(() => schedulesTable.id, { onDelete: 'cascade' }),
    jobId: text('job_id'),
    dueAt: bigint('due_at', { mode: 'number' }).notNull(),
    startedAt: bigint('started_at', { mode: 'number' }).notNull(),
    finishedAt: bigint('finished_at', { mode: 'number' }),
    /** succeeded, failed, cancelled; null while running. */
    outcome: text('outcome'),
    errorCode: text('error_code'),
    /** Run at start for a time missed while stopped. */
    caughtUp: boolean('caught_up').notNull(),
    /** How it started: schedule, or `run now` by someone. */
    trigger: text('trigger').notNull(),
  },
  (table) => [index('schedule_runs_schedule').on(table.scheduleId, table.startedAt)],
);
