import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OperationRun, TargetState } from '@shared/api/operations';
import type { CreatedServer } from '@shared/api/servers';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { DAY_MS } from '../clock';
import { failure, success, useTempCore } from '../testing/harness';
import { OperationStore } from './store';

/**
 * The history's filters (operations.runs) on a real database (SQLite, and PostgreSQL in its
 * project): runs written through the store at known ages, by known callers, with known outcomes,
 * then listed through the router. The filter is the database's, so a run past the newest page is
 * found when it matches.
 */

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const env = useTempCore({ prefix: 'guardian-op-run-filters-', clock: { now: () => NOW }, scope: 'all' });
const CALL = { origin: 'test' };
const VIEWER: Principal = { kind: 'user', id: 'viewer-1', name: 'the viewer', role: 'viewer' };

let core: Core;
const runs = (input: Record<string, unknown>, principal: Principal = LOCAL_OWNER) =>
  core.router.call(principal, 'operations.runs', input, CALL).then((answer) => success<{ items: OperationRun[] }>(answer));
const names = async (input: Record<string, unknown>) => (await runs(input)).items.map((run) => run.command);

interface Planted {
  command: string;
  age: number;
  status?: 'running' | 'finished' | 'cancelled';
  states?: TargetState[];
  runbook?: boolean | { id: string; version: number };
  file?: boolean;
  by?: string;
  /** The targets' servers, one a state; random ids named web-N when not given. */
  on?: { serverId: string; serverName: string }[];
}

const RESTART = randomUUID();
const OTHER_RUNBOOK = randomUUID();
/** Targets of two runs; `gone` is a real server, deleted after its runs (beforeAll). */
const SHARED = { serverId: randomUUID(), serverName: 'db-1' };
let gone: CreatedServer;

/** Writes a run as the service would have, started `age` ago, its targets ended in `states`. */
async function plant({ command, age, status = 'finished', states = ['succeeded'], runbook = false, file = false, by = 'user:owner-1', on }: Planted) {
  const id = randomUUID();
  const createdAt = NOW - age;
  const store = new OperationStore(core.data);
  const servers = on ?? states.map((_state, index) => ({ serverId: randomUUID(), serverName: `web-${index + 1}` }));
  await core.data.transaction(async () => {
    await store.createRun(
      {
        id,
        jobId: randomUUID(),
        command,
        runbook: runbook === false ? null : { name: 'restart', ...(runbook === true ? { id: randomUUID(), version: 1 } : runbook) },
        params: {},
        sudo: false,
        rerunOf: null,
        rolling: null,
        stopReason: null,
        file: file ? { path: '/etc/motd', mode: '0644', owner: null, size: 5, sha256: 'b'.repeat(64), noteId: null } : null,
        selector: { serverIds: servers.map((each) => each.serverId), tags: [], environments: [] },
        concurrency: 10,
        timeoutSeconds: 300,
        status,
        createdBy: by,
        createdAt,
        finishedAt: status === 'running' ? null : createdAt + 2_000,
      },
      servers.map((each) => ({ ...each, address: '127.0.0.1:22', state: 'queued', message: null })),
    );
    if (status === 'running') return;
    for (const [index, each] of servers.entries()) {
      await store.endTarget(id, each.serverId, {
        state: states[index] ?? 'succeeded',
        exitCode: 0,
        message: null,
        startedAt: createdAt + 100,
        finishedAt: createdAt + 1_000,
        output: [],
        outputBytes: 0,
        truncated: false,
        outputSha256: null,
      });
    }
  });
}

beforeAll(async () => {
  core = env.core;
  // Oldest first: the one past the newest page (limit 3 below) is an old failure by the CLI.
  await plant({ command: 'old-failure', age: 40 * DAY_MS, states: ['succeeded', 'failed'], by: 'cli' });
  await plant({ command: 'ok-runbook', age: 5 * DAY_MS, runbook: true });
  await plant({ command: 'skipped-one', age: 4 * DAY_MS, states: ['succeeded', 'skipped'], by: 'apiKey:key-1' });
  await plant({ command: 'pushed', age: 3 * DAY_MS, file: true });
  await plant({ command: 'stopped', age: 2 * DAY_MS, status: 'cancelled', states: ['cancelled'] });
  await plant({ command: 'still-going', age: DAY_MS, status: 'running', runbook: true, by: 'apiKey:key-1' });
});

describe('operations.runs filters', () => {
  it('lists the newest runs without a filter, as before', async () => {
    expect(await names({})).toEqual(['still-going', 'stopped', 'pushed', 'skipped-one', 'ok-runbook', 'old-failure']);
    expect(await names({ limit: 3 })).toEqual(['still-going', 'stopped', 'pushed']);
  });

  it('keeps the runs by how they went: a finished run failed when any target did not succeed', async () => {
    expect(await names({ outcome: 'failed' })).toEqual(['skipped-one', 'old-failure']);
    expect(await names({ outcome: 'succeeded' })).toEqual(['pushed', 'ok-runbook']);
    expect(await names({ outcome: 'running' })).toEqual(['still-going']);
    expect(await names({ outcome: 'cancelled' })).toEqual(['stopped']);
    // Past the newest page: the database filters, not the page.
    expect(await names({ outcome: 'failed', limit: 3 })).toEqual(['skipped-one', 'old-failure']);
  });

  it('keeps the runs by what ran, who started them and since when, the filters together', async () => {
    expect(await names({ kind: 'runbook' })).toEqual(['still-going', 'ok-runbook']);
    expect(await names({ kind: 'push' })).toEqual(['pushed']);
    expect(await names({ kind: 'command' })).toEqual(['stopped', 'skipped-one', 'old-failure']);
    expect(await names({ createdBy: 'apiKey:key-1' })).toEqual(['still-going', 'skipped-one']);
    expect(await names({ createdBy: 'cli' })).toEqual(['old-failure']);
    expect(await names({ since: NOW - 4 * DAY_MS })).toEqual(['still-going', 'stopped', 'pushed', 'skipped-one']);
    expect(await names({ kind: 'command', outcome: 'failed', since: NOW - 30 * DAY_MS })).toEqual(['skipped-one']);
    expect(await names({ createdBy: 'user:nobody' })).toEqual([]);
  });

  it('takes the filters from the query string, refuses values it does not know, and lets every role filter', async () => {
    expect((await runs({ since: String(NOW - 4 * DAY_MS), limit: '2' })).items.map((run) => run.command)).toEqual(['still-going', 'stopped']);
    const refused = failure(await core.router.call(LOCAL_OWNER, 'operations.runs', { outcome: 'broken', kind: 'script' }, CALL));
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.issues?.map((issue) => issue.path.join('.'))).toEqual(['outcome', 'kind']);
    expect((await runs({ outcome: 'failed' }, VIEWER)).items.map((run) => run.command)).toEqual(['skipped-one', 'old-failure']);
  });
});

describe('operations.runs by runbook and by server', () => {
  beforeAll(async () => {
    gone = success<CreatedServer>(await core.router.call(LOCAL_OWNER, 'servers.create', { name: 'gone-1', host: 'gone-1.example.net', monitor: false }, CALL));
    const goneTarget = { serverId: gone.id, serverName: gone.name };
    // Planted after the tests above (this block runs last), older than their runs.
    await plant({ command: 'restart-v1', age: 60 * DAY_MS, runbook: { id: RESTART, version: 1 }, on: [SHARED] });
    await plant({ command: 'restart-v2', age: 59 * DAY_MS, runbook: { id: RESTART, version: 2 }, on: [goneTarget, SHARED], states: ['succeeded', 'failed'] });
    await plant({ command: 'other-runbook', age: 58 * DAY_MS, runbook: { id: OTHER_RUNBOOK, version: 1 }, on: [goneTarget] });
    success(await core.router.call(LOCAL_OWNER, 'servers.delete', { id: gone.id }, CALL));
  });

  it('keeps a runbook’s runs, every version, and nothing for a runbook without runs', async () => {
    expect(await names({ runbookId: RESTART })).toEqual(['restart-v2', 'restart-v1']);
    expect(await names({ runbookId: OTHER_RUNBOOK })).toEqual(['other-runbook']);
    expect(await names({ runbookId: randomUUID() })).toEqual([]);
    expect(await names({ runbookId: RESTART, outcome: 'failed' })).toEqual(['restart-v2']);
  });

  it('keeps the runs that had a server among their targets, a deleted server’s by its id', async () => {
    expect(await names({ serverId: SHARED.serverId })).toEqual(['restart-v2', 'restart-v1']);
    expect(await names({ serverId: gone.id })).toEqual(['other-runbook', 'restart-v2']);
    expect(await names({ serverId: gone.id, runbookId: RESTART })).toEqual(['restart-v2']);
    expect(await names({ serverId: randomUUID() })).toEqual([]);
    // Past the newest page: six newer runs above, the database filters.
    expect(await names({ serverId: SHARED.serverId, limit: 1 })).toEqual(['restart-v2']);
  });

  it('refuses ids that are not ids, as the contract does elsewhere', async () => {
    const refused = failure(await core.router.call(LOCAL_OWNER, 'operations.runs', { runbookId: 'restart', serverId: 'web-1' }, CALL));
    expect(refused.code).toBe('VALIDATION_FAILED');
    expect(refused.issues?.map((issue) => issue.path.join('.'))).toEqual(['runbookId', 'serverId']);
  });
});
