import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { OutputChunk, TargetSelector } from '@shared/api/operations';

/**
 * Operations (docs/operations.md): each run of a command on many servers, and each target's
 * outcome with what it printed (capped). No foreign key to the servers: the record of what ran
 * where stays after a server is deleted.
 */
export const operationRunsTable = sqliteTable(
  'operation_runs',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id').notNull(),
    command: text('command').notNull(),
    selector: text('selector', { mode: 'json' }).$type<TargetSelector>().notNull(),
    concurrency: integer('concurrency').notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    /** running, finished, cancelled. */
    status: text('status').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (table) => [index('operation_runs_created_at').on(table.createdAt)],
);

export const operationTargetsTable = sqliteTable(
  'operation_targets',
  {
    runId: text('run_id')
      .notNull()
      .references(() => operationRunsTable.id, { onDelete: 'cascade' }),
    serverId: text('server_id').notNull(),
    /** The server's name and address when the run started, as the record keeps them. */
    serverName: text('server_name').notNull(),
    address: text('address').notNull(),
    state: text('state').notNull(),
    exitCode: integer('exit_code'),
    message: text('message'),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    /** What was printed, in order, up to the cap (with a marker chunk where it was cut). */
    output: text('output', { mode: 'json' }).$type<OutputChunk[]>().notNull(),
    outputBytes: integer('output_bytes').notNull(),
    truncated: integer('truncated', { mode: 'boolean' }).notNull(),
    outputSha256: text('output_sha256'),
  },
  (table) => [primaryKey({ columns: [table.runId, table.serverId] })],
);
