import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Check, StoredResult } from '@shared/api/checks';
import type { ServerHealth } from '@shared/api/health';
import type { Incident } from '@shared/api/incidents';
import type { EventName } from '@shared/api';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { success, useTempCore, type TempCore } from '../testing/harness';
import type { CheckStatus } from './check';
import { FakeTime } from '../testing/fake-time';
import type { TickOutcome } from './recorder';

/**
 * Incidents as an on-call person meets them: results go through the real recorder on a real
 * SQLite file and a real PostgreSQL database, one tick at a time on a fake clock, and the incident list, its severity, its
 * duration and the results around it come out as the person would expect.
 */

const T0 = Date.UTC(2026, 1, 10, 9, 0, 0);
const MINUTE = 60_000;

let time: FakeTime;
beforeEach(() => {
  time = new FakeTime(T0);
});
let env: TempCore;

const CALL = { origin: 'test' };
const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));

async function start(): Promise<Core> {
  return await env.start({ clock: time, health: { timers: time, random: () => 0 } });
}

async function serverWithCheck(core: Core, name: string, confirmAfter: number, tags: string[] = []): Promise<Check> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, tags, monitor: false });
  return call<Check>(core, 'checks.create', {
    serverId: server.id,
    name: `${name} https`,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter,
    retries: 0,
  });
}

const MESSAGES: Record<CheckStatus, string> = { up: 'connected in 3 ms', degraded: 'answered in 2400 ms (degraded above 1000 ms)', down: 'connection refused' };

/** Moves the clock to `at` and records one result of each check there, in one tick. */
async function tick(core: Core, at: number, results: [Check, CheckStatus][]): Promise<TickOutcome> {
  await time.advance(at - time.now());
  return core.health.recorder.record(
    results.map(([check, status]) => ({
      checkId: check.id,
      serverId: check.serverId,
      result: { status, latencyMs: status === 'down' ? null : 3, message: MESSAGES[status] },
      attempts: 1,
      dueAt: at,
      startedAt: at,
      finishedAt: at,
      lagMs: 0,
    })),
  );
}

/** One result a minute from `from`, in order. */
async function series(core: Core, check: Check, from: number, statuses: CheckStatus[]): Promise<TickOutcome[]> {
  const outcomes: TickOutcome[] = [];
  for (const [i, status] of statuses.entries()) outcomes.push(await tick(core, from + i * MINUTE, [[check, status]]));
  return outcomes;
}

const incidents = (core: Core, filter: Record<string, unknown> = {}) => call<{ items: Incident[]; total: number }>(core, 'incidents.list', filter);

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-incidents-', lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });

  describe('flap damping', () => {
    it('with confirmAfter 3 opens nothing for two downs and an up, and one incident for three downs in a row', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 3);
      await series(core, check, T0, ['up', 'down', 'down', 'up']);
      expect((await incidents(core)).total).toBe(0);
      expect((await call<ServerHealth>(core, 'health.server', { id: check.serverId })).status).toBe('up');

      const outcomes = await series(core, check, T0 + 4 * MINUTE, ['down', 'down', 'down', 'down']);
      expect(outcomes.map((o) => o.opened.length)).toEqual([0, 0, 1, 0]);
      const { items, total } = await incidents(core);
      expect(total).toBe(1);
      expect(items[0]).toMatchObject({ serverId: check.serverId, serverName: 'web-1', severity: 'down', startedAt: T0 + 6 * MINUTE, endedAt: null });
      expect(items[0]?.cause).toBe('web-1 https down: connection refused');
    });
  });

  describe('an incident', () => {
    it('escalates from degraded to down without opening a second one, and keeps the worst severity', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 1);
      const outcomes = await series(core, check, T0, ['up', 'degraded', 'down', 'degraded']);
      expect(outcomes.map((o) => [o.opened.length, o.escalated.length])).toEqual([
        [0, 0],
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
      const { items, total } = await incidents(core);
      expect(total).toBe(1);
      expect(items[0]).toMatchObject({ severity: 'down', startedAt: T0 + MINUTE, endedAt: null, cause: 'web-1 https down: connection refused' });
    });

    it('is resolved when the server is back: endedAt is the result that confirmed it, the duration is exact', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 2);
      // Down confirmed by the 2nd down (T0 + 2 min); the first streak of ups is broken by a down at
      // T0 + 5 min, so up is confirmed by the 2nd up of the next streak (T0 + 7 min).
      const outcomes = await series(core, check, T0, ['up', 'down', 'down', 'down', 'up', 'down', 'up', 'up']);
      expect(outcomes.map((o) => o.opened.length)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
      expect(outcomes.map((o) => o.resolved.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
      const [incident] = (await incidents(core)).items;
      expect(incident).toMatchObject({ startedAt: T0 + 2 * MINUTE, endedAt: T0 + 7 * MINUTE, durationMs: 5 * MINUTE });
      // The duration of a resolved incident does not grow with time.
      await time.advance(60 * MINUTE);
      expect(await call<Incident>(core, 'incidents.get', { id: incident?.id })).toMatchObject({ durationMs: 5 * MINUTE });
    });

    it('is held back during a maintenance window and opens at the first bad result after it ends', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'edge-1', 1, ['edge']);
      const windowStart = T0 + 2 * MINUTE;
      const windowEnd = T0 + 5 * MINUTE;
      await call(core, 'maintenance.create', {
        name: 'reboot',
        scope: { tags: ['edge'] },
        schedule: { kind: 'once', startsAt: windowStart, endsAt: windowEnd },
      });

      const during = await series(core, check, T0, ['up', 'up', 'down', 'down', 'down']);
      expect(during.flatMap((o) => o.opened)).toEqual([]);
      // Still down inside the window: the server shows down, nobody is paged.
      expect((await call<ServerHealth>(core, 'health.server', { id: check.serverId })).status).toBe('down');
      expect((await incidents(core)).total).toBe(0);

      const after = await tick(core, windowEnd, [[check, 'down']]);
      expect(after.opened).toHaveLength(1);
      expect((await incidents(core)).items).toMatchObject([{ startedAt: windowEnd, severity: 'down', endedAt: null }]);
    });

    it('opens none after a window the server came back in', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'edge-1', 1, ['edge']);
      await call(core, 'maintenance.create', {
        name: 'reboot',
        scope: { tags: ['edge'] },
        schedule: { kind: 'once', startsAt: T0 + MINUTE, endsAt: T0 + 4 * MINUTE },
      });
      await series(core, check, T0, ['up', 'down', 'down', 'up', 'up', 'up']);
      expect((await incidents(core)).total).toBe(0);
    });

    it('is resolved when every check of its server is paused, and the engine says so', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 1);
      const second = await call<Check>(core, 'checks.create', {
        serverId: check.serverId,
        name: 'web-1 ssh',
        spec: { type: 'tcp', config: { host: 'web-1.example', port: 22 } },
        confirmAfter: 1,
      });
      await tick(core, T0, [
        [check, 'down'],
        [second, 'up'],
      ]);
      const [open] = (await incidents(core, { open: true })).items;
      expect(open).toBeDefined();
      const seen: { name: EventName; payload: unknown }[] = [];
      core.events.subscribe((name, payload) => seen.push({ name, payload }));

      await time.advance(10 * MINUTE);
      expect(await call(core, 'checks.pause', { serverId: check.serverId })).toEqual({ ids: [check.id, second.id] });
      // The server's status follows once the pause has committed.
      await core.health.engine.settled();

      const resolved = await call<Incident>(core, 'incidents.get', { id: open?.id });
      expect(resolved).toMatchObject({ endedAt: T0 + 10 * MINUTE, durationMs: 10 * MINUTE });
      expect((await call<ServerHealth>(core, 'health.server', { id: check.serverId })).status).toBe('paused');
      expect(seen.filter((e) => e.name === 'incident.resolved')).toEqual([{ name: 'incident.resolved', payload: expect.objectContaining({ id: open?.id }) }]);
      expect(seen.filter((e) => e.name === 'server.status').map((e) => e.payload)).toEqual([expect.objectContaining({ from: 'down', to: 'paused' })]);

      // Resuming starts over from unknown: no new incident until a result says so.
      await call(core, 'checks.resume', { serverId: check.serverId });
      expect((await incidents(core, { open: true })).total).toBe(0);
    });
  });

  describe('the incident list', () => {
    it('puts open incidents first, newest first within each group, and pages', async () => {
      const core = await start();
      const a = await serverWithCheck(core, 'alpha', 1);
      const b = await serverWithCheck(core, 'bravo', 1);
      const c = await serverWithCheck(core, 'charlie', 1);
      await tick(core, T0, [[a, 'down']]); // alpha #1 opens
      await tick(core, T0 + 1 * MINUTE, [[a, 'up']]); // alpha #1 resolved
      await tick(core, T0 + 2 * MINUTE, [[b, 'down']]); // bravo opens, stays open
      await tick(core, T0 + 3 * MINUTE, [[c, 'degraded']]); // charlie opens
      await tick(core, T0 + 4 * MINUTE, [[c, 'up']]); // charlie resolved
      await tick(core, T0 + 5 * MINUTE, [[a, 'down']]); // alpha #2 opens, stays open

      const view = (items: Incident[]) => items.map((i) => `${i.serverName}@${(i.startedAt - T0) / MINUTE}${i.endedAt === null ? ' open' : ''}`);
      const all = await incidents(core);
      expect(all.total).toBe(4);
      expect(view(all.items)).toEqual(['alpha@5 open', 'bravo@2 open', 'charlie@3', 'alpha@0']);

      const page = await incidents(core, { limit: 2, offset: 1 });
      expect({ total: page.total, items: view(page.items) }).toEqual({ total: 4, items: ['bravo@2 open', 'charlie@3'] });
      const last = await incidents(core, { limit: 2, offset: 4 });
      expect(last).toEqual({ total: 4, items: [] });

      expect(view((await incidents(core, { open: true })).items)).toEqual(['alpha@5 open', 'bravo@2 open']);
      expect(view((await incidents(core, { open: false })).items)).toEqual(['charlie@3', 'alpha@0']);
      expect(view((await incidents(core, { serverId: a.serverId })).items)).toEqual(['alpha@5 open', 'alpha@0']);
      expect((await incidents(core, { serverId: a.serverId, limit: 1 })).total).toBe(2);
    });
  });

  describe('one incident', () => {
    it('comes with the server’s results from 15 minutes before it to 15 minutes after it', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 1);
      const startedAt = T0 + 30 * MINUTE;
      const endedAt = startedAt + 2 * MINUTE;
      for (const [at, status] of [
        [startedAt - 16 * MINUTE, 'up'], // before the window: left out
        [startedAt - 15 * MINUTE, 'up'],
        [startedAt, 'down'],
        [startedAt + MINUTE, 'degraded'],
        [endedAt, 'up'],
        [endedAt + 15 * MINUTE, 'up'],
        [endedAt + 16 * MINUTE, 'up'], // after the window: left out
      ] as const) {
        await tick(core, at, [[check, status]]);
      }
      const [listed] = (await incidents(core)).items;
      const incident = await call<Incident & { results: StoredResult[] }>(core, 'incidents.get', { id: listed?.id });
      expect(incident).toMatchObject({ startedAt, endedAt, durationMs: 2 * MINUTE, severity: 'down' });
      expect(incident.results).toEqual([
        { checkId: check.id, at: startedAt - 15 * MINUTE, status: 'up', latencyMs: 3, message: null, muted: false },
        { checkId: check.id, at: startedAt, status: 'down', latencyMs: null, message: 'connection refused', muted: false },
        { checkId: check.id, at: startedAt + MINUTE, status: 'degraded', latencyMs: 3, message: MESSAGES.degraded, muted: false },
        { checkId: check.id, at: endedAt, status: 'up', latencyMs: 3, message: null, muted: false },
        { checkId: check.id, at: endedAt + 15 * MINUTE, status: 'up', latencyMs: 3, message: null, muted: false },
      ]);
    });

    it('still open, comes with the results up to now', async () => {
      const core = await start();
      const check = await serverWithCheck(core, 'web-1', 1);
      await series(core, check, T0, ['up', 'down', 'down']);
      const [open] = (await incidents(core)).items;
      const incident = await call<Incident & { results: StoredResult[] }>(core, 'incidents.get', { id: open?.id });
      expect(incident.results.map((r) => [r.at - T0, r.status])).toEqual([
        [0, 'up'],
        [MINUTE, 'down'],
        [2 * MINUTE, 'down'],
      ]);
      expect(incident.durationMs).toBe(MINUTE);
    });
  });
});
