import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MaintenanceWindow } from '@shared/api/maintenance';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { failure, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';

/**
 * Maintenance windows as a person sets them up: a one-off window and a nightly one in a time zone
 * with daylight saving, by server and by tag, on a real core whose clock the test holds. What
 * `muted()` answers decides whether results count and incidents open; `nextStart` is what the UI
 * shows as "next window".
 */

let t = Date.UTC(2026, 0, 15, 12, 0, 0);
const clock = { now: () => t };
beforeEach(() => {
  t = Date.UTC(2026, 0, 15, 12, 0, 0);
});
const env = useTempCore({ prefix: 'guardian-maintenance-', clock });

const CALL = { origin: 'test' };
const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
const refuse = async (core: Core, name: string, input: unknown) => failure(await core.router.call(LOCAL_OWNER, name, input, CALL));

const utc = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

async function server(core: Core, name: string, tags: string[] = []): Promise<{ id: string; tags: string[] }> {
  const created = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, tags, monitor: false });
  return core.health.registry.server(created.id);
}

/** Whether the server is muted at each instant, as `[iso, muted]` pairs for a readable diff. */
function mutedAt(core: Core, ref: { id: string; tags: readonly string[] }, instants: readonly string[]): [string, boolean][] {
  return instants.map((iso) => [iso, core.health.maintenance.muted(ref, utc(iso))]);
}

/** `nextStart` as the UI would show it at `iso`, as an ISO string. */
async function nextStartAt(core: Core, id: string, iso: string): Promise<{ active: boolean; nextStart: string | null }> {
  t = utc(iso);
  const { items } = await call<{ items: MaintenanceWindow[] }>(core, 'maintenance.list', {});
  const window = items.find((item) => item.id === id);
  if (!window) throw new Error(`no window ${id}`);
  return { active: window.active, nextStart: window.nextStart === null ? null : new Date(window.nextStart).toISOString() };
}

describe('a one-off maintenance window', () => {
  it('is open from its start (inclusive) to its end (exclusive)', async () => {
    const core = env.core;
    const web = await server(core, 'web-1');
    const startsAt = utc('2026-02-01T22:00:00.000Z');
    const endsAt = utc('2026-02-01T23:30:00.000Z');
    const window = await call<MaintenanceWindow>(core, 'maintenance.create', {
      name: 'kernel update',
      scope: { serverIds: [web.id] },
      schedule: { kind: 'once', startsAt, endsAt },
    });

    expect(mutedAt(core, web, ['2026-02-01T21:59:59.999Z', '2026-02-01T22:00:00.000Z', '2026-02-01T23:29:59.999Z', '2026-02-01T23:30:00.000Z'])).toEqual([
      ['2026-02-01T21:59:59.999Z', false],
      ['2026-02-01T22:00:00.000Z', true],
      ['2026-02-01T23:29:59.999Z', true],
      ['2026-02-01T23:30:00.000Z', false],
    ]);
    expect(await nextStartAt(core, window.id, '2026-02-01T21:59:59.999Z')).toEqual({ active: false, nextStart: '2026-02-01T22:00:00.000Z' });
    // Once it has begun there is no next start, open or over.
    expect(await nextStartAt(core, window.id, '2026-02-01T22:00:00.000Z')).toEqual({ active: true, nextStart: null });
    expect(await nextStartAt(core, window.id, '2026-02-01T23:30:00.000Z')).toEqual({ active: false, nextStart: null });
  });

  it('refuses an end that is not after its start', async () => {
    const core = env.core;
    const web = await server(core, 'web-1');
    const error = await refuse(core, 'maintenance.create', {
      name: 'backwards',
      scope: { serverIds: [web.id] },
      schedule: { kind: 'once', startsAt: utc('2026-02-01T22:00:00Z'), endsAt: utc('2026-02-01T22:00:00Z') },
    });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((await call<{ items: unknown[] }>(core, 'maintenance.list', {})).items).toEqual([]);
  });
});

describe('a nightly window at 02:00 Europe/Berlin for 60 minutes', () => {
  async function nightly(core: Core) {
    const web = await server(core, 'web-1', ['edge']);
    const window = await call<MaintenanceWindow>(core, 'maintenance.create', {
      name: 'nightly backup',
      scope: { tags: ['edge'] },
      schedule: { kind: 'recurring', cron: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlin' },
    });
    return { web, window };
  }

  it('on an ordinary winter night is open 02:00–03:00 CET, i.e. 01:00–02:00 UTC', async () => {
    const core = env.core;
    const { web, window } = await nightly(core);
    expect(mutedAt(core, web, ['2026-03-28T00:59:59.999Z', '2026-03-28T01:00:00.000Z', '2026-03-28T01:59:59.999Z', '2026-03-28T02:00:00.000Z'])).toEqual([
      ['2026-03-28T00:59:59.999Z', false],
      ['2026-03-28T01:00:00.000Z', true],
      ['2026-03-28T01:59:59.999Z', true],
      ['2026-03-28T02:00:00.000Z', false],
    ]);
    expect(await nextStartAt(core, window.id, '2026-03-27T12:00:00.000Z')).toEqual({ active: false, nextStart: '2026-03-28T01:00:00.000Z' });
    expect(await nextStartAt(core, window.id, '2026-03-28T01:30:00.000Z')).toEqual({ active: true, nextStart: '2026-03-29T01:00:00.000Z' });
  });

  it('on 2026-03-29, when 02:00 does not exist, opens at 03:00 CEST (01:00 UTC, the same instant as a winter night) for 60 minutes', async () => {
    const core = env.core;
    const { web, window } = await nightly(core);
    expect(await nextStartAt(core, window.id, '2026-03-28T12:00:00.000Z')).toEqual({ active: false, nextStart: '2026-03-29T01:00:00.000Z' });
    expect(
      mutedAt(core, web, [
        '2026-03-29T00:00:00.000Z', // 01:00 CET, an hour before the clocks jump
        '2026-03-29T00:59:59.999Z', // 01:59:59 CET, the last second before the jump
        '2026-03-29T01:00:00.000Z', // 03:00 CEST: the skipped 02:00 becomes 03:00
        '2026-03-29T01:59:59.999Z', // 03:59:59 CEST
        '2026-03-29T02:00:00.000Z', // 04:00 CEST
      ]),
    ).toEqual([
      ['2026-03-29T00:00:00.000Z', false],
      ['2026-03-29T00:59:59.999Z', false],
      ['2026-03-29T01:00:00.000Z', true],
      ['2026-03-29T01:59:59.999Z', true],
      ['2026-03-29T02:00:00.000Z', false],
    ]);
    // From the next night on, 02:00 CEST is 00:00 UTC.
    expect(await nextStartAt(core, window.id, '2026-03-29T01:30:00.000Z')).toEqual({ active: true, nextStart: '2026-03-30T00:00:00.000Z' });
    expect(mutedAt(core, web, ['2026-03-29T23:59:59.999Z', '2026-03-30T00:00:00.000Z', '2026-03-30T00:59:59.999Z', '2026-03-30T01:00:00.000Z'])).toEqual([
      ['2026-03-29T23:59:59.999Z', false],
      ['2026-03-30T00:00:00.000Z', true],
      ['2026-03-30T00:59:59.999Z', true],
      ['2026-03-30T01:00:00.000Z', false],
    ]);
  });

  it('on 2026-10-25, when 02:00 happens twice, opens once, at the first 02:00 (CEST, 00:00 UTC), not again at the second (CET, 01:00 UTC)', async () => {
    const core = env.core;
    const { web, window } = await nightly(core);
    expect(await nextStartAt(core, window.id, '2026-10-24T12:00:00.000Z')).toEqual({ active: false, nextStart: '2026-10-25T00:00:00.000Z' });
    expect(
      mutedAt(core, web, [
        '2026-10-24T23:59:59.999Z', // 01:59:59 CEST
        '2026-10-25T00:00:00.000Z', // the first 02:00 (CEST)
        '2026-10-25T00:59:59.999Z', // the first 02:59:59 (CEST)
        '2026-10-25T01:00:00.000Z', // the second 02:00 (CET): the window is not opened again
        '2026-10-25T01:30:00.000Z', // the second 02:30 (CET)
        '2026-10-25T02:00:00.000Z', // 03:00 CET
      ]),
    ).toEqual([
      ['2026-10-24T23:59:59.999Z', false],
      ['2026-10-25T00:00:00.000Z', true],
      ['2026-10-25T00:59:59.999Z', true],
      ['2026-10-25T01:00:00.000Z', false],
      ['2026-10-25T01:30:00.000Z', false],
      ['2026-10-25T02:00:00.000Z', false],
    ]);
    // During the repeated hour the next window is the next night's, at 02:00 CET = 01:00 UTC.
    expect(await nextStartAt(core, window.id, '2026-10-25T01:30:00.000Z')).toEqual({ active: false, nextStart: '2026-10-26T01:00:00.000Z' });
    expect(mutedAt(core, web, ['2026-10-26T00:59:59.999Z', '2026-10-26T01:00:00.000Z', '2026-10-26T01:59:59.999Z', '2026-10-26T02:00:00.000Z'])).toEqual([
      ['2026-10-26T00:59:59.999Z', false],
      ['2026-10-26T01:00:00.000Z', true],
      ['2026-10-26T01:59:59.999Z', true],
      ['2026-10-26T02:00:00.000Z', false],
    ]);
  });
});

describe('the scope of a window', () => {
  it('covers the servers it names and the servers carrying its tags, and no others', async () => {
    const core = env.core;
    const edge = await server(core, 'edge-1', ['edge', 'eu']);
    const db = await server(core, 'db-1', ['db']);
    const named = await server(core, 'named-1');
    const schedule = { kind: 'once', startsAt: utc('2026-02-01T22:00:00Z'), endsAt: utc('2026-02-01T23:00:00Z') };
    const byTag = await call<MaintenanceWindow>(core, 'maintenance.create', { name: 'edge patching', scope: { tags: ['edge'] }, schedule });
    const byServer = await call<MaintenanceWindow>(core, 'maintenance.create', { name: 'named only', scope: { serverIds: [named.id] }, schedule });

    const during = utc('2026-02-01T22:30:00Z');
    expect([edge, db, named].map((ref) => core.health.maintenance.muted(ref, during))).toEqual([true, false, true]);
    const listed = async (serverId: string) => (await call<{ items: MaintenanceWindow[] }>(core, 'maintenance.list', { serverId })).items.map((w) => w.id);
    expect(await listed(edge.id)).toEqual([byTag.id]);
    expect(await listed(db.id)).toEqual([]);
    expect(await listed(named.id)).toEqual([byServer.id]);
  });

  it('takes in a server as soon as it is given the tag, and lets it go when the tag is removed', async () => {
    const core = env.core;
    const db = await server(core, 'db-1', ['db']);
    const check = await call<{ id: string }>(core, 'checks.create', {
      serverId: db.id,
      spec: { type: 'tcp', config: { host: '10.0.0.9', port: 5432 } },
      confirmAfter: 1,
    });
    await call(core, 'maintenance.create', {
      name: 'edge patching',
      scope: { tags: ['edge'] },
      schedule: { kind: 'once', startsAt: t - MINUTE, endsAt: t + 60 * MINUTE },
    });
    const recordDown = async (at: number) => {
      t = at;
      await core.health.recorder.record([
        {
          checkId: check.id,
          serverId: db.id,
          result: { status: 'down', latencyMs: null, message: 'refused' },
          attempts: 1,
          dueAt: at,
          startedAt: at,
          finishedAt: at,
          lagMs: 0,
        },
      ]);
    };
    const start = t;
    await recordDown(start);
    await call(core, 'servers.update', { id: db.id, tags: ['db', 'edge'] });
    await recordDown(start + MINUTE);
    await call(core, 'servers.update', { id: db.id, tags: ['db'] });
    await recordDown(start + 2 * MINUTE);
    const rows = await rowsOf(core).all('SELECT at - ? AS offset, muted FROM health_results ORDER BY at', start);
    expect(rows).toEqual([
      { offset: 0, muted: null },
      { offset: MINUTE, muted: 1 },
      { offset: 2 * MINUTE, muted: null },
    ]);
  });
});

describe('creating, changing and removing windows through the API', () => {
  it.each([
    { what: 'a cron expression that is not one', schedule: { kind: 'recurring', cron: 'every night at two', durationMinutes: 60, timezone: 'UTC' } },
    { what: 'an hour past 23', schedule: { kind: 'recurring', cron: '0 25 * * *', durationMinutes: 60, timezone: 'UTC' } },
    { what: 'a time zone that does not exist', schedule: { kind: 'recurring', cron: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlln' } },
    { what: 'an offset instead of a time zone', schedule: { kind: 'recurring', cron: '0 2 * * *', durationMinutes: 60, timezone: '+02:00' } },
  ])('refuses $what with VALIDATION_FAILED and stores nothing', async ({ schedule }) => {
    const core = env.core;
    const web = await server(core, 'web-1');
    const error = await refuse(core, 'maintenance.create', { name: 'bad', scope: { serverIds: [web.id] }, schedule });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.hint).toContain('Europe/Berlin');
    expect((await call<{ items: unknown[] }>(core, 'maintenance.list', {})).items).toEqual([]);
  });

  it('keeps recording the results of the servers a refused window named (a misspelt time zone does not stop monitoring)', async () => {
    const core = env.core;
    const edge = await server(core, 'edge-1', ['edge']);
    const check = await call<{ id: string }>(core, 'checks.create', {
      serverId: edge.id,
      spec: { type: 'tcp', config: { host: '10.0.0.9', port: 443 } },
      confirmAfter: 1,
    });
    const schedule = { kind: 'recurring', cron: '0 2 * * *', durationMinutes: 60, timezone: 'Europe/Berlln' };
    expect((await refuse(core, 'maintenance.create', { name: 'typo', scope: { tags: ['edge'] }, schedule })).code).toBe('VALIDATION_FAILED');

    await core.health.recorder.record([
      {
        checkId: check.id,
        serverId: edge.id,
        result: { status: 'up', latencyMs: 2, message: 'ok' },
        attempts: 1,
        dueAt: t,
        startedAt: t,
        finishedAt: t,
        lagMs: 0,
      },
    ]);
    expect(await rowsOf(core).get('SELECT count(*) AS n FROM health_results')).toEqual({ n: 1 });
    expect((await call<{ status: string }>(core, 'health.server', { id: edge.id })).status).toBe('up');
  });

  it('refuses an invalid schedule on update and keeps the window as it was', async () => {
    const core = env.core;
    const web = await server(core, 'web-1');
    const schedule = { kind: 'recurring', cron: '0 2 * * 0', durationMinutes: 30, timezone: 'Europe/Berlin' };
    const window = await call<MaintenanceWindow>(core, 'maintenance.create', { name: 'sunday', scope: { serverIds: [web.id] }, schedule });
    const error = await refuse(core, 'maintenance.update', { id: window.id, schedule: { ...schedule, timezone: 'Mars/Olympus' } });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((await call<{ items: MaintenanceWindow[] }>(core, 'maintenance.list', {})).items).toEqual([window]);
  });

  it('changes a window’s name and schedule, and removes it', async () => {
    const core = env.core;
    const web = await server(core, 'web-1');
    const window = await call<MaintenanceWindow>(core, 'maintenance.create', {
      name: 'sunday',
      scope: { serverIds: [web.id] },
      schedule: { kind: 'recurring', cron: '0 2 * * 0', durationMinutes: 30, timezone: 'UTC' },
    });
    const changed = await call<MaintenanceWindow>(core, 'maintenance.update', {
      id: window.id,
      name: 'saturday',
      schedule: { kind: 'recurring', cron: '0 2 * * 6', durationMinutes: 30, timezone: 'UTC' },
    });
    // 2026-01-15 is a Thursday: the next Saturday 02:00 UTC is the 17th.
    expect(changed).toMatchObject({ name: 'saturday', nextStart: utc('2026-01-17T02:00:00Z') });
    expect(await call(core, 'maintenance.delete', { id: window.id })).toEqual({ id: window.id });
    expect((await call<{ items: unknown[] }>(core, 'maintenance.list', {})).items).toEqual([]);
    expect(core.health.maintenance.muted(web, utc('2026-01-17T02:10:00Z'))).toBe(false);
  });

  it('answers NOT_FOUND to an update or delete of a window that does not exist', async () => {
    const core = env.core;
    const id = randomUUID();
    expect((await refuse(core, 'maintenance.update', { id, name: 'ghost' })).code).toBe('NOT_FOUND');
    expect((await refuse(core, 'maintenance.delete', { id })).code).toBe('NOT_FOUND');
  });
});
