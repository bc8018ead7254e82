import { AppError, validationError, zodIssues } from '@shared/api/errors';
import { isFinished, type Job } from '@shared/api/jobs';
import type { RunTrigger, Schedule, ScheduleRun, TaskInfo } from '@shared/api/schedules';
import { principalAllows, type Principal } from '@shared/permissions';
import { actorName } from '../api/caller';
import { toAppError } from '../api/errors';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import { systemTimers, type Timers } from '../timers';
import type { JobService } from '../jobs';
import type { Logger } from '../logging/logger';
import { latestDue, machineZone, nextDue } from './cron';
import type { ScheduleOwners } from './owners';
import { ScheduleStore, type NewRun, type RunEnd, type ScheduleChange, type ScheduleInput } from './store';
import type { ScheduleRow } from './table';
import { assertMayRun, type TaskRegistry } from './tasks';

/**
 * Scheduled jobs (docs/architecture.md §8). The store keeps the schedules; this service runs them, in
 * long-running hosts only: `start()` is called by `guardian serve` and the desktop app, never by
 * the CLI (which still edits schedules and runs one now).
 *
 * A timer wakes at the next due time of any enabled schedule, and at least once a minute (another
 * process may have changed the schedules, the clock may have jumped). At each wake, a schedule
 * whose next due time (counted from the last one handled) has come starts its task's job, with a
 * run row and the new last due time in one transaction (each wake is a transaction, each schedule
 * in it a savepoint); the run's outcome is recorded when the job ends, outside every call's
 * transaction (`detached`). Missed due times (Guardian stopped, the machine asleep) run once,
 * however many were missed, marked caught up, or are skipped when the schedule's catchUp is off. A schedule whose
 * previous job is still running records a skipped run (BUSY) instead of running twice.
 *
 * A schedule is no way around a permission: creating, changing or running one needs the task's
 * permission, and each run also needs it for the schedule's creator as they are now (a creator
 * gone, disabled or demoted makes the run fail with PERMISSION_DENIED).
 */

export interface ScheduleDeps {
  /** Where schedules and runs are stored, on either engine; a run starts its job in a transaction with its row. */
  data: AsyncDatabase;
  clock: Clock;
  jobs: JobService;
  tasks: TaskRegistry;
  /** The creator of a schedule as they are now (see owners.ts). */
  owners: ScheduleOwners;
  logger: Logger;
  newId: () => string;
  timers?: Timers | undefined;
  /** The zone of schedules created without one (default: the machine's). */
  localZone?: (() => string) | undefined;
  /**
   * The longest the timer sleeps before reading the schedules again when nothing is due sooner
   * (default a minute): what another process sharing the database changed, and a clock set
   * forward, are seen within it.
   */
  recheckMs?: number | undefined;
}

/** A run less than this late is on time; later, its due time was missed. */
const LATE_AFTER_MS = 60_000;
/** The longest the timer sleeps before looking at the schedules again, unless told otherwise (ScheduleDeps.recheckMs). */
const RECHECK_MS = 60_000;

interface Launch {
  dueAt: number;
  caughtUp: boolean;
  trigger: RunTrigger;
  createdBy: string;
}

export class ScheduleService {
  readonly store: ScheduleStore;
  /** What schedules can run; domains register their tasks here (see tasks.ts). */
  readonly tasks: TaskRegistry;
  private readonly timers: Timers;
  private timer: unknown = null;
  private started = false;
  /** Runs being recorded after their call (a job's outcome, a run that could not start), so close() can wait for them. */
  private readonly following = new Set<Promise<void>>();
  /** Failed manual runs still being written after their call's rollback: the history waits for them. */
  private readonly failing = new Set<Promise<void>>();
  /** The wake in progress: the next one waits for its end, and idle() too. */
  private waking: Promise<void> | null = null;
  /** The timer being set again after a change (rearm): idle() and woken() wait for it too. */
  private rearming: Promise<void> | null = null;
  /** Asked to look again while a wake was in progress: it does at the wake's end. */
  private lookAgain = false;
  /** Counts the times the timer was set: a due time read before a later one was asked for is dropped. */
  private arming = 0;

  constructor(private readonly deps: ScheduleDeps) {
    this.timers = deps.timers ?? systemTimers;
    this.tasks = deps.tasks;
    this.store = new ScheduleStore({ db: deps.data, clock: deps.clock, newId: deps.newId, tasks: deps.tasks, localZone: deps.localZone ?? machineZone });
  }

  /** Starts running schedules: catches up what was missed, then wakes at each due time. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.tick();
  }

  /** Stops the timer; jobs already started run on (the job service stops them at close). */
  stop(): void {
    this.started = false;
    this.arming++;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves once the wake in progress has ended and every run this service started is recorded. */
  async idle(): Promise<void> {
    while (this.waking || this.rearming || this.following.size > 0) await Promise.all([this.waking, this.rearming, ...this.following]);
  }

  /**
   * Resolves once the wake in progress has ended: what was due has started or been recorded, and the
   * timer is set for the next due time. Unlike idle(), it does not wait for the jobs it started.
   */
  async woken(): Promise<void> {
    while (this.waking || this.rearming) await Promise.all([this.waking, this.rearming]);
  }

  list(): Promise<Schedule[]> {
    return this.store.list();
  }

  async create(input: ScheduleInput, caller: Principal): Promise<Schedule> {
    await this.authorize(input.task, input.params, caller);
    const created = await this.store.create(input, actorName(caller));
    this.rearm();
    return created;
  }

  async update(change: ScheduleChange, caller: Principal): Promise<Schedule> {
    const current = await this.store.row(change.id);
    await this.authorize(change.task ?? current.task, change.params ?? current.params, caller);
    const updated = await this.store.update(change);
    this.rearm();
    return updated;
  }

  async delete(id: string): Promise<{ id: string }> {
    const deleted = await this.store.delete(id);
    this.rearm();
    return deleted;
  }

  async runs(id: string, limit: number): Promise<ScheduleRun[]> {
    // Whoever was just told a run failed finds it in the history they open next.
    await Promise.all(this.failing);
    return this.store.runs(id, limit);
  }

  taskList(): TaskInfo[] {
    return this.tasks.list();
  }

  /**
   * Runs a schedule now, enabled or not. A task that cannot start is recorded as a failed run and
   * its error thrown; a schedule whose previous job still runs is refused (CONFLICT).
   */
  async runNow(id: string, caller: Principal): Promise<Job> {
    const row = await this.store.row(id);
    await this.authorize(row.task, row.params, caller);
    return this.launch(row, { dueAt: this.deps.clock.now(), caughtUp: false, trigger: 'manual', createdBy: actorName(caller) });
  }

  /**
   * Refuses a caller who may not run the task with these params, or params the task refuses here.
   * An unknown task or params that do not parse are left to the store's validation (or the run).
   */
  private async authorize(kind: string, rawParams: Record<string, unknown>, caller: Principal): Promise<void> {
    if (!this.tasks.has(kind)) return;
    const task = this.tasks.get(kind);
    const params = task.params.safeParse(rawParams);
    if (!params.success) return;
    assertMayRun(task, params.data, caller, `Your role (${caller.role})`);
    await task.check?.(params.data);
  }

  /** Looks at every enabled schedule and runs those due, then sleeps until the next due time. */
  private tick(): void {
    this.timer = null;
    if (!this.started) return;
    // One wake at a time: two would both find the same due time not yet handled.
    if (this.waking) {
      this.lookAgain = true;
      return;
    }
    this.lookAgain = false;
    // A wake is a transaction of its own, never part of whatever started the scheduler.
    const wake = this.deps.data
      .detached(() => this.wake())
      .finally(() => {
        this.waking = null;
      });
    this.waking = wake;
  }

  private async wake(): Promise<void> {
    const now = this.deps.clock.now();
    try {
      await this.deps.data.transaction(async () => {
        for (const row of await this.store.enabledRows()) {
          try {
            // A savepoint each: one schedule's failed statement undoes its own work only, never the others'.
            await this.deps.data.transaction(() => this.runIfDue(row, now));
          } catch (error) {
            // One schedule's trouble (its run could not be recorded) never holds up the others.
            this.deps.logger.error({ err: error, schedule: row.name }, 'scheduled run could not be handled');
          }
        }
      });
    } catch (error) {
      this.deps.logger.error({ err: error }, 'schedules could not be read');
    }
    // Asked to look again meanwhile (a schedule changed): what is due now runs at once.
    const changed = this.lookAgain;
    this.lookAgain = false;
    await this.arm(!changed);
    // A change committed while the timer was being set may not have been read: read again.
    while (this.lookAgain && this.started) {
      this.lookAgain = false;
      await this.arm(false);
    }
  }

  private async runIfDue(row: ScheduleRow, now: number): Promise<void> {
    const first = nextDue(row, row.lastDueAt ?? row.createdAt);
    if (first === null || first > now) return;
    const dueAt = Math.max(first, latestDue(row, now) ?? first);
    const missed = now - dueAt > LATE_AFTER_MS;
    if (missed && !row.catchUp) {
      if (await this.store.claimDue(row.id, dueAt)) this.deps.logger.info({ schedule: row.name, dueAt }, 'missed scheduled run skipped (catch-up is off)');
      return;
    }
    try {
      await this.launch(row, { dueAt, caughtUp: missed, trigger: 'schedule', createdBy: `schedule:${row.name}` });
    } catch (error) {
      const code = toAppError(error).code;
      // Recorded in the run; the log says it to whoever watches the service.
      if (code !== 'CONFLICT') this.deps.logger.warn({ err: error, schedule: row.name, code }, 'scheduled task did not start');
    }
  }

  /** Starts the task's job and records the run, in one transaction; throws when nothing started. */
  private async launch(row: ScheduleRow, how: Launch): Promise<Job> {
    const { data, clock } = this.deps;
    const { store } = this;
    const now = clock.now();
    const scheduled = how.trigger === 'schedule';
    const outcome = await data.transaction(async (): Promise<{ job: Job; runId: number } | { error: AppError; failedRun?: NewRun }> => {
      // A due time is handled once, whichever process sharing the database gets to it first.
      if (scheduled && !(await store.claimDue(row.id, how.dueAt))) {
        return { error: new AppError('CONFLICT', `"${row.name}" was already run for this time.`, { hint: 'Nothing to do: it runs again at its next time.' }) };
      }
      const busy = await this.busyJob(row.id);
      if (busy) {
        const error = new AppError('CONFLICT', `"${row.name}" is still running (job ${busy}).`, {
          hint: 'Wait for that job to finish, or cancel it, then run the schedule again.',
        });
        if (!scheduled) return { error };
        await store.addRun({
          scheduleId: row.id,
          jobId: null,
          dueAt: how.dueAt,
          startedAt: now,
          finishedAt: now,
          outcome: 'skipped',
          errorCode: 'BUSY',
          caughtUp: how.caughtUp,
          trigger: how.trigger,
        });
        return { error };
      }
      let job: Job | null = null;
      let error: AppError | null = null;
      try {
        // In a savepoint: what a task wrote before it threw is undone, its failure still recorded.
        job = await data.transaction(() => this.startTask(row, how.createdBy));
      } catch (cause) {
        error = toAppError(cause);
      }
      const attempt: NewRun = {
        scheduleId: row.id,
        jobId: job?.id ?? null,
        dueAt: how.dueAt,
        startedAt: now,
        finishedAt: job ? null : now,
        outcome: job ? null : 'failed',
        errorCode: error?.code ?? null,
        caughtUp: how.caughtUp,
        trigger: how.trigger,
      };
      const failure = error ?? new AppError('INTERNAL', 'The task did not start.', { hint: 'See the log.' });
      // A run asked for by a call that now fails: its record outlives the call's rollback.
      if (!job && !scheduled) return { error: failure, failedRun: attempt };
      const run = await store.addRun(attempt);
      return job ? { job, runId: run.id } : { error: failure };
    });
    if ('error' in outcome) {
      const { failedRun } = outcome;
      // Written in the turn right after the call's rollback (as the router writes its audit event).
      if (failedRun) {
        const written = this.afterCall(
          'a run that could not start',
          data.next(() => store.addRun(failedRun)),
        );
        this.failing.add(written);
        void written.finally(() => this.failing.delete(written));
      }
      throw outcome.error;
    }
    this.follow(outcome.runId, outcome.job.id);
    return outcome.job;
  }

  private async startTask(row: ScheduleRow, createdBy: string): Promise<Job> {
    const task = this.tasks.get(row.task);
    const params = task.params.safeParse(row.params);
    if (!params.success) {
      // The task's params changed since the schedule was saved.
      const issues = zodIssues(params.error).map((issue) => ({ ...issue, path: ['params', ...issue.path] }));
      throw validationError(issues, `The params of schedule "${row.name}"`);
    }
    // Runs for its creator: with their rights now, never with rights they no longer have.
    const owner = await this.deps.owners(row.createdBy);
    if (!owner || !principalAllows(owner, 'jobs:write')) {
      throw new AppError(
        'PERMISSION_DENIED',
        `The schedule "${row.name}" no longer runs: ${row.createdBy}, who created it, ${owner ? 'may no longer run jobs' : 'is gone or disabled'}.`,
        {
          hint: 'Someone whose role may run this task can create the schedule again; then delete this one.',
        },
      );
    }
    assertMayRun(task, params.data, owner, `The creator of schedule "${row.name}" (${row.createdBy}, now ${owner.role})`);
    await task.check?.(params.data);
    return task.start(params.data, createdBy);
  }

  /** The job of a run of this schedule that is still going; settles runs whose job has ended. */
  private async busyJob(scheduleId: string): Promise<string | null> {
    for (const run of await this.store.openRuns(scheduleId)) {
      let job: Job | null = null;
      try {
        if (run.jobId !== null) job = await this.deps.jobs.get(run.jobId);
      } catch {
        job = null;
      }
      if (job && !isFinished(job)) return job.id;
      await this.record(run.id, job);
    }
    return null;
  }

  /** Records the run's outcome once its job ends. */
  private follow(runId: number, jobId: string): void {
    const { jobs } = this.deps;
    // Never rejects (afterCall logs the failure); close() waits for it.
    void this.afterCall(
      'a scheduled run’s outcome',
      this.deps.data.detached(async () => this.record(runId, await jobs.waitFor(jobId))),
      { jobId },
    );
  }

  /**
   * Tracks what is written about a run once its call has ended (`writing`, started with
   * `data.detached` or `data.next`), so close() can wait for it. A failure is logged: the caller
   * has long answered.
   */
  private afterCall(what: string, writing: Promise<unknown>, context: Record<string, unknown> = {}): Promise<void> {
    const written: Promise<void> = writing
      .then(() => undefined)
      .catch((error: unknown) => this.deps.logger.error({ err: error, what, ...context }, 'a scheduled run could not be recorded'))
      .finally(() => this.following.delete(written));
    this.following.add(written);
    return written;
  }

  /** Copies a finished job's outcome to its run, once (a job that vanished counts as interrupted). */
  private async record(runId: number, job: Job | null): Promise<void> {
    const finishedAt = job?.finishedAt ?? this.deps.clock.now();
    let end: RunEnd;
    if (!job) end = { finishedAt, outcome: 'failed', errorCode: 'INTERRUPTED' };
    else end = { finishedAt, outcome: job.status === 'succeeded' || job.status === 'cancelled' ? job.status : 'failed', errorCode: job.error?.code ?? null };
    await this.store.finishRun(runId, end);
  }

  /**
   * After a change: look again now rather than at the next planned wake, once the change has
   * committed (never for one that rolls back), so the look reads it.
   */
  private rearm(): void {
    const { data } = this.deps;
    data.afterCommit(() => {
      if (!this.started) return;
      if (this.waking) this.lookAgain = true;
      // Outside the transaction that just committed: its connection is being handed back.
      else {
        const rearming: Promise<void> = data
          .detached(() => this.arm(false))
          .finally(() => {
            if (this.rearming === rearming) this.rearming = null;
          });
        this.rearming = rearming;
      }
    });
  }

  /** Sets the timer for the next due time of any enabled schedule, at most a minute away. */
  private async arm(afterTick: boolean): Promise<void> {
    if (!this.started) return;
    const arming = ++this.arming;
    const now = this.deps.clock.now();
    const recheck = this.deps.recheckMs ?? RECHECK_MS;
    let wait = recheck;
    try {
      for (const row of await this.store.enabledRows()) {
        const due = nextDue(row, row.lastDueAt ?? row.createdAt);
        if (due === null) continue;
        // Still due right after a tick: its run could not be recorded; try again at the next wake.
        const until = due > now ? due - now : afterTick ? recheck : 0;
        wait = Math.min(wait, until);
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'schedules could not be read');
    }
    // Stopped, or set again meanwhile from a later read: that one stands.
    if (!this.started || arming !== this.arming) return;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => this.tick(), wait);
  }
}
