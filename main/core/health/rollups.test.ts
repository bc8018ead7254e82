import { beforeEach, describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { FleetOverview, ServerHealth } from '@shared/api/health';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { success, useTempCore } from '../testing/harness';
import type { CheckStatus } from './check';
import { FakeTime } from '../testing/fake-time';
import { DAY_MS, HOUR_MS } from '../clock';
import type { RunReport } from './scheduler';
import { rowsOf } from '../testing/rows';
import { ResultStore } from './store/results';
import { UptimeIndex } from './uptime-index';

/**
 * Rollup arithmetic through the real recorder on a real database (SQLite or PostgreSQL): hand-made results over a
 * known hour go in as the engine's ticks would hand them over, and the hourly and daily rows, the
 * uptime the dashboards show and the p95 of the charts come out exact (p95 within the sketch's 5 %).
 */

/** 10:00 UTC on a Thursday, far from midnight: the day's row and the hour's row start apart. */
const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
const SPACING = 36_000; // 100 results in one hour

let t = T0;
const clock = { now: () => t };
/** Timers nobody advances: a started engine never polls by itself. */
let timers: FakeTime;
beforeEach(() => {
  t = T0;
  timers = new FakeTime(T0);
});
const env = useTempCore({ prefix: 'guardian-rollups-', lazy: true });

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));

async function start(): Promise<Core> {
  return await env.start({ clock, health: { timers, random: () => 0 } });
}

async function addCheck(core: Core, tags: string[] = ['edge']): Promise<Check> {
  const server = await call<{ id: string }>(core, 'servers.create', { name: 'web-1', host: '10.0.0.1', tags, monitor: false });
  return call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: '10.0.0.1', port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
}

interface Planned {
  at: number;
  status: CheckStatus;
  latencyMs: number | null;
}

function report(check: Check, { at, status, latencyMs }: Planned): RunReport {
  const message = status === 'up' ? `connected in ${latencyMs} ms` : `${status} at ${new Date(at).toISOString()}`;
  return {
    checkId: check.id,
    serverId: check.serverId,
    result: { status, latencyMs, message },
    attempts: 1,
    dueAt: at,
    startedAt: at,
    finishedAt: at,
    lagMs: 0,
  };
}

/** Records each result in a tick of its own, at its own instant (the clock moves with it). */
async function record(core: Core, check: Check, results: readonly Planned[]): Promise<void> {
  for (const result of results) {
    t = result.at;
    await core.health.recorder.record([report(check, result)]);
  }
}

interface RollupRow {
  period: number;
  start: number;
  count: number;
  failures: number;
  degraded: number;
  muted: number;
  lat_count: number;
  lat_min: number | null;
  lat_max: number | null;
  lat_sum: number;
}

function rollups(core: Core, check: Check): Promise<RollupRow[]> {
  const seq = core.health.registry.get(check.id).seq;
  return rowsOf(core).all<RollupRow>(
    'SELECT period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum FROM health_rollups WHERE check_seq = ? ORDER BY period, start',
    seq,
  );
}

const DOWN = [3, 17, 29, 44, 58, 71, 90];
const DEGRADED = [8, 22, 37, 65, 83];
/** Taken in the maintenance window [50, 53): a reboot that would otherwise count as one failure, one degraded and two extreme latencies. */
const MUTED: Record<number, Planned['status']> = { 50: 'down', 51: 'degraded', 52: 'up' };
const MUTED_LATENCY: Record<number, number | null> = { 50: null, 51: 5_000, 52: 0.5 };

/** 100 results in the hour from T0: result i has latency i + 1 ms unless it is down (no latency). */
function hourOfResults(): Planned[] {
  return Array.from({ length: 100 }, (_, i) => {
    const at = T0 + i * SPACING;
    const muted = MUTED[i];
    if (muted) return { at, status: muted, latencyMs: MUTED_LATENCY[i] ?? null };
    if (DOWN.includes(i)) return { at, status: 'down' as const, latencyMs: null };
    return { at, status: DEGRADED.includes(i) ? ('degraded' as const) : ('up' as const), latencyMs: i + 1 };
  });
}

/** The exact nearest-rank p95 of the latencies that count (not down, not muted). */
function exactP95(): number {
  const latencies = hourOfResults()
    .filter((_, i) => MUTED[i] === undefined)
    .flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs]))
    .sort((a, b) => a - b);
  return latencies[Math.ceil(0.95 * latencies.length) - 1] ?? Number.NaN;
}

async function muteWindow(core: Core): Promise<void> {
  await call(core, 'maintenance.create', {
    name: 'reboot',
    scope: { tags: ['edge'] },
    schedule: { kind: 'once', startsAt: T0 + 50 * SPACING, endsAt: T0 + 53 * SPACING },
  });
}

// Latencies of the 90 results that count: i + 1 for i in 0..99 but the 7 down (4+18+30+45+59+72+91 = 319)
// and the 3 muted (51+52+53 = 156): 5050 − 319 − 156 = 4575, from 1 (i = 0) to 100 (i = 99).
const HOUR_TOTALS = { count: 97, failures: 7, degraded: 5, muted: 3, lat_count: 90, lat_min: 1, lat_max: 100, lat_sum: 4575 };

describe('hourly and daily rollups', () => {
  it('hold exactly the count, failures, degraded, muted and latency min/max/sum of an hour of results', async () => {
    const core = await start();
    const check = await addCheck(core);
    await muteWindow(core);
    await record(core, check, hourOfResults());

    const hourStart = T0;
    const dayStart = Math.floor(T0 / DAY_MS) * DAY_MS;
    expect(await rollups(core, check)).toEqual([
      { period: 0, start: hourStart, ...HOUR_TOTALS },
      { period: 1, start: dayStart, ...HOUR_TOTALS },
    ]);
    // Raw results keep the muted mark; the rollups keep them out of everything but `muted`.
    const seq = core.health.registry.get(check.id).seq;
    const muted = await rowsOf(core).all('SELECT at FROM health_results WHERE check_seq = ? AND muted = 1 ORDER BY at', seq);
    expect(muted).toEqual([50, 51, 52].map((i) => ({ at: T0 + i * SPACING })));
  });

  it('give the exact uptime over the period: (97 − 7) / 97 on the dashboard and in the uptime index', async () => {
    const core = await start();
    const check = await addCheck(core);
    await muteWindow(core);
    // The desktop app and `guardian serve` start polling (which reads the index) before any result.
    core.health.start();
    await record(core, check, hourOfResults());
    t = T0 + HOUR_MS + 60_000;

    const health = await call<ServerHealth>(core, 'health.server', { id: check.serverId });
    expect(health.uptime).toEqual({ h24: 90 / 97, d7: 90 / 97, d30: 90 / 97, d90: 90 / 97, since: core.health.registry.get(check.id).createdAt });
    const seq = core.health.registry.get(check.id).seq;
    const tally = (await core.health.uptime()).tally([seq], t);
    expect(tally.h24).toEqual({ count: 97, failures: 7 });
    expect(tally.d7).toEqual({ count: 97, failures: 7 });
    expect(tally.d30).toEqual({ count: 97, failures: 7 });
  });

  it('put results either side of an hour boundary in two hourly rows and one daily row', async () => {
    const core = await start();
    const check = await addCheck(core);
    const boundary = T0 + HOUR_MS;
    await record(core, check, [
      { at: boundary - 30_000, status: 'up', latencyMs: 10 },
      { at: boundary - 1, status: 'down', latencyMs: null },
      { at: boundary, status: 'degraded', latencyMs: 40 },
      { at: boundary + 30_000, status: 'up', latencyMs: 20 },
    ]);

    const day = Math.floor(T0 / DAY_MS) * DAY_MS;
    const rows = (await rollups(core, check)).map(({ period, start, count, failures, degraded, lat_min, lat_max, lat_sum }) => ({
      period,
      start,
      count,
      failures,
      degraded,
      lat_min,
      lat_max,
      lat_sum,
    }));
    expect(rows).toEqual([
      { period: 0, start: T0, count: 2, failures: 1, degraded: 0, lat_min: 10, lat_max: 10, lat_sum: 10 },
      { period: 0, start: boundary, count: 2, failures: 0, degraded: 1, lat_min: 20, lat_max: 40, lat_sum: 60 },
      { period: 1, start: day, count: 4, failures: 1, degraded: 1, lat_min: 10, lat_max: 40, lat_sum: 70 },
    ]);
  });

  it('continue the same hour’s row after a restart in the middle of the hour, not overwrite it', async () => {
    let core = await start();
    const check = await addCheck(core);
    const all = hourOfResults().filter((_, i) => MUTED[i] === undefined);
    const before = all.filter((r) => r.at < T0 + HOUR_MS / 2);
    const after = all.filter((r) => r.at >= T0 + HOUR_MS / 2);
    await record(core, check, before);

    core = await env.restart({ clock, health: { timers, random: () => 0 } });
    core.health.start();
    await record(core, check, after);
    t = T0 + HOUR_MS + 60_000;

    const [hour, day] = await rollups(core, check);
    const totals = { ...HOUR_TOTALS, muted: 0 };
    expect(hour).toEqual({ period: 0, start: T0, ...totals });
    expect(day).toMatchObject({ period: 1, ...totals });
    const health = await call<ServerHealth>(core, 'health.server', { id: check.serverId });
    expect(health.uptime.h24).toBe(90 / 97);
    expect((await core.health.uptime()).tally([core.health.registry.get(check.id).seq], t).h24).toEqual({ count: 97, failures: 7 });
    // The latency sketch went on too: its p95 still covers the whole hour.
    const series = await call<{ series: { points: { t: number; p95: number | null; count: number }[] }[] }>(core, 'health.series', {
      serverId: check.serverId,
      range: '7d',
    });
    const point = series.series[0]?.points.find((p) => p.t === T0);
    expect(point?.count).toBe(97);
    expect(Math.abs((point?.p95 ?? 0) - exactP95()) / exactP95()).toBeLessThanOrEqual(0.05);
  });

  it('answer a p95 from the sketch within 5 % of the exact value, hourly and daily', async () => {
    const core = await start();
    const check = await addCheck(core);
    await muteWindow(core);
    await record(core, check, hourOfResults());
    t = T0 + HOUR_MS + 60_000;

    const exact = exactP95();
    expect(exact).toBe(96); // the 86th of the 90 latencies that count: 96 less the 7 down and 3 muted below it
    type Series = { bucketMs: number; series: { points: { t: number; p95: number | null; min: number | null; max: number | null; avg: number | null }[] }[] };
    const hourly = await call<Series>(core, 'health.series', { serverId: check.serverId, range: '7d' });
    expect(hourly.bucketMs).toBe(HOUR_MS);
    const hour = hourly.series[0]?.points.find((p) => p.t === T0);
    expect(hour).toMatchObject({ min: 1, max: 100, avg: Math.round((4575 / 90) * 100) / 100 });
    expect(Math.abs((hour?.p95 ?? 0) - exact) / exact).toBeLessThanOrEqual(0.05);

    const daily = await call<Series>(core, 'health.series', { serverId: check.serverId, range: '90d' });
    const day = daily.series[0]?.points.find((p) => p.t === Math.floor(T0 / DAY_MS) * DAY_MS);
    expect(Math.abs((day?.p95 ?? 0) - exact) / exact).toBeLessThanOrEqual(0.05);
  });

  /** Results over 35 days for two checks, a tick each, oldest first: some every few hours, a third of them down. */
  function weeksOfResults(offset: number): Planned[] {
    const planned: Planned[] = [];
    for (let at = T0 - 35 * DAY_MS + offset; at < T0 + 3 * HOUR_MS; at += 7 * HOUR_MS + 11 * 60_000) {
      planned.push({ at, status: Math.floor(at / HOUR_MS) % 3 === 0 ? 'down' : 'up', latencyMs: Math.floor(at / HOUR_MS) % 3 === 0 ? null : 12 });
    }
    return planned;
  }

  /** What the index must answer at `now`, counted from the results themselves: whole hours and days, as the tally documents. */
  function expected(results: readonly Planned[], now: number) {
    const hourFrom = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const over = (from: number) => {
      const counted = results.filter((r) => r.at >= from && r.at <= now);
      return { count: counted.length, failures: counted.filter((r) => r.status === 'down').length };
    };
    return { h24: over(hourFrom), d7: over(today - 6 * DAY_MS), d30: over(today - 29 * DAY_MS) };
  }

  it('give the uptime index after a restart exactly as before it, read in one go or check by check, on either engine', async () => {
    let core = await start();
    const server = await call<{ id: string }>(core, 'servers.create', { name: 'api-1', host: '10.0.0.2', monitor: false });
    const web = await addCheck(core);
    const api = await call<Check>(core, 'checks.create', {
      serverId: server.id,
      spec: { type: 'tcp', config: { host: '10.0.0.2', port: 22 } },
      confirmAfter: 1,
      retries: 0,
    });
    core.health.start();
    const webResults = weeksOfResults(0);
    const apiResults = weeksOfResults(37 * 60_000);
    const ticks = [...webResults.map((r) => [web, r] as const), ...apiResults.map((r) => [api, r] as const)].sort((a, b) => a[1].at - b[1].at);
    for (const [check, result] of ticks) {
      t = result.at;
      await core.health.recorder.record([report(check, result)]);
    }
    t = T0 + 3 * HOUR_MS;
    const seqs = [web, api].map((check) => core.health.registry.get(check.id).seq);
    const before = (await core.health.uptime()).tally(seqs, t);
    const all = [...webResults, ...apiResults];
    expect(before).toEqual(expected(all, t));
    expect(before.d30.failures).toBeGreaterThan(0);
    expect(before.h24.count).toBeLessThan(before.d7.count);
    expect(before.d7.count).toBeLessThan(before.d30.count);

    core = await env.restart({ clock, health: { timers, random: () => 0 } });
    core.health.start();
    const after = await core.health.uptime();
    expect(after.tally(seqs, t)).toEqual(before);
    expect(after.tally([seqs[0] ?? 0], t)).toEqual(expected(webResults, t));
    // Read one check at a time (the serve reads 2,000 at a time): the same answer.
    const byCheck = new UptimeIndex();
    await byCheck.load(new ResultStore(core.data), seqs, t, undefined, 1);
    expect(byCheck.tally(seqs, t)).toEqual(before);
    // A day later the oldest day has left the 30 days and yesterday's hours the 24 hours, exactly as the results say.
    expect(after.tally(seqs, t + DAY_MS)).toEqual(expected(all, t + DAY_MS));
    const overview = await call<FleetOverview>(core, 'health.overview', {});
    expect(overview.uptime.d30).toBe((before.d30.count - before.d30.failures) / before.d30.count);
  });

  it('count once a result written while the uptime index is being read, whichever starts first', async () => {
    let core = await start();
    const check = await addCheck(core);
    const results = weeksOfResults(0);
    for (const result of results.slice(0, -4)) await record(core, check, [result]);
    const late = results.slice(-4);
    t = T0 + 3 * HOUR_MS;

    core = await env.restart({ clock, health: { timers, random: () => 0 } });
    const seq = core.health.registry.get(check.id).seq;
    // A tick before the read starts, two while it runs, one after: each is in the rows read or added after them.
    const first = core.health.recorder.record([report(check, late[0] as Planned)]);
    const loading = core.health.uptime();
    const during = [core.health.recorder.record([report(check, late[1] as Planned)]), core.health.recorder.record([report(check, late[2] as Planned)])];
    await Promise.all([first, loading, ...during]);
    await core.health.recorder.record([report(check, late[3] as Planned)]);
    expect((await core.health.uptime()).tally([seq], t)).toEqual(expected(results, t));
  });
});
