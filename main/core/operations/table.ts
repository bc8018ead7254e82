import { customType, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { OperationRun, OutputChunk, PushedFile, TargetSelector } from '@shared/api/operations';

type RollingRecord = NonNullable<OperationRun['rolling']>;

/** Bytes as SQLite keeps them (PostgreSQL's bytea, table.pg.ts): better-sqlite3 reads a blob as a Buffer. */
const bytes = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'blob' });

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
    /** The runbook and version that ran, its name as it was; null for an ad-hoc command. */
    runbookId: text('runbook_id'),
    runbookName: text('runbook_name'),
    runbookVersion: integer('runbook_version'),
    /** The parameters given, secret ones replaced by [redacted]: a secret is never stored. */
    params: text('params', { mode: 'json' }).$type<Record<string, string | number>>(),
    sudo: integer('sudo', { mode: 'boolean' }).notNull().default(false),
    /** The run this one re-ran. */
    rerunOf: text('rerun_of'),
    /** A rolling run's batches ({batchSize, maxFailPercent, perBatch, batches}); null when every target ran at once. */
    rolling: text('rolling', { mode: 'json' }).$type<RollingRecord>(),
    /** Why a rolling run stopped before its last batch. */
    stopReason: text('stop_reason'),
    /** The file a push wrote (path, mode, owner, size, SHA-256, its vault note), never its content; null for a command. */
    file: text('file', { mode: 'json' }).$type<PushedFile>(),
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
    /** What was printed, in order, up to the cap (with a marker chunk where it was cut); empty once `outputGz` holds it. */
    output: text('output', { mode: 'json' }).$type<OutputChunk[]>().notNull(),
    /** The same chunks as gzip-compressed JSON, how a target that ended keeps them (output-codec.ts); null for a row stored before. */
    outputGz: bytes('output_gz'),
    outputBytes: integer('output_bytes').notNull(),
    truncated: integer('truncated', { mode: 'boolean' }).notNull(),
    outputSha256: text('output_sha256'),
  },
  (table) => [primaryKey({ columns: [table.runId, table.serverId] })],
);

/**
 * Runbooks: a name (unique in any case, archived ones included, so a name always means one
 * runbook's history) and its current version; what each version says is in runbook_versions,
 * every version kept.
 */
export const runbooksTable = sqliteTable(
  'runbooks',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The name in lower case: unique. */
    nameKey: text('name_key').notNull(),
    version: integer('version').notNull(),
    archivedAt: integer('archived_at'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (table) => [uniqueIndex('runbooks_name_key').on(table.nameKey)],
);

export const runbookVersionsTable = sqliteTable(
  'runbook_versions',
  {
    runbookId: text('runbook_id')
      .notNull()
      .references(() => runbooksTable.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The whole runbook as written at this version (RunbookSpec, read back through its schema); never a secret: a secret parameter has no default. */
    spec: text('spec', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.runbookId, table.version] })],
);

/**
 * Terminal sessions (docs/operations.md, "Terminal"): each one's recording as asciicast v2,
 * gzip-compressed, written once when the session ends. What was typed is never recorded. No
 * foreign key to the servers: the record stays after a server is deleted.
 */
export const terminalRecordingsTable = sqliteTable(
  'terminal_recordings',
  {
    id: text('id').primaryKey(),
    serverId: text('server_id').notNull(),
    /** The server's name and address when the session opened, as the record keeps them. */
    serverName: text('server_name').notNull(),
    address: text('address').notNull(),
    /** Who opened it: user:ID or apiKey:ID, and that name then. */
    openedBy: text('opened_by').notNull(),
    openedByName: text('opened_by_name').notNull(),
    startedAt: integer('started_at').notNull(),
    endedAt: integer('ended_at').notNull(),
    /** closed, idle, signed-out, disconnected, shutdown. */
    endReason: text('end_reason').notNull(),
    cols: integer('cols').notNull(),
    rows: integer('rows').notNull(),
    /** Bytes the shell printed in all; the recording keeps them up to its cap. */
    outputBytes: integer('output_bytes').notNull(),
    truncated: integer('truncated', { mode: 'boolean' }).notNull(),
    /** The asciicast v2 text, gzip-compressed; its size and SHA-256 (uncompressed) as audited. */
    recordingGz: bytes('recording_gz').notNull(),
    recordingBytes: integer('recording_bytes').notNull(),
    sha256: text('sha256').notNull(),
  },
  (table) => [index('terminal_recordings_started_at').on(table.startedAt), index('terminal_recordings_ended_at').on(table.endedAt)],
);
