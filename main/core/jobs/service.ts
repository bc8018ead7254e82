import { hostname } from 'node:os';
import { desc, eq, inArray } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import { isFinished, type Job, type JobStatus } from '@shared/api/jobs';
import { toAppError } from '../api/errors';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/registry';
import { jobsTable, type JobRow } from './table';

export interface JobContext {
  /** The job's id (for the files it writes: Artifacts.begin). */
  id: string;
  /** Aborted when someone cancels the job or Guardian shuts down. Check it between batches. */
  signal: AbortSignal;
  /** Report how far the job got; cheap to call often (writes and events are throttled). */
  progress(done: number, total?: number | null): void;
}

export type JobWork<R> = (ctx: JobContext) => Promise<R>;

export interface JobSpec {
  kind: string;
  title: string;
  total?: number | null;
  createdBy: string;
}

export interface JobServiceDeps {
  db: Db;
  /** A running job writes its progress and end in turns of its own, after the call that started it committed. */
  turns: Pick<WriterTurns, 'apart'>;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  newId: () => string;
  /** Called once a job's end is stored (the audit log records every job's end). */
  onFinished?: (job: Job) => Promise<unknown>;
}

interface Running {
  controller: AbortController;
  done: Promise<Job>;
  lastSaved: number;
}

const PROGRESS_EVERY_MS = 200;

/** Who runs a job: this machine and process. */
const THIS_PROCESS = `${hostname()}/${process.pid}`;

/** Whether the process that owns a job is still running (on this machine; another machine's is taken as gone). */
function ownerAlive(owner: string | null): boolean {
  if (!owner || owner === THIS_PROCESS) return false;
  const [host, pid] = owner.split('/');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const cancelled = (message: string, cause?: unknown) =>
  new AppError('CANCELLED', message, { hint: 'Work committed before the cancel is kept; start the job again if you still need it.', cause });

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    status: row.status,
    done: row.done,
    total: row.total,
    result: row.result ?? null,
    error: row.error ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/**
 * One model for every long operation: a stored row, progress events, cancellation and a stored
 * outcome, so imports, exports, backups and key rotation all look the same to the UI and CLI.
 */
export class JobService {
  private readonly running = new Map<string, Running>();

  constructor(private readonly deps: JobServiceDeps) {}

  /** Jobs a previous process left running (a crash or kill -9) are marked as interrupted. */
  recoverInterrupted(): number {
    const { db, clock } = this.deps;
    // Jobs of another live process on this machine (`guardian serve` while the CLI opens the
    // same data dir) are still running: only those whose process is gone were interrupted.
    const stale = db
      .select({ id: jobsTable.id, owner: jobsTable.owner })
      .from(jobsTable)
      .where(inArray(jobsTable.status, ['queued', 'running']))
      .all()
      .filter((job) => !ownerAlive(job.owner));
    if (stale.length === 0) return 0;
    const error = new AppError('INTERRUPTED', 'Guardian stopped while this job was running.', {
      hint: 'Work committed before the stop is kept; run the job again to finish the rest.',
      retryable: true,
    }).toShape('startup');
    db.update(jobsTable)
      .set({ status: 'failed', error, finishedAt: clock.now() })
      .where(
        inArray(
          jobsTable.id,
          stale.map((job) => job.id),
        ),
      )
      .run();
    return stale.length;
  }

  /** Records the job and starts it on the next turn of the event loop (after the caller commits). */
  start<R>(spec: JobSpec, work: JobWork<R>): Job {
    const { db, clock, newId } = this.deps;
    const row: JobRow = {
      id: newId(),
      kind: spec.kind,
      title: spec.title,
      status: 'queued',
      done: 0,
      total: spec.total ?? null,
      result: null,
      error: null,
      createdBy: spec.createdBy,
      createdAt: clock.now(),
      startedAt: null,
      finishedAt: null,
      owner: THIS_PROCESS,
    };
    db.insert(jobsTable).values(row).run();
    const controller = new AbortController();
    const entry: Running = { controller, lastSaved: 0, done: Promise.resolve(toJob(row)) };
    this.running.set(row.id, entry);
    entry.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.execute(row.id, entry, work));
    return toJob(row);
  }

  get(id: string): Job {
    const row = this.deps.db.select().from(jobsTable).where(eq(jobsTable.id, id)).get();
    if (!row) {
      throw new AppError('NOT_FOUND', `There is no job ${id}.`, { hint: 'List jobs to see their ids.' });
    }
    return toJob(row);
  }

  list(limit: number): Job[] {
    return this.deps.db.select().from(jobsTable).orderBy(desc(jobsTable.createdAt), desc(jobsTable.id)).limit(limit).all().map(toJob);
  }

  cancel(id: string): Job {
    const job = this.get(id);
    const entry = this.running.get(id);
    if (!entry || isFinished(job)) {
      throw new AppError('CONFLICT', `Job ${id} has already finished (${job.status}).`, {
        hint: 'Only queued or running jobs can be cancelled.',
      });
    }
    entry.controller.abort();
    return job;
  }

  /** Resolves with the finished job (for the CLI and tests). */
  async waitFor(id: string): Promise<Job> {
    const entry = this.running.get(id);
    return entry ? entry.done : this.get(id);
  }

  /** Cancels every running job and waits until each has stopped at a safe point. */
  async shutdown(): Promise<void> {
    for (const entry of this.running.values()) entry.controller.abort();
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }

  /** Stores what changed, in a turn of its own, and announces the job as it now is. */
  private async save(id: string, fields: Partial<JobRow>): Promise<Job> {
    const { db, turns } = this.deps;
    const job = await turns.apart(() => {
      db.update(jobsTable).set(fields).where(eq(jobsTable.id, id)).run();
      return this.get(id);
    });
    this.deps.events.emit('job.progress', job);
    return job;
  }

  /** Stores the job's end, then its audit event. */
  private async finish(id: string, fields: Partial<JobRow>): Promise<Job> {
    const job = await this.save(id, fields);
    try {
      await this.deps.onFinished?.(job);
    } catch (error) {
      this.deps.logger.error({ err: error, jobId: job.id }, 'could not record the end of a job');
    }
    return job;
  }

  private async execute<R>(id: string, entry: Running, work: JobWork<R>): Promise<Job> {
    const { clock, logger, metrics } = this.deps;
    const { signal } = entry.controller;
    metrics.jobsRunning.inc();
    let status: JobStatus = 'running';
    let latest: { done: number; total: number | null | undefined } = { done: 0, total: undefined };
    try {
      if (signal.aborted) throw cancelled('The job was cancelled before it started.');
      await this.save(id, { status: 'running', startedAt: clock.now() });
      const ctx: JobContext = {
        id,
        signal,
        progress: (done, total) => {
          latest = { done, total };
          const now = clock.now();
          if (now - entry.lastSaved < PROGRESS_EVERY_MS) return;
          entry.lastSaved = now;
          this.save(id, total === undefined ? { done } : { done, total }).catch((error: unknown) => {
            logger.error({ err: error, jobId: id }, 'could not store a job’s progress');
          });
        },
      };
      const result = await work(ctx);
      status = signal.aborted ? 'cancelled' : 'succeeded';
      const final: Partial<JobRow> = { status, result: result ?? null, finishedAt: clock.now(), done: latest.done };
      if (latest.total !== undefined) final.total = latest.total;
      return await this.finish(id, final);
    } catch (cause) {
      // Work that stops by throwing its abort reason was cancelled, not broken.
      const error = signal.aborted && !(cause instanceof AppError) ? cancelled('The job was cancelled.', cause) : toAppError(cause);
      status = signal.aborted ? 'cancelled' : 'failed';
      if (error.code === 'INTERNAL') logger.error({ err: cause, jobId: id }, 'job failed');
      return await this.finish(id, { status, error: error.toShape(id), finishedAt: clock.now(), done: latest.done });
    } finally {
      metrics.jobsRunning.dec();
      this.running.delete(id);
      logger.info({ jobId: id, status }, 'job finished');
    }
  }
}
