import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { CheckSpec } from '@shared/api/checks';
import { DEFAULT_MONITORING } from '@shared/api/monitoring';
import { read, type AsyncDatabase } from '../../db/engine';
import { ServerDirectory } from '../../servers';
import { ServerStore } from '../../servers/store';
import { SettingsStore } from '../../settings/store';
import { useEngines } from '../../testing/engines';
import { serverRow } from '../../testing/server-row';
import { HostKeyStore } from '../host-keys';
import { MaintenanceCalendar } from '../maintenance';
import { MonitoringSettingsStore } from '../monitoring-settings';
import { CheckRegistry, toCheck, type RegistryChange } from '../registry';
import { ServerCheckLimits } from '../server-limits';
import { CheckConfigStore } from './checks';

/**
 * The health engine's configuration on both engines: checks created, changed, paused and deleted
 * read back the same from SQLite and PostgreSQL (a deleted check takes its state and results with
 * it), maintenance windows and per-server caps round-trip, a host key pinned once stays pinned
 * whoever looks next, and a change made in a transaction that rolls back leaves what the engine
 * keeps in memory as it was.
 */

const engines = useEngines('guardian-health-checks-store-');
const NOW = 1_767_225_600_000;
const TCP: CheckSpec = { type: 'tcp', config: { host: 'web-1.example.net', port: 443 } } as CheckSpec;
const METRICS: CheckSpec = { type: 'ssh-metrics', config: { port: 22 } } as CheckSpec;

interface Setup {
  db: AsyncDatabase;
  another: () => AsyncDatabase;
  registry: CheckRegistry;
  changes: RegistryChange[];
  store: CheckConfigStore;
  clock: { now: () => number; t: number };
}

/** Another process on the same database: its own registry, loaded from what is stored. */
async function registryOn(db: AsyncDatabase, clock: { now: () => number }): Promise<CheckRegistry> {
  let ids = 0;
  const monitoring = new MonitoringSettingsStore(new SettingsStore(db), DEFAULT_MONITORING);
  const registry = new CheckRegistry({ data: db, directory: new ServerDirectory(db), clock, newId: () => `other-${++ids}`, monitoring });
  await registry.load();
  return registry;
}

async function setup(engine: 'sqlite' | 'postgres'): Promise<Setup> {
  const { db, another } = await engines.fresh(engine);
  const servers = new ServerStore(db);
  for (const [id, host] of [
    ['s-1', 'web-1.example.net'],
    ['s-2', 'db-1.example.net'],
  ] as const) {
    await servers.insert(serverRow({ id, name: id, host, tags: ['web'], createdAt: NOW, updatedAt: NOW }));
  }
  const clock = {
    t: NOW,
    now() {
      return (this.t += 1000);
    },
  };
  let ids = 0;
  const monitoring = new MonitoringSettingsStore(new SettingsStore(db), DEFAULT_MONITORING);
  const registry = new CheckRegistry({
    data: db,
    directory: new ServerDirectory(db),
    clock,
    newId: () => `c-${String(++ids).padStart(2, '0')}`,
    monitoring,
  });
  await registry.load();
  const changes: RegistryChange[] = [];
  registry.onChange((change) => changes.push(change));
  return { db, another, registry, changes, store: new CheckConfigStore(db), clock };
}

const count = (db: AsyncDatabase, table: 'check_states' | 'health_results' | 'health_rollups') =>
  db.get(sql`SELECT count(*) AS n FROM ${sql.raw(table)}`, (row) => read.number(row, 'n'));

describe.each(['sqlite', 'postgres'] as const)('the checks’ configuration on %s', (engine) => {
  it('reads back a check as it was created, changed and paused, in another process too', async () => {
    const { db, another, registry, clock } = await setup(engine);
    const tcp = await registry.create({ serverId: 's-1', spec: TCP, paused: false, intervalMs: 30_000 });
    const metrics = await registry.create({ serverId: 's-1', name: 'load', spec: METRICS, paused: true });
    await registry.update({ id: tcp.id, name: 'https', spec: { type: 'tcp', config: { host: 'web-1.example.net', port: 8443 } } as CheckSpec, retries: 3 });
    expect(await registry.setPaused({ serverId: 's-1' }, true)).toEqual([tcp.id]);

    const here = registry.list('s-1');
    expect(here.map((check) => [check.name, check.type, check.config, check.intervalMs, check.retries, check.paused, check.state])).toEqual([
      ['https', 'tcp', { host: 'web-1.example.net', port: 8443 }, 30_000, 3, true, 'paused'],
      ['load', 'ssh-metrics', { port: 22 }, DEFAULT_MONITORING.defaults.intervalMs, DEFAULT_MONITORING.defaults.retries, true, 'paused'],
    ]);
    // A check without a host of its own runs against its server's.
    expect(registry.get(metrics.id).host).toBe('web-1.example.net');

    const elsewhere = await registryOn(another(), clock);
    expect(elsewhere.list('s-1')).toEqual(here);
    expect(elsewhere.get(tcp.id).seq).toBe(registry.get(tcp.id).seq);

    // Resumed, they start over: no longer paused, their state unknown until a result says otherwise.
    expect(await registry.setPaused({ serverId: 's-1' }, false)).toEqual([tcp.id, metrics.id]);
    const resumed = await registryOn(db, clock);
    expect(resumed.list('s-1').map((check) => [check.paused, check.state])).toEqual([
      [false, 'unknown'],
      [false, 'unknown'],
    ]);
  });

  it('deletes a check with its state, results and rollups', async () => {
    const { db, registry, changes } = await setup(engine);
    const kept = await registry.create({ serverId: 's-2', spec: TCP, paused: false });
    const gone = await registry.create({ serverId: 's-1', spec: TCP, paused: false });
    for (const { seq } of [kept, gone]) {
      await db.run(sql`INSERT INTO health_results (check_seq, at, status, latency) VALUES (${seq}, ${NOW}, 0, 120)`);
      await db.run(sql`INSERT INTO health_rollups (check_seq, period, start, count, failures, degraded, muted, lat_count, lat_sum, sketch)
        VALUES (${seq}, 0, ${NOW}, 1, 0, 0, 0, 1, 12, '{}')`);
    }
    expect(await registry.delete(gone.id)).toEqual({ id: gone.id });

    expect(registry.find(gone.id)).toBeUndefined();
    expect(changes.at(-1)).toEqual({ kind: 'remove', check: expect.objectContaining({ id: gone.id }) });
    expect(await new CheckConfigStore(db).check(gone.id)).toBeUndefined();
    expect([await count(db, 'check_states'), await count(db, 'health_results'), await count(db, 'health_rollups')]).toEqual([1, 1, 1]);
    expect((await registryOn(db, { now: () => NOW })).list().map((check) => check.id)).toEqual([kept.id]);
  });

  it('leaves the checks in memory as they were when the transaction that changed them rolls back', async () => {
    const { db, registry, changes } = await setup(engine);
    const check = await registry.create({ serverId: 's-1', spec: TCP, paused: false });
    changes.length = 0;
    const before = toCheck(registry.get(check.id));

    const failing = async (work: () => Promise<unknown>) => {
      await expect(
        db.transaction(async () => {
          await work();
          throw new Error('the audited call failed');
        }),
      ).rejects.toThrow('the audited call failed');
    };
    await failing(() => registry.create({ serverId: 's-2', spec: TCP, paused: false }));
    await failing(() => registry.update({ id: check.id, name: 'renamed', intervalMs: 60_000 }));
    await failing(() => registry.setPaused({ serverId: 's-1' }, true));
    await failing(() => registry.delete(check.id));

    expect(registry.list()).toEqual([before]);
    expect(changes).toEqual([]);
    // And the database agrees with it.
    expect((await registryOn(db, { now: () => NOW })).list()).toEqual([before]);

    // Committed, the same change reaches memory and the engine.
    await db.transaction(() => registry.setPaused({ id: check.id }, true));
    expect(registry.get(check.id).paused).toBe(true);
    expect(changes).toEqual([{ kind: 'upsert', check: expect.objectContaining({ id: check.id, paused: true }) }]);
  });

  it('keeps a result recorded while it reads every check again', async () => {
    const { db, registry } = await setup(engine);
    const check = await registry.create({ serverId: 's-1', spec: TCP, paused: false });
    const recorded = registry.get(check.id);
    const reading = registry.load();
    // A tick updates the copy it holds while the checks are read, and its write lands after the read.
    Object.assign(recorded, { record: { state: 'down', pending: null }, lastAt: NOW + 5000, lastStatus: 'down' });
    await db.run(sql`UPDATE check_states SET state = 'down', last_at = ${NOW + 5000}, last_status = 'down' WHERE check_seq = ${check.seq}`);
    await reading;
    expect(toCheck(registry.get(check.id))).toMatchObject({ state: 'down', lastAt: NOW + 5000, lastStatus: 'down' });
  });

  it('follows a server moved or deleted in a transaction once it commits', async () => {
    const { db, registry } = await setup(engine);
    const metrics = await registry.create({ serverId: 's-1', spec: METRICS, paused: false });
    const servers = new ServerStore(db);
    const moved = serverRow({ id: 's-1', name: 's-1', host: '10.0.0.9', createdAt: NOW, updatedAt: NOW });

    // What it read inside a transaction that rolls back is never applied (and the promise never settles).
    let followed: Promise<void> = Promise.resolve();
    await expect(
      db.transaction(async () => {
        await servers.update(moved);
        followed = registry.serversChanged(['s-1']);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(registry.get(metrics.id).host).toBe('web-1.example.net');

    await db.transaction(async () => {
      await servers.update(moved);
      followed = registry.serversChanged(['s-1']);
    });
    await followed;
    expect(registry.get(metrics.id).host).toBe('10.0.0.9');

    await db.transaction(async () => {
      await servers.delete('s-1');
      followed = registry.serversChanged(['s-1']);
    });
    await followed;
    expect(registry.find(metrics.id)).toBeUndefined();
    expect(registry.servers().has('s-1')).toBe(false);
  });

  it('keeps maintenance windows and per-server caps as they were saved, and drops them with a rolled-back call', async () => {
    const { db, another, store, clock } = await setup(engine);
    let ids = 0;
    const calendar = new MaintenanceCalendar(store, db, clock, () => `w-${++ids}`);
    await calendar.load();
    const once = await calendar.create(
      { name: 'Patch night', scope: { serverIds: ['s-1'], tags: [] }, schedule: { kind: 'once', startsAt: NOW + 60_000, endsAt: NOW + 3_600_000 } },
      'user:alice',
    );
    const weekly = await calendar.create(
      {
        name: 'Backups',
        scope: { serverIds: [], tags: ['db'] },
        schedule: { kind: 'recurring', cron: '0 2 * * 0', durationMinutes: 90, timezone: 'Europe/Berlin' },
      },
      'user:bob',
    );
    await calendar.update({ id: weekly.id, name: 'Weekly backups', scope: { serverIds: ['s-2'], tags: ['db', 'edge'] } });
    await expect(
      db.transaction(async () => {
        await calendar.delete(once.id);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(calendar.list().map((window) => window.id)).toEqual([once.id, weekly.id]);

    const elsewhere = new MaintenanceCalendar(new CheckConfigStore(another()), db, { now: () => NOW }, () => 'unused');
    await elsewhere.load();
    const read = elsewhere.list();
    expect(read.map(({ id, name, scope, schedule, createdBy }) => ({ id, name, scope, schedule, createdBy }))).toEqual([
      {
        id: once.id,
        name: 'Patch night',
        scope: { serverIds: ['s-1'], tags: [] },
        schedule: { kind: 'once', startsAt: NOW + 60_000, endsAt: NOW + 3_600_000 },
        createdBy: 'user:alice',
      },
      {
        id: weekly.id,
        name: 'Weekly backups',
        scope: { serverIds: ['s-2'], tags: ['db', 'edge'] },
        schedule: { kind: 'recurring', cron: '0 2 * * 0', durationMinutes: 90, timezone: 'Europe/Berlin' },
        createdBy: 'user:bob',
      },
    ]);
    expect(elsewhere.muted({ id: 's-1', tags: [] }, NOW + 120_000)).toBe(true);
    expect(elsewhere.muted({ id: 's-2', tags: [] }, NOW + 120_000)).toBe(false);

    const limits = new ServerCheckLimits(store, db, clock);
    await limits.load();
    const told: ReadonlyMap<string, number>[] = [];
    limits.onChange((all) => told.push(all));
    await limits.set('s-1', 2);
    await limits.set('s-2', 5);
    await limits.set('s-2', 3);
    await expect(
      db.transaction(async () => {
        await limits.set('s-1', null);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(limits.all()).toEqual(
      new Map([
        ['s-1', 2],
        ['s-2', 3],
      ]),
    );
    expect(told).toHaveLength(3);
    const stored = new ServerCheckLimits(new CheckConfigStore(another()), db, clock);
    await stored.load();
    expect(stored.all()).toEqual(
      new Map([
        ['s-1', 2],
        ['s-2', 3],
      ]),
    );
    await limits.set('s-1', null);
    expect((await limits.list()).map(({ serverId, maxChecks }) => [serverId, maxChecks])).toEqual([['s-2', 3]]);
  });

  it('keeps the first host key pinned, whichever process pins first', async () => {
    const { db, another, store } = await setup(engine);
    const failures: unknown[] = [];
    const here = new HostKeyStore(store, db, { now: () => NOW }, (_target, error) => failures.push(error));
    const there = new HostKeyStore(new CheckConfigStore(another()), db, { now: () => NOW }, (_target, error) => failures.push(error));

    expect(await here.get('web-1:22')).toBeNull();
    here.pin('web-1:22', 'SHA256:first');
    // Held until written: a second look meanwhile already finds it.
    expect(await here.get('web-1:22')).toBe('SHA256:first');
    await expect.poll(() => store.hostKey('web-1:22')).toMatchObject({ fingerprint: 'SHA256:first', pinnedAt: NOW });
    // Another process that saw another key pins it in vain: once its write is refused it finds the first.
    there.pin('web-1:22', 'SHA256:second');
    await expect.poll(() => there.get('web-1:22')).toBe('SHA256:first');
    expect(await store.pinHostKey({ target: 'web-1:22', fingerprint: 'SHA256:third', pinnedAt: NOW })).toBe(false);
    expect(await here.get('web-1:22')).toBe('SHA256:first');
    expect(failures).toEqual([]);
  });
});
