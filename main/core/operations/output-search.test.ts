import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '@shared/api/jobs';
import type { OperationRunWithTargets, OperationsSettings, OutputChunk, OutputMatch, TargetState } from '@shared/api/operations';
import { LOCAL_OWNER, type Principal, type Role } from '@shared/permissions';
import type { Core } from '../app';
import { DAY_MS } from '../clock';
import { failure, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import type { RunRetentionSummary } from './retention';
import { OperationStore } from './store';

/**
 * The record of what ran, on a real database (SQLite, and PostgreSQL in its project): runs and
 * their output written through the store at known ages, then searched through the router as each
 * role, and pruned by the retention job as the service runs it. What a run printed over SSH, with
 * a secret parameter masked, is searched in runbooks.test.ts (the canary).
 */

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
let t = NOW;
const clock = { now: () => t };
const env = useTempCore({ prefix: 'guardian-op-search-', clock, scope: 'all' });
const CALL = { origin: 'test' };
const as = (role: Role): Principal => ({ kind: 'user', id: `${role}-1`, name: `the ${role}`, role });

let core: Core;
const call = async <T>(name: string, input: unknown, principal: Principal = LOCAL_OWNER) => success<T>(await core.router.call(principal, name, input, CALL));
const refusal = async (name: string, input: unknown, principal: Principal = LOCAL_OWNER) => failure(await core.router.call(principal, name, input, CALL));
const search = (input: Record<string, unknown>, principal?: Principal) =>
  call<{ items: OutputMatch[]; more: boolean }>('operations.searchOutput', input, principal);

interface PlantedTarget {
  serverId: string;
  serverName: string;
  state?: TargetState;
  output?: OutputChunk[];
  truncated?: boolean;
}

/** Writes a run and its targets' stored output as the service would have, started `age` ago. */
async function plant(
  age: number,
  command: string,
  targets: PlantedTarget[],
  more: { status?: 'running' | 'finished'; runbook?: { id: string; name: string; version: number } } = {},
) {
  const id = randomUUID();
  const createdAt = NOW - age;
  const running = more.status === 'running';
  const store = new OperationStore(core.data);
  await core.data.transaction(async () => {
    await store.createRun(
      {
        id,
        jobId: randomUUID(),
        command,
        runbook: more.runbook ?? null,
        params: {},
        sudo: false,
        rerunOf: null,
        rolling: null,
        stopReason: null,
        file: null,
        selector: { serverIds: targets.map((each) => each.serverId), tags: [], environments: [] },
        concurrency: 10,
        timeoutSeconds: 300,
        status: running ? 'running' : 'finished',
        createdBy: 'user:owner-1',
        createdAt,
        finishedAt: running ? null : createdAt + 2_000,
      },
      targets.map((each) => ({ serverId: each.serverId, serverName: each.serverName, address: '127.0.0.1:22', state: 'queued', message: null })),
    );
    for (const each of targets) {
      if (running) continue;
      const output = each.output ?? [];
      await store.endTarget(id, each.serverId, {
        state: each.state ?? 'succeeded',
        exitCode: 0,
        message: null,
        startedAt: createdAt + 100,
        finishedAt: createdAt + 1_000,
        output,
        outputBytes: output.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.text), 0),
        truncated: each.truncated ?? false,
        outputSha256: 'a'.repeat(64),
      });
    }
  });
  return id;
}

const WEB1 = { serverId: randomUUID(), serverName: 'web-1' };
const WEB2 = { serverId: randomUUID(), serverName: 'web-2' };
const DB1 = { serverId: randomUUID(), serverName: 'db-1' };
const chunk = (at: number, stream: 'stdout' | 'stderr', text: string): OutputChunk => ({ t: at, stream, text });
const runs = { old: '', recent: '', cut: '' };

beforeAll(async () => {
  core = env.core;
  const tenDays = NOW - 10 * DAY_MS;
  runs.old = await plant(10 * DAY_MS, 'rsync -a /srv/ backup:/srv/', [
    {
      ...WEB1,
      state: 'failed',
      // Printed in two reads, split inside the words: found across the seam.
      output: [
        chunk(tenDays + 200, 'stdout', 'sending incremental file list\n'),
        chunk(tenDays + 300, 'stderr', 'rsync: Permiss'),
        chunk(tenDays + 301, 'stderr', 'ion Denied (publickey).\nrsync error\n'),
      ],
    },
    { ...WEB2, output: [chunk(tenDays + 200, 'stdout', 'sent 12 bytes\n')] },
  ]);
  const twoDays = NOW - 2 * DAY_MS;
  runs.recent = await plant(
    2 * DAY_MS,
    'sh -c "$SCRIPT"',
    [
      { ...WEB1, output: [chunk(twoDays + 200, 'stdout', `${'x'.repeat(100)} permission denied here ${'y'.repeat(100)}\nnext line\n`)] },
      { ...DB1, output: [chunk(twoDays + 200, 'stdout', 'ok\n')] },
    ],
    { runbook: { id: randomUUID(), name: 'check-perms', version: 3 } },
  );
  // Cut at the cap: Guardian's own marker is the last chunk, and is not what the host printed.
  runs.cut = await plant(5 * DAY_MS, 'yes', [
    {
      ...DB1,
      truncated: true,
      output: [
        chunk(NOW - 5 * DAY_MS + 200, 'stdout', 'y\ny\n'),
        chunk(NOW - 5 * DAY_MS + 300, 'stderr', '\n[guardian: output cut here; 9 more bytes were printed and not stored]\n'),
      ],
    },
  ]);
});

describe('searching output', () => {
  it('finds the targets that printed a text in any case, newest run first, with their line around the first match', async () => {
    const found = await search({ text: 'PERMISSION denied' });
    expect(found.more).toBe(false);
    expect(found.items).toEqual([
      {
        runId: runs.recent,
        command: 'sh -c "$SCRIPT"',
        runbook: { id: expect.any(String), name: 'check-perms', version: 3 },
        runCreatedAt: NOW - 2 * DAY_MS,
        serverId: WEB1.serverId,
        serverName: 'web-1',
        state: 'succeeded',
        finishedAt: NOW - 2 * DAY_MS + 1_000,
        stream: 'stdout',
        printedAt: NOW - 2 * DAY_MS + 200,
        // 60 characters each side at most, and never past the line.
        excerpt: { before: `${'x'.repeat(59)} `, match: 'permission denied', after: ` here ${'y'.repeat(54)}` },
      },
      {
        runId: runs.old,
        command: 'rsync -a /srv/ backup:/srv/',
        runbook: null,
        runCreatedAt: NOW - 10 * DAY_MS,
        serverId: WEB1.serverId,
        serverName: 'web-1',
        state: 'failed',
        finishedAt: NOW - 10 * DAY_MS + 1_000,
        stream: 'stderr',
        printedAt: NOW - 10 * DAY_MS + 300,
        excerpt: { before: 'rsync: ', match: 'Permission Denied', after: ' (publickey).' },
      },
    ]);
  });

  it('finds nothing where nothing matches, and never in Guardian’s cut marker', async () => {
    expect(await search({ text: 'no such words anywhere' })).toEqual({ items: [], more: false });
    expect(await search({ text: 'output cut here' })).toEqual({ items: [], more: false });
    // A pattern's characters are text: "." is a dot.
    expect((await search({ text: 'sent.12' })).items).toEqual([]);
    expect((await search({ text: 'y\ny' })).items.map((item) => [item.runId, item.serverName])).toEqual([[runs.cut, 'db-1']]);
  });

  it('keeps to the runs started since and until, the servers named, and the limit', async () => {
    const runIds = async (input: Record<string, unknown>) => (await search({ text: 'permission denied', ...input })).items.map((item) => item.runId);
    expect(await runIds({ since: NOW - 5 * DAY_MS })).toEqual([runs.recent]);
    expect(await runIds({ until: NOW - 5 * DAY_MS })).toEqual([runs.old]);
    expect(await runIds({ since: NOW - 10 * DAY_MS, until: NOW - 10 * DAY_MS + 1 })).toEqual([runs.old]);
    expect(await runIds({ since: NOW - 10 * DAY_MS + 1, until: NOW - 2 * DAY_MS })).toEqual([]);
    expect(await runIds({ serverIds: [WEB2.serverId, DB1.serverId] })).toEqual([]);
    expect((await search({ text: 'S', serverIds: [WEB2.serverId] })).items.map((item) => item.excerpt.match)).toEqual(['s']);
    expect(await search({ text: 'permission denied', limit: 1 })).toMatchObject({ items: [{ runId: runs.recent }], more: true });
    // The query string's form, as HTTP hands it over.
    expect(await runIds({ since: String(NOW - 5 * DAY_MS), serverIds: WEB1.serverId })).toEqual([runs.recent]);
  });

  it('reads page after page in the same order on both engines, and stops at the limit saying there is more', async () => {
    // 3 runs of 15 targets: past the 16 targets a page reads, across runs started in the same millisecond.
    const servers = Array.from({ length: 15 }, (_, i) => ({ serverId: `paged-${String(i).padStart(2, '0')}`, serverName: `paged-${i}` }));
    const planted: string[] = [];
    for (const age of [4 * DAY_MS, 4 * DAY_MS, 4 * DAY_MS + 1]) {
      planted.push(
        await plant(
          age,
          'paged',
          servers.map((each) => ({ ...each, output: [chunk(NOW - age, 'stdout', `a paged line from ${each.serverName}\n`)] })),
        ),
      );
    }
    const newestFirst = [...planted.slice(0, 2).sort().reverse(), planted[2]];
    const expected = newestFirst.flatMap((runId) => [...servers].reverse().map((each) => [runId, each.serverId]));
    const all = await search({ text: 'A PAGED LINE' });
    expect(all.items.map((item) => [item.runId, item.serverId])).toEqual(expected);
    expect(all.more).toBe(false);
    const first = await search({ text: 'A PAGED LINE', limit: 20 });
    expect(first.items.map((item) => [item.runId, item.serverId])).toEqual(expected.slice(0, 20));
    expect(first.more).toBe(true);
  });

  it('refuses a search it cannot answer, field by field', async () => {
    const empty = await refusal('operations.searchOutput', { text: '   ' });
    expect(empty).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['text'], message: 'Enter the text to look for' }] });
    const long = await refusal('operations.searchOutput', { text: 'a'.repeat(201) });
    expect(long.issues).toEqual([{ path: ['text'], message: 'Search for at most 200 characters' }]);
    const backwards = await refusal('operations.searchOutput', { text: 'a', since: NOW, until: NOW - 1 });
    expect(backwards.issues).toEqual([{ path: ['until'], message: 'since must be before until' }]);
  });

  it('answers owners, admins and auditors, and refuses operators and viewers, who may not read output', async () => {
    const owner = await search({ text: 'permission denied' });
    for (const role of ['admin', 'auditor'] as const) expect(await search({ text: 'permission denied' }, as(role)), role).toEqual(owner);
    for (const role of ['operator', 'viewer'] as const) {
      const refused = await refusal('operations.searchOutput', { text: 'permission denied' }, as(role));
      expect(refused.code, role).toBe('PERMISSION_DENIED');
    }
  });
});

describe('how long runs are kept', () => {
  it('keeps runs 90 days unless an owner or admin says otherwise, within bounds, and announces a change', async () => {
    expect(await call<OperationsSettings>('operations.settings', {}, as('viewer'))).toEqual({ runRetentionDays: 90 });
    expect((await refusal('operations.updateSettings', { runRetentionDays: 0 })).issues).toEqual([
      { path: ['runRetentionDays'], message: 'Keep runs at least 1 day' },
    ]);
    expect((await refusal('operations.updateSettings', { runRetentionDays: 3_651 })).issues).toEqual([
      { path: ['runRetentionDays'], message: 'Keep runs at most 3,650 days (ten years)' },
    ]);
    expect((await refusal('operations.updateSettings', { runRetentionDays: 30 }, as('auditor'))).code).toBe('PERMISSION_DENIED');
    const heard: unknown[] = [];
    const stop = core.events.subscribe((name, payload) => {
      if (name === 'operations.settingsChanged') heard.push(payload);
    });
    expect(await call('operations.updateSettings', { runRetentionDays: 30 })).toEqual({ runRetentionDays: 30 });
    stop();
    expect(heard).toEqual([{ change: 'updated', ids: [] }]);
    expect(await call('operations.settings', {})).toEqual({ runRetentionDays: 30 });
    await call('operations.updateSettings', { runRetentionDays: 90 });
  });

  it('removes finished runs older than the period with their output, never one still running, and keeps their audit events', async () => {
    const server = await call<{ id: string }>('servers.create', { name: 'no-credential', host: '127.0.0.1', port: 9, monitor: false });
    // A real run 100 days ago (it fails at once: no credential is linked), with its audit events.
    t = NOW - 100 * DAY_MS;
    const started = await call<OperationRunWithTargets>('operations.run', { command: 'uptime', targets: { serverIds: [server.id] } });
    await core.operations.waitFor(started.id);
    const audited = () => rowsOf(core).all<{ action: string }>('SELECT action FROM audit_events WHERE target LIKE ? ORDER BY seq', `operation:${started.id}%`);
    const events = await audited();
    expect(events.map((event) => event.action)).toContain('operation.target');
    t = NOW;
    const oldRunning = await plant(100 * DAY_MS, 'sleep 1000000', [WEB1], { status: 'running' });
    const oldPrinted = await plant(91 * DAY_MS, 'echo permission denied', [{ ...WEB2, output: [chunk(NOW - 91 * DAY_MS, 'stdout', 'permission denied\n')] }]);
    const justKept = await plant(89 * DAY_MS, 'true', [DB1]);
    // More targets than one turn removes (64): the run goes once its last target has.
    const big = await plant(
      95 * DAY_MS,
      'uptime',
      Array.from({ length: 130 }, (_, i) => ({ serverId: `big-${i}`, serverName: `big-${i}` })),
    );

    const job = await core.jobs.waitFor((await core.operations.runRetention()).id);
    expect(job).toMatchObject({ kind: 'operations.retention', status: 'succeeded', createdBy: 'system:operations' } satisfies Partial<Job>);
    expect(job.result).toEqual({ kind: 'operations.retention', runsRemoved: 3, targetsRemoved: 132, recordingsRemoved: 0 } satisfies RunRetentionSummary);
    for (const id of [started.id, oldPrinted, big]) expect((await refusal('operations.get', { id })).code).toBe('NOT_FOUND');
    expect(await rowsOf(core).value('SELECT count(*) FROM operation_targets WHERE run_id IN (?, ?, ?)', started.id, oldPrinted, big)).toEqual(0);
    expect((await call<OperationRunWithTargets>('operations.get', { id: oldRunning })).status).toBe('running');
    expect((await call<OperationRunWithTargets>('operations.get', { id: justKept })).status).toBe('finished');
    expect((await search({ text: 'permission denied' })).items.map((item) => item.runId)).toEqual([runs.recent, runs.old]);
    // The audit log still says what ran and the output's hash.
    expect(await audited()).toEqual(events);

    // A shorter period takes the newer runs too, the running one still not.
    await call('operations.updateSettings', { runRetentionDays: 3 });
    const again = await core.jobs.waitFor((await core.operations.runRetention('user:owner-1')).id);
    // The 89-day run, the 10-day one, the cut one and the three paged ones (45 targets).
    expect(again.result).toEqual({ kind: 'operations.retention', runsRemoved: 6, targetsRemoved: 49, recordingsRemoved: 0 } satisfies RunRetentionSummary);
    expect((await call<{ items: { id: string }[] }>('operations.runs', {})).items.map((run) => run.id).sort()).toEqual([oldRunning, runs.recent].sort());
  });
});

describe('how output is kept', () => {
  it('keeps a target’s output gzip-compressed, never in clear in its row, and reads it back and searches it as printed', async () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `2026-12-07T12:00:${String(i % 60).padStart(2, '0')}Z nginx[${1000 + (i % 7)}]: GET /health 200 0.00${i % 10}s\n`,
    );
    const printed = [chunk(NOW + 1, 'stdout', lines.join('')), chunk(NOW + 2, 'stderr', 'warning: zeppelin-cache-marker-7 is stale\n')];
    const HOST = { serverId: randomUUID(), serverName: 'log-1' };
    const id = await plant(60_000, 'journalctl -u nginx', [{ ...HOST, output: printed }]);

    const row = await rowsOf(core).get<{ output: unknown; output_gz: Buffer }>('SELECT output, output_gz FROM operation_targets WHERE run_id = ?', id);
    const json = Buffer.byteLength(JSON.stringify(printed));
    expect(Buffer.isBuffer(row?.output_gz)).toBe(true);
    // Measured: about 190 KB of log lines as JSON keep in a few KB.
    expect(row?.output_gz.length).toBeLessThan(json / 10);
    expect(JSON.stringify(row)).not.toContain('zeppelin-cache-marker-7');
    expect(await call<{ chunks: OutputChunk[] }>('operations.output', { id, serverId: HOST.serverId })).toMatchObject({ chunks: printed });
    expect((await search({ text: 'ZEPPELIN-cache' })).items.map((item) => [item.runId, item.excerpt.match])).toEqual([[id, 'zeppelin-cache']]);

    // A target kept before output was compressed (JSON, no compressed copy) is read and searched the same.
    await rowsOf(core).run('UPDATE operation_targets SET output = ?, output_gz = NULL WHERE run_id = ?', JSON.stringify(printed), id);
    expect(await call<{ chunks: OutputChunk[] }>('operations.output', { id, serverId: HOST.serverId })).toMatchObject({ chunks: printed });
    expect((await search({ text: 'zeppelin-cache' })).items.map((item) => item.runId)).toEqual([id]);
  });
});
