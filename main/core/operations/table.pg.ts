import { bigint, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OperationRun, OutputChunk, PushedFile, TargetSelector } from '@shared/api/operations';

type RollingRecord = NonNullable<OperationRun['rolling']>;

/** Bytes as PostgreSQL keeps them (SQLite's blob, table.ts); node-postgres reads them as a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** Operations for PostgreSQL, the same as table.ts. */
export const operationRunsTable = pgTable(
  'operation_runs',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id').notNull(),
    command: text('command').notNull(),
    selector: jsonb('selector').$type<TargetSelector>().notNull(),
    concurrency: integer('concurrency').notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    status: text('status').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    finishedAt: bigint('finished_at', { mode: 'number' }),
    runbookId: text('runbook_id'),
    runbookName: text('runbook_name'),
    runbookVersion: integer('runbook_version'),
    params: jsonb('params').$type<Record<string, string | number>>(),
    sudo: boolean('sudo').notNull().default(false),
    rerunOf: text('rerun_of'),
    rolling: jsonb('rolling').$type<RollingRecord>(),
    stopReason: text('stop_reason'),
    /** The file a push wrote (path, mode, owner, size, SHA-256, its vault note), never its content; null for a command. */
    file: jsonb('file').$type<PushedFile>(),
  },
  (table) => [index('operation_runs_created_at').on(table.createdAt)],
);

export const operationTargetsTable = pgTable(
  'operation_targets',
  {
    runId: text('run_id')
      .notNull()
      .references(() => operationRunsTable.id, { onDelete: 'cascade' }),
    serverId: text('server_id').notNull(),
    serverName: text('server_name').notNull(),
    address: text('address').notNull(),
    state: text('state').notNull(),
    exitCode: integer('exit_code'),
    message: text('message'),
    startedAt: bigint('started_at', { mode: 'number' }),
    finishedAt: bigint('finished_at', { mode: 'number' }),
    output: jsonb('output').$type<OutputChunk[]>().notNull(),
    outputGz: bytea('output_gz'),
    outputBytes: bigint('output_bytes', { mode: 'number' }).notNull(),
    truncated: boolean('truncated').notNull(),
    outputSha256: text('output_sha256'),
  },
  (table) => [primaryKey({ columns: [table.runId, table.serverId] })],
);

export const runbooksTable = pgTable(
  'runbooks',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    version: integer('version').notNull(),
    archivedAt: bigint('archived_at', { mode: 'number' }),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
  },
  (table) => [uniqueIndex('runbooks_name_key').on(table.nameKey)],
);

export const runbookVersionsTable = pgTable(
  'runbook_versions',
  {
    runbookId: text('runbook_id')
      .notNull()
      .references(() => runbooksTable.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.runbookId, table.version] })],
);

/** Terminal recordings for PostgreSQL, the same as table.ts. */
export const terminalRecordingsTable = pgTable(
  'terminal_recordings',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id').notNull(),
    serverName: text('server_name').notNull(),
    address: text('address').notNull(),
    openedBy: text('opened_by').notNull(),
    openedByName: text('opened_by_name').notNull(),
    startedAt: bigint('started_at', { mode: 'number' }).notNull(),
    endedAt: bigint('ended_at', { mode: 'number' }).notNull(),
    endReason: text('end_reason').notNull(),
    cols: integer('cols').notNull(),
    rows: integer('rows').notNull(),
    outputBytes: bigint('output_bytes', { mode: 'number' }).notNull(),
    truncated: boolean('truncated').notNull(),
    recordingGz: bytea('recording_gz').notNull(),
    recordingBytes: integer('recording_bytes').notNull(),
    sha256: text('sha256').notNull(),
  },
  (table) => [index('terminal_recordings_started_at').on(table.startedAt), index('terminal_recordings_ended_at').on(table.endedAt)],
);
