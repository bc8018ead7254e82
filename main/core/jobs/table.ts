import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { AppErrorShape } from '@shared/api/errors';
import type { JobStatus } from '@shared/api/jobs';

export const jobsTable = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    done: integer('done').notNull(),
    total: integer('total'),
    result: text('result', { mode: 'json' }).$type<unknown>(),
    error: text('error', { mode: 'json' }).$type<AppErrorShape>(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    /** The process running it, `<host>/<pid>`: another process opening the data dir leaves it alone while that one lives. */
    owner: text('owner'),
  },
  (table) => [index('jobs_created_at').on(table.createdAt)],
);

export type JobRow = typeof jobsTable.$inferSelect;
