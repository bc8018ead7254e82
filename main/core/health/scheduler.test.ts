import { describe, expect, it } from 'vitest';
import type { CheckResult } from './check';
import { deferred, FakeTime, settle } from '../testing/fake-time';
import { type AttemptContext, CheckScheduler, type RunReport, type ScheduledCheck, type SchedulerOptions } from './scheduler';

const UP: CheckResult = { status: 'up', latencyMs: 3, message: 'ok' };
const DOWN: CheckResult = { status: 'down', latencyMs: null, message: 'connection refused on a:1' };

const check = (id: string, over: Partial<ScheduledCheck> = {}): ScheduledCheck => ({
  id,
  serverId: 's1',
  host: `${id}.test`,
  intervalMs: 30_000,
  timeoutMs: 5_000,
  retries: 0,
  ...over,
});

function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}

interface Call {
  check: ScheduledCheck;
  ctx: AttemptContext;
  at: number;
  answer: (result: CheckResult) => void;
}

/** A scheduler whose runs wait for the test to answer them; counts runs in flight, overall and per host. */
function harness(options: Partial<SchedulerOptions> = {}) {
  const time = new FakeTime();
  const calls: Call[] = [];
  const batches: RunReport[][] = [];
  const live = new Map<string, number>();
  let liveTotal = 0;
  const peak = { total: 0, perHost: new Map<string, number>() };
  const scheduler = new CheckScheduler({
    clock: time,
    timers: time,
    random: () => 0,
    onTick: (reports) => batches.push(reports),
    runner: (c, ctx) => {
      const d = deferred<CheckResult>();
      liveTotal += 1;
      live.set(c.host, (live.get(c.host) ?? 0) + 1);
      peak.total = Math.max(peak.total, liveTotal);
      peak.perHost.set(c.host, Math.max(peak.perHost.get(c.host) ?? 0, live.get(c.host) ?? 0));
      calls.push({ check: c, ctx, at: time.now(), answer: d.resolve });
      return d.promise.finally(() => {
        liveTotal -= 1;
        live.set(c.host, (live.get(c.host) ?? 1) - 1);
      });
    },
    ...options,
  });
  const reports = () => batches.flat();
  /** Answers every call still waiting. */
  const answerAll = async (result: CheckResult = UP) => {
    for (const call of calls.splice(0)) call.answer(result);
    await settle();
  };
  return { time, calls, batches, reports, peak, scheduler, answerAll, t0: time.now() };
}

describe('CheckScheduler', () => {
  it('refuses intervals outside 10 s .. 24 h', () => {
    const { scheduler } = harness();
    expect(() => scheduler.upsert(check('a', { intervalMs: 9_999 }))).toThrow(RangeError);
    expect(() => scheduler.upsert(check('a', { intervalMs: 86_400_001 }))).toThrow(/between 10 s and 24 h/);
    expect(() => scheduler.upsert(check('a', { intervalMs: 10_000 }))).not.toThrow();
  });

  it('spreads each next run by at most ±10 % of the interval', async () => {
    const randoms = [0, 0, 0.999_999, 0.5, 0.25];
    const h = harness({ random: () => randoms.shift() ?? 0.5 });
    h.scheduler.upsert(check('a', { timeoutMs: 20_000 }));
    h.scheduler.start();
    await h.answerAll();
    for (let i = 0; i < 3; i += 1) {
      await h.time.advance(34_000);
      await h.answerAll();
    }
    await h.time.advance(1_000);
    const all = h.reports();
    expect(all[0]?.dueAt).toBe(h.t0); // random 0: first run at once
    const gaps = all.slice(1).map((r, i) => r.dueAt - nth(all, i).startedAt);
    expect(gaps).toEqual([27_000, 33_000, 30_000]);
  });

  it('spreads first runs over the whole interval for a fleet loaded at start, and over its first 10 % for a new check', async () => {
    const h = harness({ random: () => 0.5 });
    h.scheduler.upsert(check('loaded', { intervalMs: 60_000 }), { spread: true });
    h.scheduler.upsert(check('new', { intervalMs: 60_000 }));
    h.scheduler.start();
    await h.time.advance(3_000);
    expect(h.calls.map((c) => c.check.id)).toEqual(['new']);
    await h.time.advance(27_000);
    expect(h.calls.map((c) => c.check.id)).toEqual(['new', 'loaded']);
  });

  it('keeps every gap within bounds for any random value', async () => {
    const h = harness({ random: Math.random, tickMs: 100 });
    h.scheduler.upsert(check('a'));
    h.scheduler.start();
    for (let i = 0; i < 30; i += 1) {
      await h.time.advance(10_000);
      await h.answerAll();
    }
    const all = h.reports();
    expect(all.length).toBeGreaterThan(5);
    expect(nth(all, 0).dueAt - h.t0).toBeLessThanOrEqual(3_000);
    for (let i = 1; i < all.length; i += 1) {
      const gap = nth(all, i).dueAt - nth(all, i - 1).startedAt;
      expect(gap).toBeGreaterThanOrEqual(27_000);
      expect(gap).toBeLessThanOrEqual(33_000);
    }
  });

  it('never runs more than the global cap at once, and starts the next as a slot frees', async () => {
    const h = harness({ maxConcurrent: 3 });
    for (let i = 0; i < 10; i += 1) h.scheduler.upsert(check(`c${i}`));
    h.scheduler.start();
    await settle();
    expect(h.calls).toHaveLength(3);
    nth(h.calls, 0).answer(UP);
    await settle();
    expect(h.calls).toHaveLength(4);
    while (h.calls.length > 0) await h.answerAll();
    expect(h.peak.total).toBe(3);
    await h.time.advance(1_000);
    expect(new Set(h.reports().map((r) => r.checkId)).size).toBe(10);
  });

  it('never runs more than the per-host cap, and a full host does not hold others back', async () => {
    const h = harness({ maxConcurrent: 10, maxPerHost: 2 });
    for (let i = 0; i < 6; i += 1) h.scheduler.upsert(check(`a${i}`, { host: 'a.test' }));
    for (let i = 0; i < 2; i += 1) h.scheduler.upsert(check(`b${i}`, { host: 'b.test' }));
    h.scheduler.start();
    await settle();
    expect(h.calls.map((c) => c.check.host).sort()).toEqual(['a.test', 'a.test', 'b.test', 'b.test']);
    expect(h.scheduler.running.perHost.get('a.test')).toBe(2);
    while (h.calls.length > 0) await h.answerAll();
    expect(h.peak.perHost.get('a.test')).toBe(2);
    expect(h.peak.perHost.get('b.test')).toBe(2);
  });

  it('holds a server with its own cap to it on a shared host, and a cautious server does not hold up the rest', async () => {
    const h = harness({ maxConcurrent: 20, maxPerHost: 2 });
    h.scheduler.setServerLimits(
      new Map([
        ['cautious', 1],
        ['sturdy', 5],
      ]),
    );
    for (let i = 0; i < 4; i += 1) h.scheduler.upsert(check(`c${i}`, { host: 'shared.test', serverId: 'cautious' }));
    for (let i = 0; i < 8; i += 1) h.scheduler.upsert(check(`s${i}`, { host: 'shared.test', serverId: 'sturdy' }));
    h.scheduler.start();
    await settle();
    /** How many of a server's runs have started (answered ones stay in h.calls until answerAll). */
    const started = (serverId: string) => h.calls.filter((c) => c.check.serverId === serverId).length;
    // The cautious server's first check starts (nothing ran on the host yet); the sturdy one fills the host to its own cap of 5.
    expect(started('cautious')).toBe(1);
    expect(started('sturdy')).toBe(4);
    expect(h.scheduler.running.perHost.get('shared.test')).toBe(5);
    // A slot frees: the cautious server's next check may not take it (the host runs more than 1), a sturdy one does.
    const sturdy = h.calls.find((c) => c.check.serverId === 'sturdy');
    sturdy?.answer(UP);
    await settle();
    expect(started('cautious')).toBe(1);
    expect(started('sturdy')).toBe(5);
    expect(h.scheduler.running.perHost.get('shared.test')).toBe(5);
    while (h.calls.length > 0) await h.answerAll();
    expect(h.peak.perHost.get('shared.test')).toBe(5);
    await h.time.advance(1_000);
    expect(new Set(h.reports().map((r) => r.checkId)).size).toBe(12);

    // Without the caps, the fleet's per-host cap of 2 holds everyone again.
    h.scheduler.setServerLimits(new Map());
    h.peak.perHost.clear();
    await h.time.advance(30_000);
    while (h.calls.length > 0) await h.answerAll();
    expect(h.peak.perHost.get('shared.test')).toBe(2);
  });

  it('answers down with "no answer within N ms" at the timeout, and aborts the runner', async () => {
    const h = harness();
    h.scheduler.upsert(check('a', { timeoutMs: 5_000 }));
    h.scheduler.start();
    await settle();
    const call = nth(h.calls, 0);
    await h.time.advance(4_999);
    expect(call.ctx.signal.aborted).toBe(false);
    await h.time.advance(1_001);
    expect(call.ctx.signal.aborted).toBe(true);
    expect(h.reports()).toMatchObject([{ checkId: 'a', attempts: 1, result: { status: 'down', latencyMs: null, message: 'no answer within 5000 ms' } }]);
  });

  it('retries with backoff 1 s × 2^n before reporting down', async () => {
    const h = harness({ backoffMs: 1_000 });
    h.scheduler.upsert(check('a', { retries: 2 }));
    h.scheduler.start();
    for (let i = 0; i < 3; i += 1) {
      await settle();
      await h.answerAll(DOWN);
      expect(h.reports()).toEqual([]);
      await h.time.advance(1_000 * 2 ** i);
    }
    await h.time.advance(1_000);
    expect(h.calls).toEqual([]);
    expect(h.reports()).toMatchObject([{ attempts: 3, result: DOWN }]);
  });

  it('reports up when a retry succeeds, at the times the backoff says', async () => {
    const h = harness({ backoffMs: 1_000 });
    const seen: number[] = [];
    h.scheduler.upsert(check('a', { retries: 2 }));
    h.scheduler.start();
    for (const result of [DOWN, DOWN, UP]) {
      await settle();
      seen.push(nth(h.calls, 0).at - h.t0);
      await h.answerAll(result);
      await h.time.advance(seen.length === 1 ? 1_000 : 2_000);
    }
    expect(seen).toEqual([0, 1_000, 3_000]);
    expect(h.reports()).toMatchObject([{ attempts: 3, result: UP }]);
  });

  it('gives the fleet-wide slot back while a retry waits out its backoff, and takes the next one freed before any new check', async () => {
    const h = harness({ maxConcurrent: 1, backoffMs: 1_000 });
    h.scheduler.upsert(check('failing', { retries: 1 }));
    h.scheduler.upsert(check('healthy'));
    h.scheduler.start();
    await settle();
    expect(h.calls.map((c) => c.check.id)).toEqual(['failing']);
    await h.answerAll(DOWN);
    // Its backoff holds no fleet-wide slot: the healthy check runs meanwhile.
    expect(h.calls.map((c) => c.check.id)).toEqual(['healthy']);
    h.scheduler.upsert(check('new', { intervalMs: 30_000 }));
    await h.time.advance(1_000);
    // The backoff is over while the one slot is busy: the retry waits, and goes before the new check.
    expect(h.calls.map((c) => c.check.id)).toEqual(['healthy']);
    await h.answerAll(UP);
    expect(h.calls.map((c) => c.check.id)).toEqual(['failing']);
    expect(h.scheduler.running.total).toBe(1);
    await h.answerAll(DOWN);
    expect(h.calls.map((c) => c.check.id)).toEqual(['new']);
    expect(h.peak.total).toBe(1);
    await h.answerAll(UP);
    await h.time.advance(1_000);
    expect(h.reports().map((r) => [r.checkId, r.attempts, r.result.status])).toEqual([
      ['healthy', 1, 'up'],
      ['failing', 2, 'down'],
      ['new', 1, 'up'],
    ]);
  });

  it('does not run a paused check or a paused server, and runs them at once on resume', async () => {
    const h = harness();
    h.scheduler.upsert(check('a'));
    h.scheduler.upsert(check('b', { serverId: 's2' }));
    h.scheduler.upsert(check('c', { serverId: 's3' }));
    h.scheduler.pauseCheck('a');
    h.scheduler.pauseServer('s2');
    h.scheduler.start();
    await h.time.advance(20_000);
    expect(h.calls.map((c) => c.check.id)).toEqual(['c']);
    await h.answerAll();
    expect(h.scheduler.isPaused('a')).toBe(true);
    h.scheduler.resumeCheck('a');
    h.scheduler.resumeServer('s2');
    expect(h.calls.map((c) => c.check.id)).toEqual(['a', 'b']);
  });

  it('runs a check now on request, within the caps, even when paused', async () => {
    const h = harness({ maxConcurrent: 1 });
    h.scheduler.upsert(check('a', { intervalMs: 3_600_000 }));
    h.scheduler.upsert(check('b', { intervalMs: 3_600_000 }));
    h.scheduler.start();
    await settle();
    await h.answerAll();
    await h.answerAll();
    h.scheduler.pauseCheck('a');
    h.scheduler.checkNow('b');
    h.scheduler.checkNow('a');
    expect(h.calls.map((c) => c.check.id)).toEqual(['b']); // the cap is 1: a waits for the slot
    expect(h.scheduler.checkNow('b')).toBe(false); // already running
    await h.answerAll();
    expect(h.calls.map((c) => c.check.id)).toEqual(['a']);
    await h.answerAll();
    expect(h.scheduler.isPaused('a')).toBe(true);
    await h.time.advance(4_000_000);
    expect(h.calls.map((c) => c.check.id)).toEqual(['b']);
  });

  it('hands over all results of a tick in one onTick, and nothing on an idle tick', async () => {
    const h = harness();
    for (const id of ['a', 'b', 'c']) h.scheduler.upsert(check(id));
    h.scheduler.start();
    await settle();
    await h.time.advance(200);
    nth(h.calls, 0).answer(UP);
    await h.time.advance(300);
    await h.answerAll(DOWN);
    expect(h.batches).toEqual([]);
    await h.time.advance(500);
    expect(h.batches).toHaveLength(1);
    expect(nth(h.batches, 0).map((r) => [r.checkId, r.result.status])).toEqual([
      ['a', 'up'],
      ['b', 'down'],
      ['c', 'down'],
    ]);
    await h.time.advance(5_000);
    expect(h.batches).toHaveLength(1);
  });

  it('records lag between when a run was due and when it started', async () => {
    const h = harness({ maxConcurrent: 1 });
    h.scheduler.upsert(check('a'));
    h.scheduler.upsert(check('b'));
    h.scheduler.start();
    await settle();
    await h.time.advance(4_000);
    await h.answerAll();
    await h.time.advance(3_000);
    await h.answerAll();
    await h.time.advance(1_000);
    expect(h.reports().map((r) => [r.checkId, r.lagMs, r.startedAt - h.t0, r.finishedAt - h.t0])).toEqual([
      ['a', 0, 0, 4_000],
      ['b', 4_000, 4_000, 7_000],
    ]);
  });

  it('drops results of runs in flight when stopped or removed', async () => {
    const h = harness();
    h.scheduler.upsert(check('a'));
    h.scheduler.upsert(check('b'));
    h.scheduler.start();
    await settle();
    h.scheduler.remove('a');
    h.scheduler.stop();
    expect(h.calls.every((c) => c.ctx.signal.aborted)).toBe(true);
    await h.answerAll();
    await h.time.advance(60_000);
    expect(h.batches).toEqual([]);
    expect(h.scheduler.running.total).toBe(0);
  });
});
