import { sql } from 'drizzle-orm';
import {
  OutputChunk,
  PushedFile,
  TARGET_STATES,
  type OperationCounts,
  type OperationRun,
  type OperationsRunsFilter,
  type OperationTarget,
  type TargetSelector,
  type TargetState,
} from '@shared/api/operations';
import { jsonParam, read, type AsyncDatabase, type Row } from '../db/engine';
import { packOutput, unpackOutput } from './output-codec';

/**
 * The operation_runs and operation_targets tables on either engine (docs/architecture.md §4).
 * Every query is written once; the output column is read only by `output`.
 */

const RUN_COLUMNS = sql.raw(
  'id, job_id, command, selector, concurrency, timeout_seconds, status, created_by, created_at, finished_at, runbook_id, runbook_name, runbook_version, params, sudo, rerun_of, rolling, stop_reason, file',
);
const TARGET_COLUMNS = sql.raw(
  'run_id, server_id, server_name, address, state, exit_code, message, started_at, finished_at, output_bytes, truncated, output_sha256',
);

type RunRow = Omit<OperationRun, 'counts'>;

/** Values for `IN (…)`. */
const list = (values: readonly string[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

const stateOf = (value: string): TargetState => TARGET_STATES.find((state) => state === value) ?? 'failed';

function toRun(row: Row): RunRow {
  const status = read.text(row, 'status');
  const runbookId = read.textOrNull(row, 'runbook_id');
  return {
    id: read.text(row, 'id'),
    jobId: read.text(row, 'job_id'),
    command: read.text(row, 'command'),
    selector: read.json(row, 'selector') as TargetSelector,
    concurrency: read.number(row, 'concurrency'),
    timeoutSeconds: read.number(row, 'timeout_seconds'),
    status: status === 'finished' || status === 'cancelled' ? status : 'running',
    createdBy: read.text(row, 'created_by'),
    createdAt: read.number(row, 'created_at'),
    finishedAt: read.numberOrNull(row, 'finished_at'),
    runbook: runbookId === null ? null : { id: runbookId, name: read.text(row, 'runbook_name'), version: read.number(row, 'runbook_version') },
    params: row.params === null ? {} : (read.json(row, 'params') as Record<string, string | number>),
    sudo: read.boolean(row, 'sudo'),
    rerunOf: read.textOrNull(row, 'rerun_of'),
    rolling: read.json(row, 'rolling') as RunRow['rolling'],
    stopReason: read.textOrNull(row, 'stop_reason'),
    file: row.file === null ? null : PushedFile.parse(read.json(row, 'file')),
  };
}

function toTarget(row: Row): OperationTarget & { runId: string } {
  const startedAt = read.numberOrNull(row, 'started_at');
  const finishedAt = read.numberOrNull(row, 'finished_at');
  return {
    runId: read.text(row, 'run_id'),
    serverId: read.text(row, 'server_id'),
    serverName: read.text(row, 'server_name'),
    address: read.text(row, 'address'),
    state: stateOf(read.text(row, 'state')),
    exitCode: read.numberOrNull(row, 'exit_code'),
    message: read.textOrNull(row, 'message'),
    startedAt,
    finishedAt,
    durationMs: startedAt !== null && finishedAt !== null ? finishedAt - startedAt : null,
    outputBytes: read.number(row, 'output_bytes'),
    truncated: read.boolean(row, 'truncated'),
    outputSha256: read.textOrNull(row, 'output_sha256'),
  };
}

export function countsOf(targets: readonly Pick<OperationTarget, 'state'>[]): OperationCounts {
  const counts = Object.fromEntries(TARGET_STATES.map((state) => [state, 0])) as OperationCounts;
  for (const target of targets) counts[target.state] += 1;
  return counts;
}

/** A target's end as stored. */
export interface TargetEnd {
  state: TargetState;
  exitCode: number | null;
  message: string | null;
  startedAt: number | null;
  finishedAt: number;
  output: OutputChunk[];
  outputBytes: number;
  truncated: boolean;
  outputSha256: string | null;
}

/** What an output search is limited to (besides its text). */
export interface SearchFilter {
  since?: number | undefined;
  until?: number | undefined;
  serverIds?: readonly string[] | undefined;
}

/** Where a search page ended: the last target read. */
export interface SearchCursor {
  createdAt: number;
  runId: string;
  serverId: string;
}

/** A target's stored output with what a search answer says about its run. */
export interface SearchRow {
  runId: string;
  command: string;
  runbook: OperationRun['runbook'];
  runCreatedAt: number;
  serverId: string;
  serverName: string;
  state: TargetState;
  finishedAt: number | null;
  truncated: boolean;
  output: OutputChunk[];
}

export class OperationStore {
  constructor(private readonly db: AsyncDatabase) {}

  async createRun(run: RunRow, targets: readonly Pick<OperationTarget, 'serverId' | 'serverName' | 'address' | 'state' | 'message'>[]): Promise<void> {
    await this.db.run(sql`
      INSERT INTO operation_runs (id, job_id, command, selector, concurrency, timeout_seconds, status, created_by, created_at, finished_at,
        runbook_id, runbook_name, runbook_version, params, sudo, rerun_of, rolling, stop_reason, file)
      VALUES (${run.id}, ${run.jobId}, ${run.command}, ${jsonParam(run.selector)}, ${run.concurrency}, ${run.timeoutSeconds}, ${run.status},
        ${run.createdBy}, ${run.createdAt}, ${run.finishedAt}, ${run.runbook?.id ?? null}, ${run.runbook?.name ?? null}, ${run.runbook?.version ?? null},
        ${run.runbook ? jsonParam(run.params) : null}, ${run.sudo}, ${run.rerunOf}, ${run.rolling ? jsonParam(run.rolling) : null}, ${run.stopReason},
        ${run.file ? jsonParam(run.file) : null})`);
    for (const target of targets) {
      await this.db.run(sql`
        INSERT INTO operation_targets (run_id, server_id, server_name, address, state, message, output, output_bytes, truncated)
        VALUES (${run.id}, ${target.serverId}, ${target.serverName}, ${target.address}, ${target.state}, ${target.message}, ${jsonParam([])}, 0, false)`);
    }
  }

  getRun(id: string): Promise<RunRow | undefined> {
    return this.db.get(sql`SELECT ${RUN_COLUMNS} FROM operation_runs WHERE id = ${id}`, toRun);
  }

  /** The newest runs the filter keeps; a finished run failed when a target did not succeed (the page's "Finished with failures"). */
  listRuns(limit: number, filter: OperationsRunsFilter = {}): Promise<RunRow[]> {
    const where = [sql`1 = 1`];
    const notAllSucceeded = sql`EXISTS (SELECT 1 FROM operation_targets t WHERE t.run_id = operation_runs.id AND t.state <> 'succeeded')`;
    if (filter.outcome === 'running' || filter.outcome === 'cancelled') where.push(sql`status = ${filter.outcome}`);
    if (filter.outcome === 'succeeded') where.push(sql`status = 'finished' AND NOT ${notAllSucceeded}`);
    if (filter.outcome === 'failed') where.push(sql`status = 'finished' AND ${notAllSucceeded}`);
    if (filter.kind === 'runbook') where.push(sql`runbook_id IS NOT NULL`);
    if (filter.kind === 'command') where.push(sql`runbook_id IS NULL AND file IS NULL`);
    if (filter.kind === 'push') where.push(sql`file IS NOT NULL`);
    if (filter.createdBy !== undefined) where.push(sql`created_by = ${filter.createdBy}`);
    if (filter.since !== undefined) where.push(sql`created_at >= ${filter.since}`);
    if (filter.runbookId !== undefined) where.push(sql`runbook_id = ${filter.runbookId}`);
    // The targets keep the server's id after the server is deleted, so its runs are still found.
    if (filter.serverId !== undefined)
      where.push(sql`EXISTS (SELECT 1 FROM operation_targets t WHERE t.run_id = operation_runs.id AND t.server_id = ${filter.serverId})`);
    return this.db.all(
      sql`SELECT ${RUN_COLUMNS} FROM operation_runs WHERE ${sql.join(where, sql` AND `)} ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      toRun,
    );
  }

  targets(runId: string): Promise<OperationTarget[]> {
    return this.db.all(sql`SELECT ${TARGET_COLUMNS} FROM operation_targets WHERE run_id = ${runId} ORDER BY server_name, server_id`, (row) => {
      const { runId: _run, ...target } = toTarget(row);
      return target;
    });
  }

  /** Each run's targets' states, for the counts of a page of runs. */
  async statesOf(runIds: readonly string[]): Promise<Map<string, TargetState[]>> {
    const states = new Map<string, TargetState[]>(runIds.map((id) => [id, []]));
    if (runIds.length === 0) return states;
    const rows = await this.db.all(sql`SELECT run_id, state FROM operation_targets WHERE run_id IN (${list(runIds)})`, (row) => ({
      runId: read.text(row, 'run_id'),
      state: stateOf(read.text(row, 'state')),
    }));
    for (const row of rows) states.get(row.runId)?.push(row.state);
    return states;
  }

  async output(runId: string, serverId: string): Promise<{ chunks: OutputChunk[]; outputBytes: number; truncated: boolean } | undefined> {
    const row = await this.db.get(
      sql`SELECT output, output_gz, output_bytes, truncated FROM operation_targets WHERE run_id = ${runId} AND server_id = ${serverId}`,
      (stored) => ({
        packed: read.bytesOrNull(stored, 'output_gz'),
        legacy: read.json(stored, 'output'),
        outputBytes: read.number(stored, 'output_bytes'),
        truncated: read.boolean(stored, 'truncated'),
      }),
    );
    if (!row) return undefined;
    return { chunks: await unpackOutput(row.packed, row.legacy), outputBytes: row.outputBytes, truncated: row.truncated };
  }

  async setState(runId: string, serverId: string, state: TargetState, startedAt: number | null): Promise<void> {
    await this.db.run(sql`
      UPDATE operation_targets SET state = ${state}, started_at = coalesce(started_at, ${startedAt})
      WHERE run_id = ${runId} AND server_id = ${serverId}`);
  }

  /** Ends a target, its output kept compressed (output-codec.ts) and the JSON column left empty. */
  async endTarget(runId: string, serverId: string, end: TargetEnd): Promise<void> {
    const packed = await packOutput(end.output);
    await this.db.run(sql`
      UPDATE operation_targets SET state = ${end.state}, exit_code = ${end.exitCode}, message = ${end.message}, started_at = ${end.startedAt},
        finished_at = ${end.finishedAt}, output = ${jsonParam([])}, output_gz = ${packed}, output_bytes = ${end.outputBytes}, truncated = ${end.truncated},
        output_sha256 = ${end.outputSha256}
      WHERE run_id = ${runId} AND server_id = ${serverId}`);
  }

  /** Ends a run; `stopReason` says why a rolling run stopped before its last batch. */
  async endRun(id: string, status: 'finished' | 'cancelled', at: number, stopReason: string | null): Promise<void> {
    await this.db.run(
      sql`UPDATE operation_runs SET status = ${status}, finished_at = ${at}, stop_reason = ${stopReason} WHERE id = ${id} AND status = 'running'`,
    );
  }

  /** Runs still marked running, with their jobs. */
  openRuns(): Promise<{ id: string; jobId: string }[]> {
    return this.db.all(sql`SELECT id, job_id FROM operation_runs WHERE status = 'running'`, (row) => ({
      id: read.text(row, 'id'),
      jobId: read.text(row, 'job_id'),
    }));
  }

  /**
   * The next targets a search reads, newest run first (keyset on run time, run id, server id, all
   * descending, the same on both engines), after `cursor`. Keys only: sorting rows that carry
   * their output made every page sort the whole record's output (9 s over 64 MB on SQLite), and
   * nothing here reads a column stored after the output (SQLite would walk its overflow pages).
   */
  searchKeys(filter: SearchFilter, cursor: SearchCursor | null, size: number): Promise<SearchCursor[]> {
    const where = [sql`1 = 1`];
    if (filter.since !== undefined) where.push(sql`r.created_at >= ${filter.since}`);
    if (filter.until !== undefined) where.push(sql`r.created_at < ${filter.until}`);
    if (filter.serverIds?.length) where.push(sql`t.server_id IN (${list(filter.serverIds)})`);
    if (cursor)
      where.push(sql`(r.created_at < ${cursor.createdAt} OR (r.created_at = ${cursor.createdAt} AND (r.id < ${cursor.runId}
        OR (r.id = ${cursor.runId} AND t.server_id < ${cursor.serverId}))))`);
    return this.db.all(
      sql`SELECT r.created_at, r.id, t.server_id FROM operation_targets t JOIN operation_runs r ON r.id = t.run_id
        WHERE ${sql.join(where, sql` AND `)}
        ORDER BY r.created_at DESC, r.id DESC, t.server_id DESC LIMIT ${size}`,
      (row) => ({ createdAt: read.number(row, 'created_at'), runId: read.text(row, 'id'), serverId: read.text(row, 'server_id') }),
    );
  }

  /** These targets' stored output with what a search answer says about their runs, in the order of `keys`. */
  async searchRows(keys: readonly SearchCursor[]): Promise<SearchRow[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.all(
      sql`SELECT r.id, r.command, r.runbook_id, r.runbook_name, r.runbook_version, r.created_at, t.server_id, t.server_name, t.state, t.finished_at,
          t.truncated, t.output, t.output_gz
        FROM operation_targets t JOIN operation_runs r ON r.id = t.run_id
        WHERE ${sql.join(
          keys.map((key) => sql`(t.run_id = ${key.runId} AND t.server_id = ${key.serverId})`),
          sql` OR `,
        )}`,
      (row) => {
        const runbookId = read.textOrNull(row, 'runbook_id');
        return {
          runId: read.text(row, 'id'),
          command: read.text(row, 'command'),
          runbook: runbookId === null ? null : { id: runbookId, name: read.text(row, 'runbook_name'), version: read.number(row, 'runbook_version') },
          runCreatedAt: read.number(row, 'created_at'),
          serverId: read.text(row, 'server_id'),
          serverName: read.text(row, 'server_name'),
          state: stateOf(read.text(row, 'state')),
          finishedAt: read.numberOrNull(row, 'finished_at'),
          truncated: read.boolean(row, 'truncated'),
          packed: read.bytesOrNull(row, 'output_gz'),
          legacy: read.json(row, 'output'),
        };
      },
    );
    const unpacked = await Promise.all(
      rows.map(async ({ packed, legacy, ...row }): Promise<SearchRow> => ({ ...row, output: await unpackOutput(packed, legacy) })),
    );
    const byKey = new Map(unpacked.map((row) => [`${row.runId}/${row.serverId}`, row]));
    return keys.flatMap((key) => byKey.get(`${key.runId}/${key.serverId}`) ?? []);
  }

  /** Up to `limit` ended runs that finished before `before`, oldest first: a run still running is never among them. */
  endedBefore(before: number, limit: number): Promise<string[]> {
    return this.db.all(
      sql`SELECT id FROM operation_runs WHERE created_at < ${before} AND status <> 'running' AND finished_at < ${before}
        ORDER BY created_at, id LIMIT ${limit}`,
      (row) => read.text(row, 'id'),
    );
  }

  /**
   * Removes up to `limit` targets (with their output) of these runs, then the runs left with none
   * that are not running: a run's hundreds of targets go over several turns, so no one turn
   * deletes more than `limit` targets' output.
   */
  async removeTargets(runIds: readonly string[], limit: number): Promise<{ runs: number; targets: number }> {
    if (runIds.length === 0) return { runs: 0, targets: 0 };
    const keys = await this.db.all(sql`SELECT run_id, server_id FROM operation_targets WHERE run_id IN (${list(runIds)}) LIMIT ${limit}`, (row) => ({
      runId: read.text(row, 'run_id'),
      serverId: read.text(row, 'server_id'),
    }));
    let targets = 0;
    for (const key of keys) {
      targets += (await this.db.run(sql`DELETE FROM operation_targets WHERE run_id = ${key.runId} AND server_id = ${key.serverId}`)).changes;
    }
    const runs = await this.db.run(sql`
      DELETE FROM operation_runs WHERE id IN (${list(runIds)}) AND status <> 'running'
        AND NOT EXISTS (SELECT 1 FROM operation_targets t WHERE t.run_id = operation_runs.id)`);
    return { runs: runs.changes, targets };
  }

  /** Ends a run a stopped process left: its unfinished targets failed, saying why. */
  async interrupt(id: string, at: number): Promise<void> {
    await this.db.run(sql`
      UPDATE operation_targets SET state = 'failed', message = 'Guardian stopped while this target was queued or running', finished_at = ${at}
      WHERE run_id = ${id} AND state IN ('queued', 'connecting', 'running')`);
    await this.db.run(sql`UPDATE operation_runs SET status = 'finished', finished_at = ${at} WHERE id = ${id} AND status = 'running'`);
  }
}
