import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { MonitoringSettings } from '@shared/api/monitoring';
import type { Job } from '@shared/api/jobs';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { failure, success, useTempCore } from '../testing/harness';
import type { CheckStatus } from './check';
import { pruneHealth, type RetentionSummary } from './retention';
import { ResultStore } from './store/results';
import { DAY_MS, HOUR_MS } from '../clock';
import { rowsOf } from '../testing/rows';

/**
 * Retention on a real database (SQLite or PostgreSQL): results and rollups written by the recorder at known ages,
 * then the retention job run as the service runs it, and what is left is what the settings say
 * to keep. The job shows in the job list with what it removed, and it never holds the event loop
 * for the whole prune.
 */

/** 12:30 UTC, so "7 days ago" and a millisecond before it fall in the same hour. */
const NOW = Date.UTC(2026, 5, 15, 12, 30, 0);

let t = NOW;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-retention-', clock });

const CALL = { origin: 'test' };
const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));

async function serverWithCheck(core: Core, name: string): Promise<Check> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, monitor: false });
  return call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
}

/** Records one result of `check` at `at`, the clock set there (as if the engine had run then). */
async function recordAt(core: Core, check: Check, at: number, status: CheckStatus = 'up'): Promise<void> {
  t = at;
  await core.health.recorder.record([
    {
      checkId: check.id,
      serverId: check.serverId,
      result: { status, latencyMs: status === 'down' ? null : 5, message: status },
      attempts: 1,
      dueAt: at,
      startedAt: at,
      finishedAt: at,
      lagMs: 0,
    },
  ]);
}

const ago = (ms: number) => NOW - ms;
const seqOf = (core: Core, check: Check) => core.health.registry.get(check.id).seq;

async function resultTimes(core: Core, check: Check): Promise<number[]> {
  const rows = await rowsOf(core).all<{ at: number }>('SELECT at FROM health_results WHERE check_seq = ? ORDER BY at', seqOf(core, check));
  return rows.map((row) => NOW - row.at);
}

function rollupStarts(core: Core, check: Check): Promise<{ period: number; start: number }[]> {
  return rowsOf(core).all('SELECT period, start FROM health_rollups WHERE check_seq = ? ORDER BY period, start', seqOf(core, check));
}

async function runRetention(core: Core): Promise<Job> {
  const job = await core.health.runRetention();
  return core.jobs.waitFor(job.id);
}

describe('health retention', () => {
  it('removes raw results past the raw retention, rollups and resolved incidents past the rollup retention, and keeps the rest', async () => {
    const core = env.core;
    const web = await serverWithCheck(core, 'web-1');
    const gone = await serverWithCheck(core, 'gone-1');
    const stillDown = await serverWithCheck(core, 'down-1');
    const recent = await serverWithCheck(core, 'recent-1');

    // Oldest first, as the engine would have written them.
    await recordAt(core, web, ago(400 * DAY_MS));
    await recordAt(core, gone, ago(400 * DAY_MS), 'down'); // incident opens...
    await recordAt(core, stillDown, ago(400 * DAY_MS), 'down'); // ...and this one never ends
    await recordAt(core, gone, ago(399 * DAY_MS)); // ...resolved 399 days ago: past the 396-day rollup retention
    await recordAt(core, web, ago(395 * DAY_MS));
    await recordAt(core, recent, ago(395 * DAY_MS + HOUR_MS), 'down');
    await recordAt(core, recent, ago(395 * DAY_MS)); // resolved 395 days ago: kept with the rollups
    for (const age of [8 * DAY_MS, 7 * DAY_MS + 1, 7 * DAY_MS, 6 * DAY_MS, HOUR_MS]) await recordAt(core, web, ago(age));
    t = NOW;
    const before = (await call<{ items: Incident[] }>(core, 'incidents.list', {})).items;
    expect(before.map((i) => [i.serverName, i.endedAt === null])).toEqual([
      ['down-1', true],
      ['recent-1', false],
      ['gone-1', false],
    ]);

    const job = await runRetention(core);
    expect(job).toMatchObject({ kind: 'health.retention', status: 'succeeded', done: 4, total: 4, createdBy: 'system:health' });
    // Raw: web's 400 d, 395 d, 8 d and 7 d + 1 ms; gone's 2; down's 1; recent's 2.
    // Rollups: the hour and day rows of 400 d (web, gone, down) and 399 d (gone).
    expect(job.result).toEqual({ kind: 'health.retention', checks: 4, resultsRemoved: 9, rollupsRemoved: 8, incidentsRemoved: 1 } satisfies RetentionSummary);

    expect(await resultTimes(core, web)).toEqual([7 * DAY_MS, 6 * DAY_MS, HOUR_MS]);
    const rollupBefore = ago(396 * DAY_MS);
    for (const check of [web, gone, stillDown, recent]) expect((await rollupStarts(core, check)).filter((r) => r.start < rollupBefore)).toEqual([]);
    expect(await rollupStarts(core, web)).toHaveLength(2 + 2 * 4); // 395 d's hour and day; the last 8 days' 4 hours (7 d and 7 d + 1 ms share one) and 4 days
    expect(await rollupStarts(core, recent)).toHaveLength(3); // two hours, one day

    const after = (await call<{ items: Incident[] }>(core, 'incidents.list', {})).items;
    expect(after.map((i) => [i.serverName, i.endedAt === null])).toEqual([
      ['down-1', true],
      ['recent-1', false],
    ]);
  });

  it('shows in the job list as health.retention with what it removed', async () => {
    const core = env.core;
    const web = await serverWithCheck(core, 'web-1');
    await recordAt(core, web, ago(10 * DAY_MS));
    await recordAt(core, web, ago(DAY_MS));
    t = NOW;
    const started = await core.health.runRetention();
    expect(started).toMatchObject({ kind: 'health.retention', title: 'Prune old health results', status: 'queued' });
    await core.jobs.waitFor(started.id);

    const { items } = await call<{ items: Job[] }>(core, 'jobs.list', {});
    expect(items.filter((job) => job.kind === 'health.retention')).toEqual([
      expect.objectContaining({
        id: started.id,
        status: 'succeeded',
        error: null,
        result: { kind: 'health.retention', checks: 1, resultsRemoved: 1, rollupsRemoved: 0, incidentsRemoved: 0 },
      }),
    ]);
  });

  it('lets the event loop run while it prunes a few thousand checks', async () => {
    const core = env.core;
    const web = await serverWithCheck(core, 'web-1');
    const CHECKS = 3_000;
    const rows = rowsOf(core);
    // Planted in one transaction, 500 checks a statement (`paused` false on both engines), then two results each.
    await core.data.transaction(async () => {
      const numbers = Array.from({ length: CHECKS - 1 }, (_, i) => i + 1);
      for (let from = 0; from < numbers.length; from += 500) {
        const chunk = numbers.slice(from, from + 500);
        await rows.run(
          `INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at)
           VALUES ${chunk.map(() => `(?, ?, ?, 'tcp', '{"host":"10.0.0.1","port":443}', 60000, 10000, 0, 1, 1 = 0, ?, ?)`).join(', ')}`,
          ...chunk.flatMap((i) => [randomUUID(), web.serverId, `tcp ${i}`, NOW, NOW]),
        );
      }
      for (const at of [ago(30 * DAY_MS), ago(HOUR_MS)]) {
        await rows.run('INSERT INTO health_results (check_seq, at, status) SELECT seq, ?, 0 FROM checks WHERE id <> ?', at, web.id);
      }
    });

    const job = await core.health.runRetention();
    // Something else that wants the loop: a request, a tick. It counts the turns it got mid-prune.
    let turnsWhileRunning = 0;
    let watching = true;
    const watch = async () => {
      if (!watching) return;
      if ((await core.jobs.get(job.id)).status === 'running') turnsWhileRunning += 1;
      setImmediate(() => void watch());
    };
    setImmediate(() => void watch());
    const finished = await core.jobs.waitFor(job.id);
    watching = false;

    expect(finished.result).toMatchObject({ checks: CHECKS, resultsRemoved: CHECKS - 1 });
    // It yields every 20 checks: about 150 turns for 3,000 checks; a prune that held the loop would allow none.
    expect(turnsWhileRunning).toBeGreaterThanOrEqual(50);
  });

  it('keeps what monitoring.updateSettings says to keep', async () => {
    const core = env.core;
    const web = await serverWithCheck(core, 'web-1');
    for (const age of [40 * DAY_MS, 31 * DAY_MS, 3 * DAY_MS, DAY_MS]) await recordAt(core, web, ago(age));
    t = NOW;

    const first = await runRetention(core);
    expect(first.result).toMatchObject({ resultsRemoved: 2, rollupsRemoved: 0 }); // the defaults: 7 days raw, 396 days of rollups

    const settings = await call<MonitoringSettings>(core, 'monitoring.updateSettings', { rawRetentionDays: 2, rollupRetentionDays: 35 });
    expect(settings).toMatchObject({ rawRetentionDays: 2, rollupRetentionDays: 35 });
    expect(await call<MonitoringSettings>(core, 'monitoring.settings', {})).toEqual(settings);
    const second = await runRetention(core);
    expect(second.result).toMatchObject({ resultsRemoved: 1, rollupsRemoved: 2 }); // the 3-day result; the 40-day hour and day
    expect(await resultTimes(core, web)).toEqual([DAY_MS]);
    expect((await rollupStarts(core, web)).every((r) => r.start >= ago(35 * DAY_MS))).toBe(true);
    expect(await rollupStarts(core, web)).toHaveLength(6); // 31 d, 3 d and 1 d: an hour and a day each

    const refused = failure(await core.router.call(LOCAL_OWNER, 'monitoring.updateSettings', { rawRetentionDays: 0 }, CALL));
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect((await call<MonitoringSettings>(core, 'monitoring.settings', {})).rawRetentionDays).toBe(2);
  });

  it('stops between checks when cancelled, keeping what it already removed', async () => {
    const core = env.core;
    const checks = [await serverWithCheck(core, 'web-1'), await serverWithCheck(core, 'web-2')];
    for (const check of checks) await recordAt(core, check, ago(30 * DAY_MS));
    t = NOW;
    const controller = new AbortController();
    let progressed = 0;
    const summary = await pruneHealth({ db: core.data, store: new ResultStore(core.data) }, { rawRetentionDays: 7, rollupRetentionDays: 396 }, NOW, {
      signal: controller.signal,
      progress: (done) => {
        progressed = done;
        if (done === 1) controller.abort();
      },
    });
    expect(progressed).toBe(1);
    expect(summary).toMatchObject({ checks: 2, resultsRemoved: 1 });
    expect(await Promise.all(checks.map(async (check) => (await resultTimes(core, check)).length))).toEqual([0, 1]);
  });
});
