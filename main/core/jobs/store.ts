import { sql } from 'drizzle-orm';
import { AppError, AppErrorShape } from '@shared/api/errors';
import { JOB_STATUSES, type Job, type JobStatus } from '@shared/api/jobs';
import { jsonParam, read, type AsyncDatabase, type Row } from '../db/engine';

/**
 * The jobs table on either engine (docs/architecture.md §4, §8). Every query is written once; a
 * row becomes a Job through `toJob` alone. A statement outside a transaction takes a turn of its
 * own; inside one (the router's, for a call that starts a job) it joins it, so a job's row commits
 * with the call that started it, or not at all.
 */

const COLUMNS = sql.raw('id, kind, title, status, done, total, result, error, created_by, created_at, started_at, finished_at');

/** Still to finish: what a stop of the process that ran it interrupts. */
const UNFINISHED = sql.raw(`('queued', 'running')`);

// A job's progress is written often: its two statements are written once and given only values.
const PROGRESS = "UPDATE jobs SET done = ? WHERE id = ? AND status = 'running'";
const PROGRESS_OF = "UPDATE jobs SET done = ?, total = ? WHERE id = ? AND status = 'running'";

function badValue(column: string, value: unknown): AppError {
  return new AppError('INTERNAL', `The database returned ${JSON.stringify(value)} for jobs.${column}, which Guardian does not know.`, {
    hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
    retryable: false,
  });
}

function statusOf(row: Row): JobStatus {
  const value = read.text(row, 'status');
  const status = JOB_STATUSES.find((known) => known === value);
  if (!status) throw badValue('status', value);
  return status;
}

function errorOf(row: Row): AppErrorShape | null {
  const value = read.json(row, 'error');
  if (value === null) return null;
  const parsed = AppErrorShape.safeParse(value);
  if (!parsed.success) throw badValue('error', value);
  return parsed.data;
}

/** A row of the jobs table as the contract's Job (the owner stays in the table). */
export function toJob(row: Row): Job {
  return {
    id: read.text(row, 'id'),
    kind: read.text(row, 'kind'),
    title: read.text(row, 'title'),
    status: statusOf(row),
    done: read.number(row, 'done'),
    total: read.numberOrNull(row, 'total'),
    result: read.json(row, 'result'),
    error: errorOf(row),
    createdBy: read.text(row, 'created_by'),
    createdAt: read.number(row, 'created_at'),
    startedAt: read.numberOrNull(row, 'started_at'),
    finishedAt: read.numberOrNull(row, 'finished_at'),
  };
}

/** JSON for a column, SQL NULL for nothing (not the JSON text `null`). */
const jsonOrNull = (value: unknown) => (value === null || value === undefined ? null : jsonParam(value));

/** How a job ended. `total` left out keeps the one stored. */
/** A job marked interrupted at start: what its failure is told with. */
export interface InterruptedJob {
  id: string;
  kind: string;
  title: string;
  createdBy: string;
}

export interface JobEnd {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'cancelled'>;
  finishedAt: number;
  done: number;
  total?: number | null | undefined;
  result?: unknown;
  error?: AppErrorShape | null | undefined;
}

export class JobStore {
  constructor(private readonly db: AsyncDatabase) {}

  /** Records a new job, owned by `owner` (`<host>/<pid>`), in the caller's transaction when there is one. */
  async create(job: Job, owner: string): Promise<void> {
    await this.db.run(sql`
      INSERT INTO jobs (id, kind, title, status, done, total, result, error, created_by, created_at, started_at, finished_at, owner)
      VALUES (${job.id}, ${job.kind}, ${job.title}, ${job.status}, ${job.done}, ${job.total}, ${jsonOrNull(job.result)},
        ${jsonOrNull(job.error)}, ${job.createdBy}, ${job.createdAt}, ${job.startedAt}, ${job.finishedAt}, ${owner})`);
  }

  get(id: string): Promise<Job | undefined> {
    return this.db.get(sql`SELECT ${COLUMNS} FROM jobs WHERE id = ${id}`, toJob);
  }

  /** Newest first; jobs created in the same millisecond by id, the later first. */
  list(limit: number): Promise<Job[]> {
    return this.db.all(sql`SELECT ${COLUMNS} FROM jobs ORDER BY created_at DESC, id DESC LIMIT ${limit}`, toJob);
  }

  /** Marks a queued job running; false when it is not there (the call that created it rolled back) or no longer queued. */
  async begin(id: string, at: number): Promise<boolean> {
    const { changes } = await this.db.run(sql`UPDATE jobs SET status = 'running', started_at = ${at} WHERE id = ${id} AND status = 'queued'`);
    return changes > 0;
  }

  /** How far a running job got (`total` left out keeps the one stored); false once it has ended. */
  async progress(id: string, done: number, total?: number | null): Promise<boolean> {
    const { changes } = total === undefined ? await this.db.execute(PROGRESS, [done, id]) : await this.db.execute(PROGRESS_OF, [done, total, id]);
    return changes > 0;
  }

  /** Records a job's end; false when there is no such job still unfinished. */
  async finish(id: string, end: JobEnd): Promise<boolean> {
    const total = end.total === undefined ? sql`` : sql`, total = ${end.total}`;
    const { changes } = await this.db.run(sql`
      UPDATE jobs SET status = ${end.status}, finished_at = ${end.finishedAt}, done = ${end.done}, result = ${jsonOrNull(end.result)},
        error = ${jsonOrNull(end.error)}${total}
      WHERE id = ${id} AND status IN ${UNFINISHED}`);
    return changes > 0;
  }

  /**
   * Marks failed with `error` every unfinished job whose owner `stillRunning` says is gone (a
   * previous process that crashed or was killed); those it marked (another process recovering at
   * the same moment marks each of them once between them).
   */
  async interrupt(stillRunning: (owner: string | null) => boolean, error: AppErrorShape, at: number): Promise<InterruptedJob[]> {
    const unfinished = await this.db.all(sql`SELECT id, owner FROM jobs WHERE status IN ${UNFINISHED}`, (row) => ({
      id: read.text(row, 'id'),
      owner: read.textOrNull(row, 'owner'),
    }));
    const stale = unfinished.filter((job) => !stillRunning(job.owner)).map((job) => sql`${job.id}`);
    if (stale.length === 0) return [];
    // A job that ended meanwhile keeps its end. An UPDATE that returns rows is a write on both engines: in a transaction (or the caller's savepoint).
    return this.db.transaction((tx) =>
      tx.all(
        sql`
      UPDATE jobs SET status = 'failed', error = ${jsonParam(error)}, finished_at = ${at}
      WHERE id IN (${sql.join(stale, sql`, `)}) AND status IN ${UNFINISHED}
      RETURNING id, kind, title, created_by`,
        (row) => ({ id: read.text(row, 'id'), kind: read.text(row, 'kind'), title: read.text(row, 'title'), createdBy: read.text(row, 'created_by') }),
      ),
    );
  }
}
