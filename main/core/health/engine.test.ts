import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { FleetOverview, ServerHealth } from '@shared/api/health';
import type { Incident } from '@shared/api/incidents';
import type { MonitoringSettings } from '@shared/api/monitoring';
import type { EventName } from '@shared/api';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { failure, success, tempCore, type TempCore } from '../testing/harness';
import { Peers } from './checks/testing/peers';
import { FakeTime } from '../testing/fake-time';
import { rowsOf } from '../testing/rows';

/**
 * The engine end to end on a real core and a real SQLite file: checks against real TCP peers on
 * 127.0.0.1, run with "check now" through the running scheduler, results written per tick, server
 * status, incidents opened and resolved, events sent.
 */

let env: TempCore;
let peers: Peers;

beforeEach(async () => {
  env = await tempCore({ prefix: 'guardian-engine-', health: { tickMs: 20, backoffMs: 10 } });
  peers = new Peers();
});
afterEach(async () => {
  await env.close();
  await peers.closeAll();
});

const call = <T>(core: Core, name: string, input: unknown) => core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }).then((r) => success<T>(r));

function recordEvents(core: Core): { name: EventName; payload: unknown }[] {
  const seen: { name: EventName; payload: unknown }[] = [];
  core.events.subscribe((name, payload) => seen.push({ name, payload }));
  return seen;
}

async function listening(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  const port = await peers.listen(server);
  return { port, server };
}

async function setup(core: Core, port: number, extra: Record<string, unknown> = {}) {
  const server = await call<{ id: string }>(core, 'servers.create', { name: 'web-1', host: '127.0.0.1', port, tags: ['edge'], monitor: false });
  const check = await call<Check>(core, 'checks.create', {
    serverId: server.id,
    name: 'port open',
    spec: { type: 'tcp', config: { host: '127.0.0.1', port } },
    intervalMs: 60_000,
    retries: 0,
    confirmAfter: 1,
    ...extra,
  });
  return { serverId: server.id, check };
}

/** Another process on the same data: the same data dir, and on PostgreSQL the test core's database. */
const sameDatabase = () => (env.databaseUrl ? { database: { url: env.databaseUrl, source: 'environment' as const } } : {});

/** Runs `work` on a core of its own on the same data (the CLI beside the running one), closed after it. */
async function inAnotherProcess<T>(work: (cli: Core) => Promise<T>): Promise<T> {
  const { createCore } = await import('../app');
  const { silentLogger } = await import('../logging/logger');
  const cli = await createCore({ dataDir: env.dataDir, logger: silentLogger(), mode: 'headless', ...sameDatabase() });
  try {
    return await work(cli);
  } finally {
    await cli.close();
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 3000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the health engine', () => {
  it('runs a check now, records it, and derives the server status', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { serverId, check } = await setup(core, port);
    core.health.start();
    const seen = recordEvents(core);

    const result = await call<{ status: string; latencyMs: number; message: string }>(core, 'checks.run', { id: check.id });
    expect(result.status).toBe('up');
    expect(result.message).toContain(`127.0.0.1:${port}`);

    const health = await call<ServerHealth>(core, 'health.server', { id: serverId });
    expect(health.status).toBe('up');
    expect(health.checks[0]).toMatchObject({ state: 'up', lastStatus: 'up', lastMessage: result.message });
    expect(health.uptime.h24).toBe(1);

    expect(Number(await rowsOf(core).value('SELECT count(*) AS n FROM health_results'))).toBe(1);
    const batch = await waitFor('a check.result event', () => seen.find((e) => e.name === 'check.result'));
    expect(batch.payload).toMatchObject({ results: [{ checkId: check.id, serverId, status: 'up', state: 'up' }] });
    expect(seen).toContainEqual({ name: 'server.status', payload: expect.objectContaining({ serverId, from: 'unknown', to: 'up' }) });
  });

  it('runs a check saved while polling at once, not somewhere in its interval: its state is known seconds after saving', async () => {
    const core = await env.start();
    const { port } = await listening();
    core.health.start();
    const seen = recordEvents(core);
    // An hour's interval: the first 10 % of it would be up to 6 minutes of "waiting for its first result".
    const { serverId, check } = await setup(core, port, { intervalMs: 3_600_000 });

    const first = await waitFor('the first result', () => seen.find((e) => e.name === 'check.result'), 2000);
    expect(first.payload).toMatchObject({ results: [{ checkId: check.id, status: 'up', state: 'up' }] });
    const saved = await call<Check>(core, 'checks.get', { id: check.id });
    expect(saved).toMatchObject({ state: 'up', lastStatus: 'up' });
    expect(seen).toContainEqual({ name: 'server.status', payload: expect.objectContaining({ serverId, to: 'up' }) });
  });

  it('announces a pause made after Guardian started again and read another process’s writes, the first change it sees of that server', async () => {
    const first = await env.start();
    const { port, server } = await listening();
    const { serverId, check } = await setup(first, port);
    first.health.start();
    await call(first, 'checks.run', { id: check.id });
    // Its target stops: the server is down (an incident open) when Guardian stops.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await peers.closeAll();
    await call(first, 'checks.run', { id: check.id });

    // The same data dir opened again, as after a restart, and written by another process (the
    // CLI), which the engine reads again; the server is then paused.
    const again = await env.restart();
    again.health.start();
    await inAnotherProcess((cli) => call(cli, 'servers.create', { name: 'from-the-cli', host: '127.0.0.1', monitor: false }));
    await waitFor('the engine to read the outside change', () => again.health.registry.servers().size === 2, 5000);
    const seen = recordEvents(again);
    await call(again, 'checks.pause', { id: check.id });
    await again.health.engine.settled();
    expect(seen).toContainEqual({ name: 'server.status', payload: expect.objectContaining({ serverId, from: 'down', to: 'paused' }) });
  });

  it('opens an incident when the target goes down, with the cause, and resolves it when it is back', async () => {
    const core = await env.start();
    const { port, server } = await listening();
    const { serverId, check } = await setup(core, port);
    core.health.start();
    const seen = recordEvents(core);
    await call(core, 'checks.run', { id: check.id });

    await new Promise<void>((resolve) => server.close(() => resolve()));
    await peers.closeAll();
    const down = await call<{ status: string; message: string }>(core, 'checks.run', { id: check.id });
    expect(down).toMatchObject({ status: 'down', message: `connection refused on 127.0.0.1:${port}` });

    const open = await call<{ items: Incident[] }>(core, 'incidents.list', { open: true });
    expect(open.items).toHaveLength(1);
    expect(open.items[0]).toMatchObject({ serverId, serverName: 'web-1', severity: 'down', endedAt: null });
    expect(open.items[0]?.cause).toContain(`connection refused on 127.0.0.1:${port}`);
    expect(seen.map((e) => e.name)).toContain('incident.opened');

    const acknowledged = await call<Incident>(core, 'incidents.acknowledge', { id: open.items[0]?.id, note: 'on it' });
    expect(acknowledged).toMatchObject({ note: 'on it', acknowledgedBy: 'local owner' });
    expect(failure(await core.router.call(LOCAL_OWNER, 'incidents.acknowledge', { id: open.items[0]?.id }, { origin: 'test' })).code).toBe('CONFLICT');

    // The same port again: the target is back.
    const again = createServer();
    await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', resolve));
    try {
      expect((await call<{ status: string }>(core, 'checks.run', { id: check.id })).status).toBe('up');
    } finally {
      await new Promise<void>((resolve) => again.close(() => resolve()));
    }
    const incident = await call<Incident & { results: { status: string }[] }>(core, 'incidents.get', { id: open.items[0]?.id });
    expect(incident.endedAt).not.toBeNull();
    expect(incident.durationMs).toBe((incident.endedAt ?? 0) - incident.startedAt);
    expect(incident.results.map((r) => r.status)).toEqual(['up', 'down', 'up']);
    expect(seen.map((e) => e.name)).toContain('incident.resolved');

    const health = await call<ServerHealth>(core, 'health.server', { id: serverId });
    expect(health.uptime.h24).toBeCloseTo(2 / 3, 10);
  });

  it('holds incidents back during a maintenance window, marking the results, while the check keeps running', async () => {
    const core = await env.start();
    const port = await (await import('./checks/testing/peers')).closedPort();
    const { serverId, check } = await setup(core, port);
    await call(core, 'maintenance.create', {
      name: 'patch night',
      scope: { tags: ['edge'] },
      schedule: { kind: 'once', startsAt: Date.now() - 1000, endsAt: Date.now() + 60_000 },
    });
    core.health.start();
    expect((await call<{ status: string }>(core, 'checks.run', { id: check.id })).status).toBe('down');

    expect((await call<{ items: Incident[] }>(core, 'incidents.list', {})).items).toEqual([]);
    const health = await call<ServerHealth>(core, 'health.server', { id: serverId });
    expect(health.status).toBe('down');
    expect(health.maintenance[0]).toMatchObject({ name: 'patch night', active: true });
    // Muted results do not count against uptime.
    expect(health.uptime.h24).toBeNull();
    const muted = await rowsOf(core).all('SELECT muted FROM health_results');
    expect(muted).toEqual([{ muted: 1 }]);
  });

  it('runs a check directly when the engine is not polling (the CLI), and pauses and resumes', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { serverId, check } = await setup(core, port);
    expect((await call<{ status: string }>(core, 'checks.run', { id: check.id })).status).toBe('up');
    expect((await call<Check>(core, 'checks.get', { id: check.id })).state).toBe('up');

    expect(await call(core, 'checks.pause', { serverId })).toEqual({ ids: [check.id] });
    expect((await call<Check>(core, 'checks.get', { id: check.id })).state).toBe('paused');
    expect((await call<ServerHealth>(core, 'health.server', { id: serverId })).status).toBe('paused');
    expect(await call(core, 'checks.resume', { id: check.id })).toEqual({ ids: [check.id] });
    expect((await call<Check>(core, 'checks.get', { id: check.id })).state).toBe('unknown');
  });

  it('tests a check without saving it', async () => {
    const core = await env.start();
    const { port } = await listening();
    const result = await call<{ status: string }>(core, 'checks.test', { spec: { type: 'tcp', config: { host: '127.0.0.1', port } } });
    expect(result.status).toBe('up');
    expect((await call<{ items: unknown[] }>(core, 'checks.list', {})).items).toEqual([]);
  });

  it('refuses a config with unknown fields, a changed type and a server that does not exist', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { check } = await setup(core, port);
    const typo = failure(
      await core.router.call(
        LOCAL_OWNER,
        'checks.create',
        { serverId: check.serverId, spec: { type: 'tcp', config: { host: 'a', port: 1, prot: 2 } } },
        { origin: 'test' },
      ),
    );
    expect(typo.code).toBe('VALIDATION_FAILED');
    const retype = failure(
      await core.router.call(LOCAL_OWNER, 'checks.update', { id: check.id, spec: { type: 'http', config: { url: 'http://127.0.0.1/' } } }, { origin: 'test' }),
    );
    expect(retype).toMatchObject({ code: 'VALIDATION_FAILED', message: 'A tcp check cannot become a http check.' });
    const orphan = failure(
      await core.router.call(
        LOCAL_OWNER,
        'checks.create',
        { serverId: '00000000-0000-4000-8000-000000000001', spec: { type: 'tcp', config: { host: 'a', port: 1 } } },
        { origin: 'test' },
      ),
    );
    expect(orphan.code).toBe('NOT_FOUND');
  });

  it('shows the fleet: counts by status, open incidents and uptime, filtered by tag', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { check } = await setup(core, port);
    const other = await call<{ id: string }>(core, 'servers.create', { name: 'db-1', host: '127.0.0.1', tags: ['db'], monitor: false });
    await call(core, 'checks.create', { serverId: other.id, spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } }, confirmAfter: 1, retries: 0 });
    await call(core, 'checks.run', { id: check.id });

    const all = await call<FleetOverview>(core, 'health.overview', {});
    expect(all.counts).toMatchObject({ up: 1, unknown: 1 });
    expect(all.servers.map((s) => [s.name, s.status])).toEqual([
      ['db-1', 'unknown'],
      ['web-1', 'up'],
    ]);
    expect(all.uptime.h24).toBe(1);
    const edge = await call<FleetOverview>(core, 'health.overview', { tags: ['db'] });
    expect(edge.servers.map((s) => s.name)).toEqual(['db-1']);
    expect(edge.uptime.h24).toBeNull();
  });

  it('keeps all polling paused, for checks changed or added meanwhile, until resumed', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { serverId, check } = await setup(core, port, { intervalMs: 10_000 });
    core.health.start();
    core.health.engine.pauseAll(true);
    expect(core.health.engine.paused).toBe(true);
    const seen = recordEvents(core);
    await call(core, 'checks.update', { id: check.id, name: 'renamed while paused' });
    await call(core, 'checks.create', { serverId, spec: { type: 'tcp', config: { host: '127.0.0.1', port } }, intervalMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(seen.filter((e) => e.name === 'check.result')).toEqual([]);
    core.health.engine.pauseAll(false);
    await waitFor('results after resuming', () => seen.some((e) => e.name === 'check.result'));
  });

  it('picks up a check another process added to the same data dir', async () => {
    const core = await env.start();
    const { port } = await listening();
    const { serverId } = await setup(core, port);
    core.health.start();
    const seen = recordEvents(core);
    await inAnotherProcess(async (cli) => {
      const added = await call<Check>(cli, 'checks.create', {
        serverId,
        name: 'from the cli',
        spec: { type: 'tcp', config: { host: '127.0.0.1', port } },
        intervalMs: 10_000,
      });
      // Picked up within the engine's 2 s look-around; its first run falls in the first 10 % of its interval.
      await waitFor('the new check to run', () => seen.some((e) => e.name === 'check.result' && JSON.stringify(e.payload).includes(added.id)), 5000);
    });
  });

  it('reads every check again for another process’s changes only, never for its own', async () => {
    // Its own changes are in memory already: reading the fleet again after each cost a whole
    // reload per add on PostgreSQL, and raced the results being written.
    const time = new FakeTime(Date.now());
    const core = await env.start({ health: { tickMs: 20, backoffMs: 10, timers: time } });
    core.health.start();
    const marks = vi.spyOn(core.data, 'outsideChangeMark');
    const reload = vi.spyOn(core.health.registry, 'load');
    /** Lets the engine's look for outside changes (every 2 s) run once more, to its end. */
    const look = async () => {
      const before = marks.mock.calls.length;
      await time.advance(2_000);
      await vi.waitFor(() => expect(marks.mock.calls.length).toBeGreaterThan(before));
      await marks.mock.results.at(-1)?.value;
      await new Promise((resolve) => setImmediate(resolve));
    };
    await look();
    const { port } = await listening();
    await setup(core, port);
    await call(core, 'maintenance.create', {
      name: 'patching',
      scope: { serverIds: [], tags: ['edge'] },
      schedule: { kind: 'once', startsAt: Date.now() + 60_000, endsAt: Date.now() + 120_000 },
    });
    await look();
    await look();
    expect(reload).not.toHaveBeenCalled();

    await inAnotherProcess((cli) => call(cli, 'servers.create', { name: 'from-the-cli', host: '127.0.0.1', monitor: false }));
    // On PostgreSQL the other process's commit reaches this one as a notification on the feed's
    // own connection (LISTEN), which a loaded machine may deliver after the next look: a few
    // looks at most, as the engine itself would within seconds.
    for (let looks = 0; looks < 5 && reload.mock.calls.length === 0; looks += 1) await look();
    expect(reload).toHaveBeenCalledTimes(1);
    await reload.mock.results[0]?.value;
    expect(core.health.registry.servers().size).toBe(2);
  });

  it('applies monitoring settings another process changed: the caps and what the API answers', async () => {
    const core = await env.start();
    core.health.start();
    expect(await call<MonitoringSettings>(core, 'monitoring.settings', {})).toMatchObject({ maxChecksPerHost: 4, rawRetentionDays: 7 });
    const applied: MonitoringSettings[] = [];
    core.health.monitoring.onChange((settings) => applied.push(settings));
    await inAnotherProcess((cli) => call(cli, 'monitoring.updateSettings', { maxChecksPerHost: 9, rawRetentionDays: 3 }));
    await waitFor('the engine to read the outside change', () => applied.length > 0, 5000);
    expect(applied).toEqual([expect.objectContaining({ maxChecksPerHost: 9, rawRetentionDays: 3 })]);
    expect(await call<MonitoringSettings>(core, 'monitoring.settings', {})).toMatchObject({ maxChecksPerHost: 9, rawRetentionDays: 3 });
  });
});
