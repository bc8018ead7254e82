import { bigint, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { AppErrorShape } from '@shared/api/errors';
import type { JobStatus } from '@shared/api/jobs';

/** The jobs table for PostgreSQL, the same as table.ts. */
export const jobsTable = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    status: text('status').$type<JobStatus>().notNull(),
    /** Progress counts what the job walks, audit events among them: bigint, as their `seq` is. */
    done: bigint('done', { mode: 'number' }).notNull(),
    total: bigint('total', { mode: 'number' }),
    result: jsonb('result').$type<unknown>(),
    error: jsonb('error').$type<AppErrorShape>(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    startedAt: bigint('started_at', { mode: 'number' }),
    finishedAt: bigint('finished_at', { mode: 'number' }),
    /** The process running it, `<host>/<pid>`: as in table.ts. */
    owner: text('owner'),
  },
  (table) => [index('jobs_created_at').on(table.createdAt)],
);

export type JobRow = typeof jobsTable.$inferSelect;
