import { AsyncResource } from 'node:async_hooks';
import type { CheckResult as ContractResult, CheckSpec } from '@shared/api/checks';
import { AppError } from '@shared/api/errors';
import { backlogMessage, LATE_AFTER_MS, type ScheduleBacklog } from '@shared/api/health';
import type { MonitoringSettings } from '@shared/api/monitoring';
import type { Clock } from '../clock';
import type { EventBus } from '../events/bus';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/registry';
import type { Principal } from '@shared/permissions';
import type { SecretUse, UsedSecret } from '../vault';
import type { ServerInfo } from '../servers';
import type { CheckContext, CheckResult, HostKeyPins } from './check';
import type { SshJump } from './checks/ssh-session';
import { checkTypes } from './checks';
import type { RecordedResult, TickOutcome, TickRecorder } from './recorder';
import type { MonitoringSettingsStore } from './monitoring-settings';
import type { ServerCheckLimits } from './server-limits';
import type { CheckRegistry, CheckRuntime, RegistryChange } from './registry';
import { systemTimers, type Timers } from '../timers';
import { CheckScheduler, type AttemptContext, type RunReport, type ScheduledCheck } from './scheduler';

/**
 * The running health engine (docs/architecture.md §7): the scheduler fed from the registry, a runner that
 * hands each check its type's module, and every tick's batch written by the recorder in one
 * transaction, then announced: server status and incident events at once, check results
 * coalesced to at most a few messages a second.
 */

export interface EngineDeps {
  /** What the stored checks are now, as a mark that differs once another process (the CLI, another node) changed them. */
  changeMark: () => Promise<number>;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
  registry: CheckRegistry;
  monitoring: MonitoringSettingsStore;
  /** Servers with their own per-host cap. */
  limits: ServerCheckLimits;
  recorder: TickRecorder;
  hostKeys: HostKeyPins;
  credential: (secretId: string, use: SecretUse) => Promise<UsedSecret>;
  /** The jump hosts on the way to a server, with their logins (ssh-route.ts), for the SSH checks. */
  jumps: (server: ServerInfo, usedBy: string) => Promise<SshJump[] | string>;
  /** Reads checks, maintenance windows and incidents again after another process wrote them. */
  reload: () => void;
  timers?: Timers;
  random?: () => number;
  tickMs?: number;
  maxConcurrent?: number;
  maxPerHost?: number;
  backoffMs?: number;
  /** check.result events are sent at most this often. */
  coalesceMs?: number;
}

export interface RunNowResult extends ContractResult {
  at: number;
  attempts: number;
}

export class HealthEngine {
  private readonly scheduler: CheckScheduler;
  private started = false;
  private pausedAll = false;
  private readonly waiters = new Map<string, ((report: RunReport) => void)[]>();
  private pending = new Map<string, RecordedResult>();
  private flushHandle: unknown = null;
  private changeMark: number | null = null;
  private watchFailing = false;
  private watchHandle: unknown = null;
  private readonly timers: Timers;
  private readonly unsubscribe: () => void;
  private readonly unsubscribeSettings: () => void;
  private readonly unsubscribeLimits: () => void;
  private backlogHandle: unknown = null;
  private lastBacklog: ScheduleBacklog = { late: 0, oldestLagMs: 0, cause: null };
  /** Results not written yet, oldest first: the tick's, or those the database did not take. */
  private held: RunReport[] = [];
  /** Servers' statuses being derived again after their checks changed. */
  private readonly evaluations = new Set<Promise<void>>();
  private writing = false;
  /** The write of held results running now, or the last one. */
  private written: Promise<void> = Promise.resolve();
  /** Since when the database has not taken results (null: it does), and how many were dropped meanwhile. */
  private awaySince: number | null = null;
  private droppedWhileAway = 0;
  /** When the running-late warning was last logged: at most once a minute while it lasts. */
  private backlogLoggedAt: number | null = null;

  constructor(private readonly deps: EngineDeps) {
    this.timers = deps.timers ?? systemTimers;
    this.scheduler = new CheckScheduler({
      runner: (check, ctx) => this.run(check, ctx),
      // Bound to where the engine was made: a tick a call's "check now" set off writes in a
      // transaction of its own, never inside that call's.
      onTick: AsyncResource.bind((reports: RunReport[]) => this.onTick(reports)),
      clock: deps.clock,
      timers: this.timers,
      random: deps.random ?? Math.random,
      tickMs: deps.tickMs ?? 1000,
      ...this.caps(deps.monitoring.get()),
      backoffMs: deps.backoffMs ?? 1000,
    });
    this.unsubscribe = deps.registry.onChange((change) => this.onRegistryChange(change));
    this.unsubscribeSettings = deps.monitoring.onChange((settings) => {
      this.scheduler.setCaps(this.caps(settings));
      this.checkBacklog();
    });
    this.unsubscribeLimits = deps.limits.onChange((limits) => {
      this.scheduler.setServerLimits(limits);
      this.checkBacklog();
    });
  }

  /** The concurrency caps: the monitoring settings', unless the core was made with its own (tests, benchmarks). */
  private caps(settings: MonitoringSettings): { maxConcurrent: number; maxPerHost: number } {
    return { maxConcurrent: this.deps.maxConcurrent ?? settings.maxConcurrentChecks, maxPerHost: this.deps.maxPerHost ?? settings.maxChecksPerHost };
  }

  /** Checks running late and why, as last measured (every BACKLOG_EVERY_MS while polling). */
  get backlog(): ScheduleBacklog {
    return this.lastBacklog;
  }

  /**
   * Measures the backlog; while checks are late, says so in the log once a minute with the cap
   * that holds them, and once when they are on time again. The gauge follows every measure.
   */
  private checkBacklog(): void {
    const backlog = this.started ? this.scheduler.backlog(LATE_AFTER_MS) : { late: 0, oldestLagMs: 0, cause: null };
    const now = this.deps.clock.now();
    this.deps.metrics.checksLate.set(backlog.late);
    if (backlog.late > 0 && (this.backlogLoggedAt === null || now - this.backlogLoggedAt >= BACKLOG_LOG_EVERY_MS)) {
      this.deps.logger.warn(
        { late: backlog.late, oldestLagMs: backlog.oldestLagMs, cause: backlog.cause },
        backlogMessage(backlog) ?? 'checks are running late',
      );
      this.backlogLoggedAt = now;
    } else if (backlog.late === 0 && this.backlogLoggedAt !== null) {
      this.deps.logger.info('checks are on time again');
      this.backlogLoggedAt = null;
    }
    this.lastBacklog = backlog;
  }

  private watchBacklog(): void {
    this.backlogHandle = this.timers.setTimeout(() => {
      this.checkBacklog();
      if (this.started) this.watchBacklog();
    }, BACKLOG_EVERY_MS);
  }

  get running(): boolean {
    return this.started;
  }

  /** Schedules every check and starts polling. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // What the stored checks are now: a later mark that differs means another process changed them.
    this.deps
      .changeMark()
      .then((mark) => (this.changeMark ??= mark))
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not look for checks changed by another process'));
    this.scheduler.setServerLimits(this.deps.limits.all());
    this.sync(true);
    this.deps.recorder.prime();
    this.scheduler.start();
    this.watchOutsideChanges();
    this.watchBacklog();
    this.deps.logger.info({ checks: [...this.deps.registry.all()].length }, 'health engine started');
  }

  /** Stops polling; runs in flight are abandoned and results not yet written are dropped. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.scheduler.stop();
    if (this.watchHandle !== null) this.timers.clearTimeout(this.watchHandle);
    this.watchHandle = null;
    if (this.backlogHandle !== null) this.timers.clearTimeout(this.backlogHandle);
    this.backlogHandle = null;
    // Stopped, nothing runs late; nor is anything on time again, so the log says nothing.
    this.lastBacklog = { late: 0, oldestLagMs: 0, cause: null };
    this.backlogLoggedAt = null;
    this.deps.metrics.checksLate.set(0);
    if (this.held.length > 0) {
      this.deps.logger.warn({ results: this.held.length }, 'stopping with check results the database has not taken; they are dropped');
      this.deps.metrics.resultsDropped.inc(this.held.length);
      this.held = [];
      this.deps.metrics.resultsHeld.set(0);
    }
    this.flushEvents();
    for (const [, waiters] of this.waiters) for (const resolve of waiters) resolve(abandoned());
    this.waiters.clear();
  }

  close(): void {
    this.stop();
    this.unsubscribe();
    this.unsubscribeSettings();
    this.unsubscribeLimits();
  }

  /** Whether polling as a whole is paused (the tray's "Pause polling"); checks keep their own pause. */
  get paused(): boolean {
    return this.pausedAll;
  }

  /** Pauses or resumes all polling; checks added or changed meanwhile stay paused until resumed. */
  pauseAll(paused: boolean): void {
    this.pausedAll = paused;
    for (const check of this.deps.registry.all()) this.applyPause(check);
  }

  private applyPause(check: CheckRuntime): void {
    if (check.paused || this.pausedAll) this.scheduler.pauseCheck(check.id);
    else this.scheduler.resumeCheck(check.id);
  }

  /** "Check now": through the scheduler when polling (caps respected), else directly. Records the result. */
  async runNow(checkId: string): Promise<RunNowResult> {
    const check = this.deps.registry.get(checkId);
    if (this.started) {
      const report = await new Promise<RunReport>((resolve) => {
        const list = this.waiters.get(check.id) ?? [];
        list.push(resolve);
        this.waiters.set(check.id, list);
        this.scheduler.checkNow(check.id);
      });
      return { ...report.result, at: report.finishedAt, attempts: report.attempts };
    }
    const startedAt = this.deps.clock.now();
    const controller = new AbortController();
    const result = await this.attempt(scheduled(check), { signal: controller.signal, timeoutMs: check.timeoutMs, attempt: 0 });
    const finishedAt = this.deps.clock.now();
    const report: RunReport = { checkId: check.id, serverId: check.serverId, result, attempts: 1, dueAt: startedAt, startedAt, finishedAt, lagMs: 0 };
    this.announce(await this.deps.recorder.record([report]));
    this.flushEvents();
    return { ...result, at: finishedAt, attempts: 1 };
  }

  /**
   * Runs a check that is not saved, once, to see what it says: for `serverId` when given, with
   * the rights of `principal`, who is there to ask for it.
   */
  async test(spec: CheckSpec, timeoutMs: number, run: { usedBy: string; serverId: string | null; principal: Principal }): Promise<ContractResult> {
    const controller = new AbortController();
    return this.execute(spec, { signal: controller.signal, timeoutMs, attempt: 0 }, run);
  }

  private run(check: ScheduledCheck, ctx: AttemptContext): Promise<CheckResult> {
    return this.attempt(check, ctx);
  }

  private attempt(check: ScheduledCheck, ctx: AttemptContext): Promise<CheckResult> {
    const runtime = this.deps.registry.find(check.id);
    if (!runtime) return Promise.resolve({ status: 'down', latencyMs: null, message: 'the check was deleted' });
    // A saved check runs on its own: its credentials follow the vault's links, with no one's rights.
    return this.execute(runtime.spec, ctx, { usedBy: `check:${runtime.id}`, serverId: runtime.serverId });
  }

  private async execute(spec: CheckSpec, ctx: AttemptContext, run: { usedBy: string; serverId: string | null; principal?: Principal }): Promise<CheckResult> {
    const type = checkTypes[spec.type as keyof typeof checkTypes] as { run(config: unknown, ctx: CheckContext): Promise<CheckResult> } | undefined;
    if (!type) return { status: 'down', latencyMs: null, message: `unknown check type "${spec.type}"` };
    const server = run.serverId === null ? undefined : this.deps.registry.servers().get(run.serverId);
    const context: CheckContext = {
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
      now: () => this.deps.clock.now(),
      ...(server ? { server: { id: server.id, host: server.host }, jumps: () => this.deps.jumps(server, run.usedBy) } : {}),
      credential: (secretId, host) => this.deps.credential(secretId, { usedBy: run.usedBy, serverId: run.serverId, host, principal: run.principal }),
      allowMetadata: this.deps.monitoring.get().allowMetadataAddresses,
      hostKeys: this.deps.hostKeys,
    };
    try {
      return await type.run(spec.config, context);
    } catch (error) {
      // A check's own bug or a refused credential: the target is not known to be up.
      if (error instanceof AppError) return { status: 'down', latencyMs: null, message: error.message };
      this.deps.logger.error({ err: error, type: spec.type }, 'a health check failed unexpectedly');
      return { status: 'down', latencyMs: null, message: `check failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  /**
   * Takes a tick's results to be written. One write runs at a time: results that arrive while it
   * runs are written together after it. While the database does not take them (a retryable error:
   * PostgreSQL restarting, the network gone), they are held, oldest first, up to MAX_HELD, and
   * written, in order, at the first tick it answers again.
   */
  private onTick(reports: RunReport[]): void {
    this.held.push(...reports);
    this.trimHeld();
    if (!this.writing) this.written = this.writeHeld();
  }

  private trimHeld(): void {
    const over = this.held.length - MAX_HELD;
    if (over > 0) {
      this.held.splice(0, over);
      this.droppedWhileAway += over;
      this.deps.metrics.resultsDropped.inc(over);
    }
    this.deps.metrics.resultsHeld.set(this.held.length);
  }

  private async writeHeld(): Promise<void> {
    this.writing = true;
    try {
      while (this.held.length > 0) {
        const batch = this.held.splice(0, WRITE_BATCH);
        if (!(await this.write(batch))) {
          // Put back in front of what came meanwhile; the next tick tries again.
          this.held.unshift(...batch);
          this.trimHeld();
          return;
        }
        this.deps.metrics.resultsHeld.set(this.held.length);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Writes one batch; false when the database did not take it and it should be tried again. */
  private async write(reports: RunReport[]): Promise<boolean> {
    let outcome: TickOutcome;
    try {
      const started = process.hrtime.bigint();
      outcome = await this.deps.recorder.record(reports);
      this.deps.metrics.tickWrite.observe(Number(process.hrtime.bigint() - started) / 1e9);
    } catch (error) {
      // Whoever waits for a run ("check now") has its result now, written or not.
      for (const report of reports) this.wake(report);
      if (error instanceof AppError && error.retryable) {
        if (this.awaySince === null) {
          this.awaySince = this.deps.clock.now();
          this.deps.logger.warn({ err: error, held: this.held.length + reports.length }, 'the database did not take check results; holding them until it does');
        }
        return false;
      }
      this.deps.metrics.resultsDropped.inc(reports.length);
      this.deps.logger.error({ err: error, results: reports.length }, 'could not write a tick of check results; they are dropped');
      return true;
    }
    if (this.awaySince !== null) {
      this.deps.logger.info(
        { awayMs: this.deps.clock.now() - this.awaySince, dropped: this.droppedWhileAway },
        'the database takes check results again; those held meanwhile are written',
      );
      this.awaySince = null;
      this.droppedWhileAway = 0;
    }
    for (const { check, report } of outcome.results) {
      this.deps.metrics.checks.inc({ type: check.spec.type, status: report.result.status });
      this.deps.metrics.checkDuration.observe({ type: check.spec.type }, (report.finishedAt - report.startedAt) / 1000);
      this.deps.metrics.schedulerLag.observe(Math.max(0, report.lagMs) / 1000);
      if (report.lagMs >= LATE_AFTER_MS) this.deps.metrics.lateRuns.inc();
    }
    this.announce(outcome);
    for (const report of reports) this.wake(report);
    return true;
  }

  private wake(report: RunReport): void {
    const waiters = this.waiters.get(report.checkId);
    if (!waiters) return;
    this.waiters.delete(report.checkId);
    for (const resolve of waiters) resolve(report);
  }

  private announce(outcome: TickOutcome): void {
    const { events } = this.deps;
    for (const change of outcome.servers) events.emit('server.status', change);
    for (const incident of outcome.opened) events.emit('incident.opened', incident);
    for (const incident of outcome.resolved) events.emit('incident.resolved', incident);
    for (const result of outcome.results) this.pending.set(result.check.id, result);
    if (this.pending.size > 0 && this.flushHandle === null) {
      this.flushHandle = this.timers.setTimeout(() => this.flushEvents(), this.deps.coalesceMs ?? 250);
    }
  }

  private flushEvents(): void {
    if (this.flushHandle !== null) this.timers.clearTimeout(this.flushHandle);
    this.flushHandle = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.deps.events.emit('check.result', {
      results: batch.map(({ check, report }) => ({
        checkId: check.id,
        serverId: check.serverId,
        at: report.finishedAt,
        status: report.result.status,
        state: check.paused ? 'paused' : check.record.state,
        latencyMs: report.result.latencyMs,
        message: report.result.message,
      })),
    });
  }

  private onRegistryChange(change: RegistryChange): void {
    if (change.kind === 'reload') {
      this.deps.recorder.forgetRemoved();
      if (this.started) this.sync();
      this.deps.recorder.prime();
      return;
    }
    const { check } = change;
    if (change.kind === 'remove') {
      this.scheduler.remove(check.id);
    } else if (this.started) {
      // A check just saved runs at once: its first result is what the editor's Test promised.
      this.scheduler.upsert(scheduled(check), { now: true });
      this.applyPause(check);
    }
    const { serverId } = check;
    // Once the change has committed (the registry tells only then), in a transaction of its own.
    const evaluation = this.deps.recorder.evaluate([serverId]).then(
      (outcome) => this.announce(outcome),
      (error: unknown) => this.deps.logger.error({ err: error, serverId }, 'could not derive a server’s status after its checks changed'),
    );
    this.evaluations.add(evaluation);
    void evaluation.finally(() => this.evaluations.delete(evaluation));
  }

  /**
   * Resolves once the servers' statuses and incidents follow every check change made so far, and
   * the results written now are written: what a caller waits for before reading them, and what the
   * core waits for before it closes the database.
   */
  async settled(): Promise<void> {
    await this.written;
    while (this.evaluations.size > 0) await Promise.all(this.evaluations);
  }

  /** Makes the scheduler hold exactly the registry's checks. */
  private sync(spread = false): void {
    const wanted = new Set<string>();
    for (const check of this.deps.registry.all()) {
      wanted.add(check.id);
      this.scheduler.upsert(scheduled(check), { spread });
      this.applyPause(check);
    }
    for (const id of this.scheduler.ids()) if (!wanted.has(id)) this.scheduler.remove(id);
  }

  private watchOutsideChanges(): void {
    this.watchHandle = this.timers.setTimeout(() => {
      this.pickUpOutsideChanges()
        .then(
          () => (this.watchFailing = false),
          (error: unknown) => {
            // Once while it lasts: the database away says so every two seconds otherwise.
            if (!this.watchFailing) this.deps.logger.warn({ err: error }, 'could not look for checks changed by another process');
            this.watchFailing = true;
          },
        )
        .finally(() => {
          if (this.started) this.watchOutsideChanges();
        });
    }, OUTSIDE_CHANGES_MS);
  }

  /** Another process (the CLI on the same data dir) committed: read checks, windows and incidents again. */
  private async pickUpOutsideChanges(): Promise<void> {
    const mark = await this.deps.changeMark();
    if (this.changeMark === null || mark === this.changeMark) {
      this.changeMark = mark;
      return;
    }
    this.changeMark = mark;
    this.deps.reload();
  }
}

/** Results held at most while the database does not take them: about 20 MB, 100 s of 1,000 checks a second. */
const MAX_HELD = 100_000;
/** Results written in one transaction at most, so a backlog written at once never holds the loop long. */
const WRITE_BATCH = 5_000;

/** How often the engine measures how far behind the schedule is. */
const BACKLOG_EVERY_MS = 10_000;
const BACKLOG_LOG_EVERY_MS = 60_000;

/** How often the engine looks for checks another process (the CLI) added or changed. */
const OUTSIDE_CHANGES_MS = 2000;

function scheduled(check: CheckRuntime): ScheduledCheck {
  return { id: check.id, serverId: check.serverId, host: check.host, intervalMs: check.intervalMs, timeoutMs: check.timeoutMs, retries: check.retries };
}

function abandoned(): RunReport {
  const result: CheckResult = { status: 'down', latencyMs: null, message: 'the health engine stopped before the check answered' };
  return { checkId: '', serverId: '', result, attempts: 0, dueAt: 0, startedAt: 0, finishedAt: 0, lagMs: 0 };
}
