import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FleetOverview } from '@shared/api/health';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { createLogger } from '../logging/logger';
import { FakeTime } from '../testing/fake-time';
import { success, useTempCore } from '../testing/harness';
import type { CheckResult } from './check';
import { checkTypes } from './checks';

/**
 * Never behind in silence: one host holds more checks than its cap can serve in their interval,
 * on a real core with fake time. The overview's banner text, /metrics and the log all say how many
 * checks are late and which cap holds them; raising the cap in the monitoring settings clears them.
 */

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const CHECKS = 24;
const RUN_MS = 5_000;

let time: FakeTime;
let logLines: { level: string; msg: string; late?: number }[];
/** What every run answers, and how many runs were done. */
let answer: CheckResult;
let runs: number;
beforeEach(() => {
  time = new FakeTime(T0);
  logLines = [];
  answer = { status: 'up', latencyMs: 1, message: 'open' };
  runs = 0;
  // Each run takes 5 s of fake time: 4 at a time on one host serve 24 checks every 30 s, not every 10 s.
  vi.spyOn(checkTypes.tcp, 'run').mockImplementation(
    () =>
      new Promise<CheckResult>((resolve) =>
        time.setTimeout(() => {
          runs += 1;
          resolve(answer);
        }, RUN_MS),
      ),
  );
});
afterEach(() => {
  vi.restoreAllMocks();
});
const env = useTempCore({ prefix: 'guardian-backlog-', lazy: true });

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));

async function start(): Promise<Core> {
  const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
  return await env.start({ clock: time, logger, health: { timers: time, random: () => 0, tickMs: 1000 } });
}

/**
 * Moves fake time on a second at a time, and after each second waits until the engine has written
 * what its ticks handed over: on SQLite at once, on PostgreSQL after round trips in real time, which
 * the fake clock does not see.
 */
async function advance(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= 1000) {
    await time.advance(Math.min(1000, left));
    await env.core.health.engine.settled();
  }
}

/** A server on `host` with CHECKS tcp checks every 10 s: more than 4 at a time can serve. */
async function busyServer(core: Core, name: string, host: string): Promise<{ id: string }> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host, monitor: false });
  for (let i = 0; i < CHECKS; i += 1) {
    await call(core, 'checks.create', { serverId: server.id, spec: { type: 'tcp', config: { host, port: 1000 + i } }, intervalMs: 10_000, retries: 0 });
  }
  return server;
}

async function lateGauge(core: Core): Promise<number> {
  const text = await core.metrics.registry.metrics();
  return Number(/^guardian_health_checks_late (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('checks running late', () => {
  it('says how many are late and which cap holds them, in the overview, /metrics and the log, until the cap is raised', async () => {
    const core = await start();
    const server = await call<{ id: string }>(core, 'servers.create', { name: 'busy', host: '10.9.0.1', monitor: false });
    for (let i = 0; i < CHECKS; i += 1) {
      await call(core, 'checks.create', {
        serverId: server.id,
        spec: { type: 'tcp', config: { host: '10.9.0.1', port: 1000 + i } },
        intervalMs: 10_000,
        retries: 0,
      });
    }
    core.health.start();
    await advance(90_000);

    const overview = await call<FleetOverview>(core, 'health.overview', {});
    expect(overview.schedule.late).toBeGreaterThan(0);
    expect(overview.schedule.cause).toEqual({ cap: 'host', host: '10.9.0.1', limit: 4, waiting: expect.any(Number) });
    expect(await lateGauge(core)).toBe(overview.schedule.late);
    const warnings = logLines.filter(
      (line) => line.level === 'warn' && / checks? (is|are) running late: at most 4 at a time may run against 10\.9\.0\.1\.$/.test(line.msg),
    );
    // Once a minute while it lasts, not once per tick.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
    expect(await core.metrics.registry.getSingleMetricAsString('guardian_health_late_runs_total')).toMatch(/guardian_health_late_runs_total [1-9]\d*$/m);

    await call(core, 'monitoring.updateSettings', { maxChecksPerHost: 32 });
    await advance(30_000);
    const after = await call<FleetOverview>(core, 'health.overview', {});
    expect(after.schedule).toEqual({ late: 0, oldestLagMs: 0, cause: null });
    expect(await lateGauge(core)).toBe(0);
    expect(logLines.some((line) => line.level === 'info' && line.msg === 'checks are on time again')).toBe(true);
  });

  it('keeps a fleet within its caps quiet', async () => {
    const core = await start();
    const server = await call<{ id: string }>(core, 'servers.create', { name: 'calm', host: '10.9.0.2', monitor: false });
    for (let i = 0; i < 3; i += 1) {
      await call(core, 'checks.create', {
        serverId: server.id,
        spec: { type: 'tcp', config: { host: '10.9.0.2', port: 2000 + i } },
        intervalMs: 10_000,
        retries: 0,
      });
    }
    core.health.start();
    await advance(60_000);
    expect((await call<FleetOverview>(core, 'health.overview', {})).schedule.late).toBe(0);
    expect(logLines.some((line) => /running late/.test(line.msg))).toBe(false);
  });

  it('lets one server have its own cap: raised, its checks are on time while the host cap stays 4; removed, they are late again', async () => {
    const core = await start();
    const server = await busyServer(core, 'balanced', '10.9.0.3');
    core.health.start();
    await advance(60_000);
    expect((await call<FleetOverview>(core, 'health.overview', {})).schedule.cause).toMatchObject({ cap: 'host', host: '10.9.0.3', limit: 4 });

    const set = await call<{ effective: number }>(core, 'monitoring.setServerLimit', { serverId: server.id, maxChecks: 24 });
    expect(set.effective).toBe(24);
    await advance(30_000);
    expect((await call<FleetOverview>(core, 'health.overview', {})).schedule).toEqual({ late: 0, oldestLagMs: 0, cause: null });
    expect((await call<{ maxChecksPerHost: number }>(core, 'monitoring.settings', {})).maxChecksPerHost).toBe(4);
    expect((await call<{ items: unknown[] }>(core, 'monitoring.serverLimits', {})).items).toEqual([
      { serverId: server.id, serverName: 'balanced', host: '10.9.0.3', maxChecks: 24, updatedAt: expect.any(Number) },
    ]);

    // A cap below the host's: the message names the server's own limit.
    await call(core, 'monitoring.setServerLimit', { serverId: server.id, maxChecks: 2 });
    await advance(60_000);
    expect((await call<FleetOverview>(core, 'health.overview', {})).schedule.cause).toMatchObject({ cap: 'host', host: '10.9.0.3', limit: 2 });

    const removed = await call<{ maxChecks: number | null; effective: number }>(core, 'monitoring.setServerLimit', { serverId: server.id, maxChecks: null });
    expect(removed).toEqual({ serverId: server.id, maxChecks: null, effective: 4 });
    expect((await call<{ items: unknown[] }>(core, 'monitoring.serverLimits', {})).items).toEqual([]);
    await advance(60_000);
    expect((await call<FleetOverview>(core, 'health.overview', {})).schedule.cause).toMatchObject({ cap: 'host', host: '10.9.0.3', limit: 4 });
  });

  it('counts only the runs that were done: a run skipped while late is never counted as up', async () => {
    answer = { status: 'down', latencyMs: null, message: 'refused' };
    const core = await start();
    const server = await busyServer(core, 'failing', '10.9.0.4');
    core.health.start();
    await advance(90_000);

    // 24 checks every 10 s for 90 s were due about 216 times; 4 at a time, 5 s each, did at most 72.
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThan((CHECKS * 90_000) / 10_000 / 2);
    const { series } = await call<{ series: { points: { count: number; failures: number }[] }[] }>(core, 'health.series', { serverId: server.id, range: '1h' });
    const points = series.flatMap((check) => check.points);
    expect(points.reduce((sum, point) => sum + point.count, 0)).toBe(runs);
    expect(points.reduce((sum, point) => sum + point.failures, 0)).toBe(runs);
    const overview = await call<FleetOverview>(core, 'health.overview', {});
    expect(overview.uptime.h24).toBe(0);
  });
});
