import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jsonParam, read, type AsyncDatabase } from '../../db/engine';
import { useEngines } from '../../testing/engines';
import { ResultStore, type RollupWrite } from './results';

/**
 * What the health engine writes as it polls, and reads back for dashboards and retention, the same
 * on SQLite and PostgreSQL: a result written twice for one instant is one row, each message is
 * stored once, rollups are upserted, incidents page open-first and are acknowledged once.
 */

const engines = useEngines('guardian-health-results-');
const T = 1_767_225_600_000;

/** A server with one check; answers the check's seq. */
async function serverWithCheck(db: AsyncDatabase, name: string): Promise<number> {
  await db.run(sql`INSERT INTO servers (id, name, host, port, "user", environment, tags, notes, created_at, updated_at)
    VALUES (${name}, ${name}, ${`${name}.example.net`}, 22, NULL, 'production', ${jsonParam([])}, '', ${T}, ${T})`);
  await db.run(sql`INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at)
    VALUES (${`check-${name}`}, ${name}, 'tcp', 'tcp', ${jsonParam({ port: 22 })}, 60000, 5000, 0, 1, ${db.dialect === 'sqlite' ? sql`0` : sql`false`}, ${T}, ${T})`);
  const seq = await db.get(sql`SELECT seq FROM checks WHERE id = ${`check-${name}`}`, (row) => read.number(row, 'seq'));
  await db.run(sql`INSERT INTO check_states (check_seq, state, pending_count, state_since) VALUES (${seq}, 'unknown', 0, ${T})`);
  return seq ?? -1;
}

const rollup = (seq: number, period: number, start: number, count: number, failures: number): RollupWrite => ({
  seq,
  period,
  start,
  count,
  failures,
  degraded: 0,
  muted: 1,
  latCount: count,
  latMin: 1.5,
  latMax: 9.25,
  latSum: count * 4.5,
  sketch: '{"10":3}',
});

describe.each(['sqlite', 'postgres'] as const)('health results on %s', (engine) => {
  it('a tick writes results, each message once, and the check’s state; a result written again for the same instant replaces it', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const store = new ResultStore(db);
      const seq = await serverWithCheck(db, 'web-1');
      await db.transaction(async () => {
        const refused = await store.messageId('connection refused');
        expect(await store.messageId('connection refused')).toBe(refused);
        await store.writeResult(seq, T, 2, null, refused, false);
        await store.writeResult(seq, T + 1000, 0, 35, null, true);
        await store.writeResult(seq, T + 1000, 1, 24001, await store.messageId('slow: 2400 ms'), false);
        await store.writeState({
          seq,
          state: 'degraded',
          pendingStatus: null,
          pendingCount: 0,
          stateSince: T + 1000,
          lastAt: T + 1000,
          lastStatus: 'degraded',
          lastLatencyMs: 2400.1,
          lastMessage: 'slow: 2400 ms',
          lastData: { statusCode: 200 },
          avgLatencyMs: 240.01,
        });
      });
      expect(await store.results(seq, T)).toEqual([
        { at: T, status: 2, latency: null, muted: false },
        { at: T + 1000, status: 1, latency: 24001, muted: false },
      ]);
      expect(await store.results(seq, T + 1)).toHaveLength(1);
      expect(await db.get(sql`SELECT count(*) AS n FROM health_messages`, (row) => read.number(row, 'n'))).toBe(2);
      expect(await store.serverResults('web-1', T, T + 1000, 500)).toEqual([
        { checkId: 'check-web-1', at: T, status: 2, latency: null, muted: false, message: 'connection refused' },
        { checkId: 'check-web-1', at: T + 1000, status: 1, latency: 24001, muted: false, message: 'slow: 2400 ms' },
      ]);
      const state = await db.get(sql`SELECT state, last_latency_ms, last_data, avg_latency_ms FROM check_states WHERE check_seq = ${seq}`, (row) => ({
        state: read.text(row, 'state'),
        latency: read.numberOrNull(row, 'last_latency_ms'),
        data: read.json(row, 'last_data'),
        average: read.numberOrNull(row, 'avg_latency_ms'),
      }));
      expect(state).toEqual({ state: 'degraded', latency: 2400.1, data: { statusCode: 200 }, average: 240.01 });
    } finally {
      await db.close();
    }
  });

  it('rollups are written, rewritten in place, and summed for uptime and for the index', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const store = new ResultStore(db);
      const web = await serverWithCheck(db, 'web-1');
      const api = await serverWithCheck(db, 'api-1');
      const DAY = 86_400_000;
      await store.writeRollup(rollup(web, 1, T - 2 * DAY, 10, 1));
      await store.writeRollup(rollup(web, 1, T - DAY, 10, 0));
      await store.writeRollup(rollup(web, 1, T - DAY, 20, 2)); // the open day, rewritten
      await store.writeRollup(rollup(api, 1, T - DAY, 5, 5));
      await store.writeRollup(rollup(api, 0, T - 3_600_000, 60, 6));
      expect(await store.readRollup(web, 1, T - DAY)).toEqual({
        count: 20,
        failures: 2,
        degraded: 0,
        muted: 1,
        latCount: 20,
        latMin: 1.5,
        latMax: 9.25,
        latSum: 90,
        sketch: '{"10":3}',
      });
      expect(await store.readRollup(web, 0, T - DAY)).toBeUndefined();
      expect(await store.dailyTotals([web, api], T - DAY)).toEqual({ count: 25, failures: 7 });
      expect(await store.dailyTotals([web], T - 10 * DAY)).toEqual({ count: 30, failures: 3 });
      expect(await store.dailyTotals([], T)).toEqual({ count: 0, failures: 0 });
      expect(await store.dailyTotals([web], T)).toEqual({ count: 0, failures: 0 });
      const days = await store.rollupTallies(1, T - DAY);
      expect(days.sort((a, b) => a.seq - b.seq)).toEqual(
        [
          { seq: web, start: T - DAY, count: 20, failures: 2 },
          { seq: api, start: T - DAY, count: 5, failures: 5 },
        ].sort((a, b) => a.seq - b.seq),
      );
      expect((await store.rollups(web, 1, 0)).map((row) => [row.start, row.count])).toEqual([
        [T - 2 * DAY, 10],
        [T - DAY, 20],
      ]);
    } finally {
      await db.close();
    }
  });

  it('incidents page open ones first then the newest, count per server, and are acknowledged once', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const store = new ResultStore(db);
      await serverWithCheck(db, 'web-1');
      await serverWithCheck(db, 'db-1');
      const incident = (id: string, serverId: string, startedAt: number) => ({
        id,
        serverId,
        severity: 'degraded',
        startedAt,
        endedAt: null,
        cause: 'tcp: slow',
        acknowledgedAt: null,
        acknowledgedBy: null,
        note: null,
      });
      await store.insertIncident(incident('i-1', 'web-1', T));
      await store.insertIncident(incident('i-2', 'web-1', T + 10));
      await store.insertIncident(incident('i-3', 'db-1', T + 5));
      await store.resolveIncident('i-2', T + 20);
      await store.escalateIncident('i-3', 'down', 'tcp: refused');

      const page = await store.incidents({}, 10, 0);
      expect(page.total).toBe(3);
      expect(page.rows.map((row) => [row.id, row.endedAt === null])).toEqual([
        ['i-3', true],
        ['i-1', true],
        ['i-2', false],
      ]);
      expect(page.rows[0]).toMatchObject({ serverName: 'db-1', severity: 'down', cause: 'tcp: refused' });
      expect((await store.incidents({ serverId: 'web-1', open: false }, 10, 0)).rows.map((row) => row.id)).toEqual(['i-2']);
      expect((await store.incidents({ open: true }, 1, 1)).rows.map((row) => row.id)).toEqual(['i-1']);
      expect((await store.openIncidents()).map((row) => row.id).sort()).toEqual(['i-1', 'i-3']);
      expect(await store.incidentCountsSince(T + 1)).toEqual(
        new Map([
          ['web-1', 1],
          ['db-1', 1],
        ]),
      );

      expect(await store.acknowledgeIncident('i-1', T + 30, 'alice', 'looking')).toBe(true);
      expect(await store.acknowledgeIncident('i-1', T + 31, 'bob', 'mine')).toBe(false);
      expect(await store.incident('i-1')).toMatchObject({ acknowledgedAt: T + 30, acknowledgedBy: 'alice', note: 'looking' });
      expect(await store.incident('i-9')).toBeUndefined();

      expect(await store.dropResolvedIncidents(T + 20)).toBe(0);
      expect(await store.dropResolvedIncidents(T + 21)).toBe(1);
      expect((await store.incidents({}, 10, 0)).total).toBe(2);
    } finally {
      await db.close();
    }
  });

  it('retention removes results and rollups before a time, check by check, and nothing after it', async () => {
    const { db } = await engines.fresh(engine);
    try {
      const store = new ResultStore(db);
      const web = await serverWithCheck(db, 'web-1');
      const api = await serverWithCheck(db, 'api-1');
      for (const seq of [web, api]) {
        for (const at of [T - 2000, T - 1000, T]) await store.writeResult(seq, at, 0, 10, null, false);
        await store.writeRollup(rollup(seq, 0, T - 7_200_000, 1, 0));
        await store.writeRollup(rollup(seq, 0, T, 1, 0));
      }
      expect(await store.checkSeqs()).toEqual([web, api].sort((a, b) => a - b));
      expect(await store.dropResults(web, T - 1000)).toBe(1);
      expect(await store.dropRollups(web, T)).toBe(1);
      expect((await store.results(web, 0)).map((row) => row.at)).toEqual([T - 1000, T]);
      expect(await store.results(api, 0)).toHaveLength(3);
      expect((await store.rollups(web, 0, 0)).map((row) => row.start)).toEqual([T]);
    } finally {
      await db.close();
    }
  });
});
