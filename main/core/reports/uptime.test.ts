import { beforeEach, describe, expect, it } from 'vitest';
import { useTempCore } from '../testing/harness';
import { rollupSpans, reportFileName, resolvePeriod } from './period';
import { DAY_MS, HOUR_MS, seedIncident, seedRollups, seedServer, type SeededServer } from './testing/seed';
import { fleetTotals, UptimeReader } from './uptime';
import { durationText, percentText } from './words';

/**
 * The uptime report's numbers from rollups and incidents seeded with known values into a real
 * SQLite file: uptime is the exact fraction of counted results, maintenance is left out, the
 * period's edges are taken to the hour, downtime is each incident clipped to the period.
 */

const T = Date.UTC(2026, 9, 1); // 2026-10-01 00:00 UTC
/** 20:00 on day 1 to 06:00 on day 4: hourly rows at both edges, daily rows for days 2 and 3. */
const PERIOD = { from: T + 20 * HOUR_MS, to: T + 3 * DAY_MS + 6 * HOUR_MS };
const NOW = T + 10 * DAY_MS;

const env = useTempCore({ prefix: 'guardian-report-uptime-', clock: { now: () => NOW } });
let web: SeededServer;
let db: SeededServer;
let idle: SeededServer;

beforeEach(async () => {
  const { core } = env;
  web = await seedServer(core, 'web-1');
  db = await seedServer(core, 'db-1');
  idle = await seedServer(core, 'idle-1');
  await seedRollups(core, web.seq, [
    // Outside the period, or covered by a row of the other period: none of these may count.
    { period: 0, start: T + 19 * HOUR_MS, count: 50, failures: 50 },
    { period: 1, start: T, count: 150, failures: 51, muted: 7 },
    { period: 0, start: T + DAY_MS + 10 * HOUR_MS, count: 500, failures: 1, muted: 30 },
    { period: 0, start: T + 2 * DAY_MS + 12 * HOUR_MS, count: 300, failures: 1, degraded: 4 },
    { period: 0, start: T + 3 * DAY_MS + 7 * HOUR_MS, count: 40, failures: 40 },
    { period: 1, start: T + 3 * DAY_MS, count: 140, failures: 40 },
    // What counts: 1,000 results, 3 of them failures, 37 more in maintenance.
    { period: 0, start: T + 21 * HOUR_MS, count: 100, failures: 1, muted: 7 },
    { period: 1, start: T + DAY_MS, count: 500, failures: 1, muted: 30, latencies: [...Array<number>(94).fill(10), ...Array<number>(6).fill(200)] },
    { period: 1, start: T + 2 * DAY_MS, count: 300, failures: 1, degraded: 4 },
    { period: 0, start: T + 3 * DAY_MS + 3 * HOUR_MS, count: 100 },
  ]);
  await seedRollups(core, db.seq, [
    { period: 1, start: T + DAY_MS, count: 2000, failures: 1 },
    { period: 1, start: T + 2 * DAY_MS, count: 2000 },
  ]);
});

const row = async (server: SeededServer, target = 99.9) => new UptimeReader(env.core.data).row(await env.core.servers.get(server.id), PERIOD, target, NOW);

describe('uptime from rollups', () => {
  it('is the exact fraction of counted results: 3 failures in 1,000 results is 99.7 %', async () => {
    const result = await row(web);
    expect(result.results).toBe(1000);
    expect(result.failures).toBe(3);
    expect(result.uptimePercent).toBe(99.7);
    expect(result.degraded).toBe(4);
  });

  it('leaves results taken in maintenance out of the count, and says how many there were', async () => {
    const result = await row(web);
    expect(result.maintenance).toBe(37);
    expect(result.results).toBe(1000);
  });

  it('counts the hours at the edges from hourly rows and whole days from daily rows', async () => {
    expect(rollupSpans(PERIOD)).toEqual([
      { period: 0, start: T + 20 * HOUR_MS, end: T + DAY_MS },
      { period: 1, start: T + DAY_MS, end: T + 3 * DAY_MS },
      { period: 0, start: T + 3 * DAY_MS, end: T + 3 * DAY_MS + 6 * HOUR_MS },
    ]);
    // Within one day: hourly rows only.
    expect(rollupSpans({ from: T + HOUR_MS, to: T + 5 * HOUR_MS })).toEqual([{ period: 0, start: T + HOUR_MS, end: T + 5 * HOUR_MS }]);
    // Midnight to midnight: daily rows only.
    expect(rollupSpans({ from: T, to: T + 2 * DAY_MS })).toEqual([{ period: 1, start: T, end: T + 2 * DAY_MS }]);
  });

  it('takes p95 from the merged latency sketches (within the sketch’s 5 %)', async () => {
    const { p95Ms } = await row(web);
    expect(p95Ms).not.toBeNull();
    expect(Math.abs((p95Ms ?? 0) - 200) / 200).toBeLessThan(0.05);
    expect((await row(db)).p95Ms).toBeNull();
  });

  it('reports a server without results as having no data, not as up', async () => {
    const result = await row(idle);
    expect(result.uptimePercent).toBeNull();
    expect(result.sla).toBe('no data');
    expect(percentText(result.uptimePercent)).toBe('no data');
  });

  it('never shows a rounding up the numbers do not support', async () => {
    expect(percentText(99.9996)).toBe('99.999 %');
    expect(percentText(99.7)).toBe('99.700 %');
  });
});

describe('downtime and incidents', () => {
  it('sums each incident’s overlap with the period, clipped at both edges, an open one until the end', async () => {
    await seedIncident(env.core, web.id, PERIOD.from - 2 * HOUR_MS, PERIOD.from + HOUR_MS); // 1 h inside
    await seedIncident(env.core, web.id, T + 2 * DAY_MS + 10 * HOUR_MS, T + 2 * DAY_MS + 10.5 * HOUR_MS); // 30 min
    await seedIncident(env.core, web.id, PERIOD.to - 45 * 60_000, null); // still open: 45 min inside
    await seedIncident(env.core, web.id, T - 5 * DAY_MS, T - 4 * DAY_MS); // before
    await seedIncident(env.core, web.id, PERIOD.from - HOUR_MS, PERIOD.from); // ended as the period began
    await seedIncident(env.core, web.id, PERIOD.to + HOUR_MS, PERIOD.to + 2 * HOUR_MS); // after
    await seedIncident(env.core, db.id, PERIOD.from + HOUR_MS, PERIOD.from + 2 * HOUR_MS, 'degraded');

    const result = await row(web);
    expect(result.incidents).toBe(3);
    expect(result.downtimeMs).toBe(2 * HOUR_MS + 15 * 60_000);
    expect(durationText(result.downtimeMs)).toBe('2 h 15 min');
    expect((await row(db)).incidents).toBe(1);
  });

  it('counts an open incident only until now when the period reaches into the future', async () => {
    const reader = new UptimeReader(env.core.data);
    await seedIncident(env.core, web.id, NOW - HOUR_MS, null);
    const future = { from: NOW - DAY_MS, to: NOW + DAY_MS };
    expect((await reader.row(await env.core.servers.get(web.id), future, 99.9, NOW)).downtimeMs).toBe(HOUR_MS);
  });
});

describe('the SLA', () => {
  it('is met at or above the target and missed below it', async () => {
    expect((await row(web, 99.9)).sla).toBe('missed');
    expect((await row(web, 99.7)).sla).toBe('met');
    expect(await row(db, 99.9)).toMatchObject({ uptimePercent: 99.975, sla: 'met' });
  });

  it('adds up to fleet totals over all results, not an average of percentages', async () => {
    await seedIncident(env.core, web.id, PERIOD.from + HOUR_MS, PERIOD.from + 2 * HOUR_MS);
    const fleet = fleetTotals([await row(web), await row(db), await row(idle)]);
    expect(fleet).toEqual({
      servers: 3,
      results: 5000,
      failures: 4,
      uptimePercent: 99.92,
      incidents: 1,
      downtimeMs: HOUR_MS,
      meetingSla: 1,
      missingSla: 1,
      withoutData: 1,
    });
  });
});

describe('periods', () => {
  it('ends a preset now and names the file after the days it covers', async () => {
    const now = Date.UTC(2026, 10, 22, 9, 30);
    const period = resolvePeriod({ preset: '30d' }, now);
    expect(period).toEqual({ from: now - 30 * DAY_MS, to: now });
    expect(reportFileName('uptime', 'pdf', period)).toBe('uptime-2026-10-23_2026-11-22.pdf');
    expect(reportFileName('audit-summary', 'csv', { from: T, to: T + 7 * DAY_MS })).toBe('audit-summary-2026-10-01_2026-10-07.csv');
  });
});
