import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '@shared/api/checks';
import type { BacklogCause, ScheduleBacklog } from '@shared/api/health';
import type { Clock } from '../clock';
import type { Timers } from '../timers';
import type { CheckResult } from './check';
import { DueQueue, type QueueNode } from './due-queue';

/**
 * The check scheduler (docs/architecture.md §7): each check on its own interval with jitter, concurrency
 * capped globally and per host, a timeout per attempt, retries with backoff before `down`, pause
 * and resume, "check now", and results handed over in one batch per tick so storage writes one
 * transaction per tick. Time, timers, randomness and the runner are injected: tests are exact.
 */

export interface ScheduledCheck {
  id: string;
  serverId: string;
  /** The host the check talks to; the per-host cap counts by it. */
  host: string;
  intervalMs: number;
  timeoutMs: number;
  /** Extra attempts after a `down` before reporting it. */
  retries: number;
}

export interface AttemptContext {
  signal: AbortSignal;
  timeoutMs: number;
  attempt: number;
}

export type CheckRunner = (check: ScheduledCheck, ctx: AttemptContext) => Promise<CheckResult>;

export interface RunReport {
  checkId: string;
  serverId: string;
  result: CheckResult;
  attempts: number;
  /** When the run was due; `startedAt - dueAt` is the scheduler lag. */
  dueAt: number;
  startedAt: number;
  finishedAt: number;
  lagMs: number;
}

export interface SchedulerOptions {
  runner: CheckRunner;
  onTick: (reports: RunReport[]) => void;
  clock: Clock;
  timers: Timers;
  /** [0, 1) */
  random: () => number;
  tickMs?: number;
  maxConcurrent?: number;
  maxPerHost?: number;
  /** Interval spread, as a fraction: 0.1 is ±10 %. Spread keeps checks from running in lockstep. */
  jitter?: number;
  /** Wait before retry n (0-based) is `backoffMs × 2^n`. */
  backoffMs?: number;
}

interface Entry {
  check: ScheduledCheck;
  dueAt: number;
  paused: boolean;
  running: AbortController | null;
  /** Bumped whenever the entry is queued again: older queue nodes for it are stale. */
  token: number;
  /** Waiting in its host's queue for a free per-host slot. */
  waitingForHost: boolean;
}

export class CheckScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly pausedServers = new Set<string>();
  private readonly perHost = new Map<string, number>();
  private readonly queue = new DueQueue<Entry>();
  /** Due checks whose host is at its cap, in due order, started as that host's runs finish. */
  private readonly hostWaiting = new Map<string, Entry[]>();
  private wakeHandle: unknown = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  private readonly finished: RunReport[] = [];
  /** Checks asked for by "check now": they run once even while paused. */
  private readonly forced = new Set<string>();
  private runningCount = 0;
  /** Retries past their backoff, waiting for a fleet-wide slot ({@link takeSlot}). */
  private readonly slotWaiters: (() => void)[] = [];
  private tickHandle: unknown = null;
  private readonly tickMs: number;
  private maxConcurrent: number;
  private maxPerHost: number;
  /** Servers whose checks have their own per-host cap (server id → cap); the rest use `maxPerHost`. */
  private serverLimits: ReadonlyMap<string, number> = new Map();
  private highestServerLimit = 0;
  private readonly jitter: number;
  private readonly backoffMs: number;

  constructor(private readonly options: SchedulerOptions) {
    this.tickMs = options.tickMs ?? 1000;
    this.maxConcurrent = options.maxConcurrent ?? 32;
    this.maxPerHost = options.maxPerHost ?? 4;
    this.jitter = options.jitter ?? 0.1;
    this.backoffMs = options.backoffMs ?? 1000;
  }

  start(): void {
    if (this.tickHandle !== null) return;
    // Runs a stop abandoned are due again; stale queue nodes are skipped.
    for (const entry of this.entries.values()) this.enqueue(entry);
    this.scheduleTick();
    this.pump();
  }

  /** Stops ticking and aborts runs in flight; their results are dropped. */
  stop(): void {
    if (this.tickHandle !== null) this.options.timers.clearTimeout(this.tickHandle);
    this.tickHandle = null;
    this.clearWake();
    for (const entry of this.entries.values()) entry.running?.abort();
  }

  /**
   * Adds or replaces a check. A new check's first run falls within the first `jitter` of its
   * interval; with `spread` (a fleet loaded at start) anywhere in its interval, so a restart with
   * thousands of checks does not run them all in the same few seconds; with `now` (a check just
   * saved) at once, as the caps allow, so its first result is not minutes away.
   */
  upsert(check: ScheduledCheck, options: { spread?: boolean; now?: boolean } = {}): void {
    if (!(check.intervalMs >= MIN_INTERVAL_MS && check.intervalMs <= MAX_INTERVAL_MS)) {
      throw new RangeError(`check interval must be between 10 s and 24 h, got ${check.intervalMs} ms`);
    }
    const existing = this.entries.get(check.id);
    if (existing) {
      existing.check = check;
      return;
    }
    const window = options.now ? 0 : options.spread ? check.intervalMs : this.jitter * check.intervalMs;
    const dueAt = this.options.clock.now() + Math.floor(this.options.random() * window);
    const entry: Entry = { check, dueAt, paused: false, running: null, token: 0, waitingForHost: false };
    this.entries.set(check.id, entry);
    this.enqueue(entry);
    if (this.tickHandle !== null) this.armWake();
  }

  remove(checkId: string): void {
    this.entries.get(checkId)?.running?.abort();
    this.entries.delete(checkId);
  }

  pauseCheck(checkId: string): void {
    this.setPaused(this.entries.get(checkId), true);
  }

  resumeCheck(checkId: string): void {
    this.setPaused(this.entries.get(checkId), false);
    this.pump();
  }

  pauseServer(serverId: string): void {
    this.pausedServers.add(serverId);
  }

  resumeServer(serverId: string): void {
    if (!this.pausedServers.delete(serverId)) return;
    for (const entry of this.entries.values()) if (entry.check.serverId === serverId) this.makeDueNow(entry);
    this.pump();
  }

  isPaused(checkId: string): boolean {
    const entry = this.entries.get(checkId);
    return entry !== undefined && this.paused(entry);
  }

  /** Runs the check as soon as the caps allow, paused or not; false if unknown or already running. */
  checkNow(checkId: string): boolean {
    const entry = this.entries.get(checkId);
    if (!entry || entry.running) return false;
    this.makeDueNow(entry);
    this.forced.add(checkId);
    this.pump();
    return true;
  }

  /** New concurrency caps, in force at once: a raised cap starts waiting checks now. */
  setCaps(caps: { maxConcurrent: number; maxPerHost: number }): void {
    this.maxConcurrent = caps.maxConcurrent;
    this.maxPerHost = caps.maxPerHost;
    while (this.slotWaiters.length > 0 && this.runningCount < this.maxConcurrent) {
      this.runningCount += 1;
      this.slotWaiters.shift()?.();
    }
    for (const host of [...this.hostWaiting.keys()]) this.startWaiting(host);
    this.pump();
  }

  /**
   * Per-server caps in force at once, replacing any before: a check of a server named here may
   * start while fewer than its cap run against its host; others while fewer than `maxPerHost` do.
   */
  setServerLimits(limits: ReadonlyMap<string, number>): void {
    this.serverLimits = limits;
    this.highestServerLimit = Math.max(0, ...limits.values());
    for (const host of [...this.hostWaiting.keys()]) this.startWaiting(host);
    this.pump();
  }

  /** How many checks may run against its host while this entry starts: its server's cap, or the fleet's per-host cap. */
  private hostLimitOf(entry: Entry): number {
    return this.serverLimits.get(entry.check.serverId) ?? this.maxPerHost;
  }

  /**
   * How far behind the schedule is: the checks due more than `lateAfterMs` ago that have not
   * started (paused ones do not count), the oldest one's lag, and which cap holds them: one
   * host's, when most of them wait for a slot on it, else the fleet-wide one.
   */
  backlog(lateAfterMs: number): ScheduleBacklog {
    const now = this.options.clock.now();
    let late = 0;
    let oldestDueAt = now;
    const waitingByHost = new Map<string, number>();
    for (const entry of this.entries.values()) {
      if (entry.running || entry.dueAt > now - lateAfterMs || this.paused(entry)) continue;
      late += 1;
      oldestDueAt = Math.min(oldestDueAt, entry.dueAt);
      if (entry.waitingForHost) waitingByHost.set(entry.check.host, (waitingByHost.get(entry.check.host) ?? 0) + 1);
    }
    if (late === 0) return { late: 0, oldestLagMs: 0, cause: null };
    let busiest: [string, number] | null = null;
    for (const pair of waitingByHost) if (!busiest || pair[1] > busiest[1]) busiest = pair;
    const cause: BacklogCause =
      busiest && busiest[1] * 2 >= late
        ? { cap: 'host', host: busiest[0], limit: this.waitingLimit(busiest[0]), waiting: busiest[1] }
        : { cap: 'fleet', limit: this.maxConcurrent };
    return { late, oldestLagMs: now - oldestDueAt, cause };
  }

  /** The cap that holds `host`'s waiting checks: the next one's (a server's own cap, or the fleet's per-host cap). */
  private waitingLimit(host: string): number {
    const next = this.hostWaiting.get(host)?.[0];
    return next ? this.hostLimitOf(next) : this.maxPerHost;
  }

  /** The ids of every scheduled check. */
  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Checks started now, and how many per host: for metrics and tests. */
  get running(): { total: number; perHost: ReadonlyMap<string, number> } {
    return { total: this.runningCount, perHost: this.perHost };
  }

  private setPaused(entry: Entry | undefined, paused: boolean): void {
    if (!entry || entry.paused === paused) return;
    entry.paused = paused;
    if (!paused) this.makeDueNow(entry);
  }

  private makeDueNow(entry: Entry): void {
    entry.dueAt = Math.min(entry.dueAt, this.options.clock.now());
    this.enqueue(entry);
  }

  /** (Re)places the entry in the due queue at its `dueAt`; any older node for it goes stale. */
  private enqueue(entry: Entry): void {
    if (entry.running || entry.waitingForHost) return;
    entry.token += 1;
    this.queue.push(entry, entry.dueAt, entry.token);
  }

  private isCurrent(node: QueueNode<Entry>): boolean {
    const { entry } = node;
    return node.token === entry.token && this.entries.get(entry.check.id) === entry && !entry.running && !entry.waitingForHost;
  }

  private paused(entry: Entry): boolean {
    return entry.paused || this.pausedServers.has(entry.check.serverId);
  }

  private scheduleTick(): void {
    this.tickHandle = this.options.timers.setTimeout(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    this.scheduleTick();
    this.pump();
    if (this.finished.length === 0) return;
    const batch = this.finished.splice(0);
    this.options.onTick(batch);
  }

  /** Starts every due check the caps allow, most overdue first; a full host does not block others. */
  private pump(): void {
    const now = this.options.clock.now();
    while (this.runningCount < this.maxConcurrent) {
      const node = this.queue.peek();
      if (!node || node.dueAt > now) break;
      this.queue.pop();
      if (!this.isCurrent(node)) continue;
      const { entry } = node;
      // A paused check leaves the queue; resume or "check now" puts it back.
      if (this.paused(entry) && !this.forced.has(entry.check.id)) continue;
      const host = entry.check.host;
      if ((this.perHost.get(host) ?? 0) >= this.hostLimitOf(entry)) {
        entry.waitingForHost = true;
        const waiting = this.hostWaiting.get(host);
        if (waiting) waiting.push(entry);
        else this.hostWaiting.set(host, [entry]);
        continue;
      }
      this.launch(entry, now);
    }
    this.armWake();
  }

  private launch(entry: Entry, now: number): void {
    this.forced.delete(entry.check.id);
    void this.run(entry, now);
  }

  /**
   * A slot of `host` came free (or a cap was raised): its waiting checks start in due order, each
   * while fewer than its own cap run there. One whose server has a lower cap than the host's load
   * lets a later one with a higher cap go first, so one cautious server does not hold up the rest.
   */
  private startWaiting(host: string): void {
    const waiting = this.hostWaiting.get(host);
    if (!waiting) return;
    // No waiting check may start once the host runs as many as the highest cap allows: the scan stops there.
    const highest = Math.max(this.maxPerHost, this.highestServerLimit);
    for (let i = 0; i < waiting.length && this.runningCount < this.maxConcurrent && (this.perHost.get(host) ?? 0) < highest;) {
      const entry = waiting[i] as Entry;
      if (this.entries.get(entry.check.id) !== entry || entry.running || (this.paused(entry) && !this.forced.has(entry.check.id))) {
        entry.waitingForHost = false;
        waiting.splice(i, 1);
        continue;
      }
      if ((this.perHost.get(host) ?? 0) >= this.hostLimitOf(entry)) {
        i += 1;
        continue;
      }
      entry.waitingForHost = false;
      waiting.splice(i, 1);
      this.launch(entry, this.options.clock.now());
    }
    if (waiting.length === 0) this.hostWaiting.delete(host);
  }

  /** Wakes the pump when the next check falls due (the tick alone would start checks up to a tick late). */
  private armWake(): void {
    if (this.tickHandle === null) return;
    const next = this.queue.peek();
    if (!next || this.runningCount >= this.maxConcurrent) return;
    if (next.dueAt >= this.wakeAt) return;
    this.clearWake();
    this.wakeAt = next.dueAt;
    this.wakeHandle = this.options.timers.setTimeout(
      () => {
        this.wakeHandle = null;
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, next.dueAt - this.options.clock.now()),
    );
  }

  private clearWake(): void {
    if (this.wakeHandle !== null) this.options.timers.clearTimeout(this.wakeHandle);
    this.wakeHandle = null;
    this.wakeAt = Number.POSITIVE_INFINITY;
  }

  private async run(entry: Entry, startedAt: number): Promise<void> {
    const { check } = entry;
    const controller = new AbortController();
    entry.running = controller;
    this.runningCount += 1;
    this.perHost.set(check.host, (this.perHost.get(check.host) ?? 0) + 1);
    const dueAt = entry.dueAt;
    // A run holds its host's slot through its retries, so a failing host never sees more than its
    // cap. The fleet's slot it gives back while it waits out a backoff: a sleeping retry loads
    // nothing, and during an outage of many hosts, retries holding fleet slots held back every
    // healthy check elsewhere (a failing check with two retries sleeps 3 s of every run).
    let attempts = 0;
    let result: CheckResult;
    for (;;) {
      result = await this.attempt(check, controller.signal, attempts);
      attempts += 1;
      if (result.status !== 'down' || attempts > check.retries || controller.signal.aborted) break;
      this.releaseSlot();
      this.pump();
      await this.sleep(this.backoffMs * 2 ** (attempts - 1), controller.signal);
      await this.takeSlot(controller.signal);
      if (controller.signal.aborted) break;
    }
    this.releaseSlot();
    const left = (this.perHost.get(check.host) ?? 1) - 1;
    if (left > 0) this.perHost.set(check.host, left);
    else this.perHost.delete(check.host);
    if (entry.running === controller) entry.running = null;
    if (controller.signal.aborted) return; // stopped or removed: nobody wants this result
    const finishedAt = this.options.clock.now();
    entry.dueAt = startedAt + this.jittered(check.intervalMs);
    this.enqueue(entry);
    this.finished.push({ checkId: check.id, serverId: check.serverId, result, attempts, dueAt, startedAt, finishedAt, lagMs: startedAt - dueAt });
    this.startWaiting(check.host);
    this.pump();
  }

  /** Gives a fleet-wide slot back: straight to a retry waiting for one (the count stays), else free for the pump. */
  private releaseSlot(): void {
    const next = this.runningCount <= this.maxConcurrent ? this.slotWaiters.shift() : undefined;
    if (next) next();
    else this.runningCount -= 1;
  }

  /**
   * A fleet-wide slot for a retry whose backoff is over: at once when one is free, else the next
   * one given back, before any check not yet started (the pump starts those only while slots are
   * free, and a slot given back goes to a waiting retry first). A run stopped meanwhile goes on at
   * once, to end.
   */
  private takeSlot(signal: AbortSignal): Promise<void> {
    if (signal.aborted || (this.runningCount < this.maxConcurrent && this.slotWaiters.length === 0)) {
      this.runningCount += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const granted = (): void => {
        signal.removeEventListener('abort', stopped);
        resolve();
      };
      const stopped = (): void => {
        const at = this.slotWaiters.indexOf(granted);
        if (at >= 0) this.slotWaiters.splice(at, 1);
        this.runningCount += 1;
        resolve();
      };
      signal.addEventListener('abort', stopped, { once: true });
      this.slotWaiters.push(granted);
    });
  }

  /** One attempt, bounded by the check's timeout; the runner sees the abort on its signal. */
  private attempt(check: ScheduledCheck, stop: AbortSignal, attempt: number): Promise<CheckResult> {
    const controller = new AbortController();
    const onStop = (): void => controller.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const finish = (result: CheckResult): void => {
        if (settled) return;
        settled = true;
        this.options.timers.clearTimeout(timer);
        stop.removeEventListener('abort', onStop);
        resolve(result);
      };
      const timer = this.options.timers.setTimeout(() => {
        controller.abort(new Error(`no answer within ${check.timeoutMs} ms`));
        finish({ status: 'down', latencyMs: null, message: `no answer within ${check.timeoutMs} ms` });
      }, check.timeoutMs);
      this.options.runner(check, { signal: controller.signal, timeoutMs: check.timeoutMs, attempt }).then(finish, (error: unknown) =>
        // A runner throws only for a bug of its own; the scheduler keeps going and says so.
        finish({ status: 'down', latencyMs: null, message: `check failed: ${error instanceof Error ? error.message : String(error)}` }),
      );
    });
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    const timers = this.options.timers;
    return new Promise((resolve) => {
      const cancel = (): void => {
        timers.clearTimeout(handle);
        resolve();
      };
      const handle = timers.setTimeout(() => {
        signal.removeEventListener('abort', cancel);
        resolve();
      }, ms);
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  /** `intervalMs` spread by ±jitter. */
  private jittered(intervalMs: number): number {
    return Math.round(intervalMs * (1 + this.jitter * (2 * this.options.random() - 1)));
  }
}
