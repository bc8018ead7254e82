import { hostname } from 'node:os';
import { AppError, type AppErrorShape } from '@shared/api/errors';
import { isFinished, type Job, type JobStatus } from '@shared/api/jobs';
import { toAppError } from '../api/errors';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/registry';
import { JobStore, type JobEnd } from './store';

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
  /** Where jobs are stored, on either engine; a running job writes its progress and end in turns of its own (`detached`). */
  data: AsyncDatabase;
  events: EventBus;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  newId: () => string;
  /** Called once a job's end is stored (the audit log records every job's end). */
  onFinished?: (job: Job) => Promise<unknown>;
  /**
   * Called in the transaction that stores a job's end (docs/alerts.md, "Sources about no server"):
   * what it writes (a failed job's notifications) commits with that end, or neither does.
   */
  onEnd?: (job: EndedJob) => Promise<unknown>;
}

/** A job that has just ended, as its end is told. */
export interface EndedJob {
  id: string;
  kind: string;
  title: string;
  createdBy: string;
  status: JobEnd['status'];
  result: unknown;
  error: AppErrorShape | null;
  finishedAt: number;
}

interface Running {
  controller: AbortController;
  /** The job once it has ended; null when its row never committed (the call that started it rolled back). */
  done: Promise<Job | null>;
  lastSaved: number;
  /** The job as last announced. */
  job: Job;
  /** Its progress writes, one after another, all stored before its end is. */
  writes: Promise<void>;
}

const PROGRESS_EVERY_MS = 200;
/** How long to wait before storing a job's end again while the database is away: doubling from the first to the last. */
const END_RETRY_FIRST_MS = 250;
const END_RETRY_MAX_MS = 5_000;

/** Resolves after `ms`, or at once when `signal` aborts; holds no process open. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

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

/**
 * One model for every long operation: a stored row, progress events, cancellation and a stored
 * outcome, so imports, exports, backups and key rotation all look the same to the UI and CLI.
 */
export class JobService {
  private readonly running = new Map<string, Running>();
  private readonly store: JobStore;
  /** Aborted at shutdown: a job's end is no longer tried again. */
  private readonly closing = new AbortController();

  constructor(private readonly deps: JobServiceDeps) {
    this.store = new JobStore(deps.data);
  }

  /**
   * Jobs a previous process left running (a crash or kill -9) are marked as interrupted, each a
   * failed end told through `onEnd` in the same transaction; how many.
   */
  recoverInterrupted(): Promise<number> {
    const error = new AppError('INTERRUPTED', 'Guardian stopped while this job was running.', {
      hint: 'Work committed before the stop is kept; run the job again to finish the rest.',
      retryable: true,
    }).toShape('startup');
    const at = this.deps.clock.now();
    const { onEnd } = this.deps;
    return this.deps.data.transaction(async () => {
      // Jobs of another live process on this machine (`guardian serve` while the CLI opens the
      // same data dir) are still running: only those whose process is gone were interrupted.
      const interrupted = await this.store.interrupt(ownerAlive, error, at);
      for (const job of interrupted) await onEnd?.({ ...job, status: 'failed', result: null, error, finishedAt: at });
      return interrupted.length;
    });
  }

  /**
   * Records the job (in the caller's transaction, so it commits with the call that started it) and
   * starts it once that transaction has ended, on a later turn of the event loop.
   */
  async start<R>(spec: JobSpec, work: JobWork<R>): Promise<Job> {
    const { clock, newId, data } = this.deps;
    const job: Job = {
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
    };
    await this.store.create(job, THIS_PROCESS);
    const controller = new AbortController();
    const entry: Running = { controller, lastSaved: 0, done: Promise.resolve(job), job, writes: Promise.resolve() };
    this.running.set(job.id, entry);
    // Outside the call's transaction: the job's writes are turns of their own, after the call's end.
    entry.done = data
      .detached(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        return this.execute(job.id, entry, work);
      })
      .catch((error: unknown) => {
        // Its end could not be stored (the database gone at shutdown): said, never an unhandled rejection.
        this.deps.logger.error({ err: error, jobId: job.id }, 'could not store the end of a job');
        return null;
      });
    return job;
  }

  async get(id: string): Promise<Job> {
    const job = await this.store.get(id);
    if (!job) {
      throw new AppError('NOT_FOUND', `There is no job ${id}.`, { hint: 'List jobs to see their ids.' });
    }
    return job;
  }

  list(limit: number): Promise<Job[]> {
    return this.store.list(limit);
  }

  async cancel(id: string): Promise<Job> {
    const entry = this.running.get(id);
    // Whether this call's signal is the one that stops the job (not a second cancel).
    const stopping = entry !== undefined && !entry.controller.signal.aborted;
    // Asked at once, before the row is read: on PostgreSQL that read is a round trip, during which
    // the job would go on to another batch; a job already at its end ignores the signal.
    entry?.controller.abort();
    const job = await this.get(id);
    // A job that stopped while its row was read, as cancelled, stopped because of this call: done, not a conflict.
    const stoppedHere = stopping && job.status === 'cancelled';
    if (!entry || (isFinished(job) && !stoppedHere)) {
      throw new AppError('CONFLICT', `Job ${id} has already finished (${job.status}).`, {
        hint: 'Only queued or running jobs can be cancelled.',
      });
    }
    return job;
  }

  /** Resolves with the finished job (for the CLI and tests). */
  async waitFor(id: string): Promise<Job> {
    const entry = this.running.get(id);
    return (entry ? await entry.done : null) ?? this.get(id);
  }

  /** Cancels every running job and waits until each has stopped at a safe point. */
  async shutdown(): Promise<void> {
    this.closing.abort();
    for (const entry of this.running.values()) entry.controller.abort();
    await Promise.all([...this.running.values()].map((entry) => entry.done));
  }

  /** Reads the job as it now is and announces it. */
  private async announce(id: string): Promise<Job> {
    const job = await this.get(id);
    this.deps.events.emit('job.progress', job);
    return job;
  }

  /** Stores the job's end (after its last progress is stored), then its audit event; null when it has no row left to end. */
  private async finish(id: string, entry: Running, end: JobEnd): Promise<Job | null> {
    await entry.writes;
    if (!(await this.storeEnd(id, end, entry.job))) return null;
    const job = await this.announce(id);
    try {
      await this.deps.onFinished?.(job);
    } catch (error) {
      this.deps.logger.error({ err: error, jobId: job.id }, 'could not record the end of a job');
    }
    return job;
  }

  /**
   * Stores a job's end, again and again while the database does not take it (a retryable error:
   * PostgreSQL restarting), until it does or Guardian shuts down: a job whose end was never stored
   * would read "running" for as long as this process lives (only a later start marks it interrupted).
   */
  private async storeEnd(id: string, end: JobEnd, job: Job): Promise<boolean> {
    for (let wait = END_RETRY_FIRST_MS; ; wait = Math.min(2 * wait, END_RETRY_MAX_MS)) {
      try {
        return await this.storedEnd(id, end, job);
      } catch (cause) {
        const error = toAppError(cause);
        if (!error.retryable || this.closing.signal.aborted) throw error;
        this.deps.logger.warn({ err: error, jobId: id, retryInMs: wait }, 'the database did not take the end of a job; trying again');
        await pause(wait, this.closing.signal);
      }
    }
  }

  /** Stores a job's end with what `onEnd` writes, in one transaction. */
  private storedEnd(id: string, end: JobEnd, job: Job): Promise<boolean> {
    const { onEnd } = this.deps;
    if (!onEnd) return this.store.finish(id, end);
    return this.deps.data.transaction(async () => {
      if (!(await this.store.finish(id, end))) return false;
      const { kind, title, createdBy } = job;
      await onEnd({ id, kind, title, createdBy, status: end.status, result: end.result ?? null, error: end.error ?? null, finishedAt: end.finishedAt });
      return true;
    });
  }

  private async execute<R>(id: string, entry: Running, work: JobWork<R>): Promise<Job | null> {
    const { clock, logger, metrics } = this.deps;
    const { signal } = entry.controller;
    metrics.jobsRunning.inc();
    let status: JobStatus | 'never stored' = 'running';
    let latest: { done: number; total: number | null | undefined } = { done: 0, total: undefined };
    try {
      if (signal.aborted) throw cancelled('The job was cancelled before it started.');
      if (!(await this.store.begin(id, clock.now()))) {
        // The call that started it rolled back: there is no job to run.
        status = 'never stored';
        return null;
      }
      entry.job = await this.announce(id);
      const ctx: JobContext = {
        id,
        signal,
        progress: (done, total) => {
          latest = { done, total };
          const now = clock.now();
          if (now - entry.lastSaved < PROGRESS_EVERY_MS) return;
          entry.lastSaved = now;
          // Announced as it now is at once, while the job goes on; stored in order behind the writes before it.
          entry.job = { ...entry.job, done, total: total === undefined ? entry.job.total : total };
          this.deps.events.emit('job.progress', entry.job);
          entry.writes = entry.writes
            .then(() => this.store.progress(id, done, total))
            .then(
              () => undefined,
              (error: unknown) => logger.error({ err: error, jobId: id }, 'could not store a job’s progress'),
            );
        },
      };
      const result = await work(ctx);
      status = signal.aborted ? 'cancelled' : 'succeeded';
      return await this.finish(id, entry, { status, result: result ?? null, finishedAt: clock.now(), done: latest.done, total: latest.total });
    } catch (cause) {
      // Work that stops by throwing its abort reason was cancelled, not broken.
      const error = signal.aborted && !(cause instanceof AppError) ? cancelled('The job was cancelled.', cause) : toAppError(cause);
      status = signal.aborted ? 'cancelled' : 'failed';
      if (error.code === 'INTERNAL') logger.error({ err: cause, jobId: id }, 'job failed');
      return await this.finish(id, entry, { status, error: error.toShape(id), finishedAt: clock.now(), done: latest.done });
    } finally {
      metrics.jobsRunning.dec();
      this.running.delete(id);
      logger.info({ jobId: id, status }, 'job finished');
    }
  }
}
