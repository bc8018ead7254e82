import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Jobs that run on a cron schedule in the admin's time zone (docs/architecture.md §8). */
export const schedulesTable = sqliteTable('schedules', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** What runs: a task kind registered by its domain (`audit.verify`, `report`, …). */
  task: text('task').notNull(),
  params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  /** A run missed while Guardian was stopped runs once at start. */
  catchUp: integer('catch_up', { mode: 'boolean' }).notNull(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** The last due time that was handled (run, or skipped as missed). */
  lastDueAt: integer('last_due_at'),
});
export type ScheduleRow = typeof schedulesTable.$inferSelect;

export const scheduleRunsTable = sqliteTable(
  'schedule_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    scheduleId: text('schedule_id')
      .notNull()
      .references(() => schedulesTable.id, { onDelete: 'cascade' }),
    jobId: text('job_id'),
    dueAt: integer('due_at').notNull(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    /** succeeded, failed, cancelled; null while running. */
    outcome: text('outcome'),
    errorCode: text('error_code'),
    /** Run at start for a time missed while stopped. */
    caughtUp: integer('caught_up', { mode: 'boolean' }).notNull(),
    /** How it started: schedule, or `run now` by someone. */
    trigger: text('trigger').notNull(),
  },
  (table) => [index('schedule_runs_schedule').on(table.scheduleId, table.startedAt)],
);
