import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jsonParam, read, type AsyncDatabase } from '../../db/engine';
import { useEngines } from '../../testing/engines';
import { packedTallies, ResultStore, type CheckStateWrite, type PackedTallies, type ResultWrite, type RollupWrite } from './results';

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

/** A server with `count` checks, each with its state row; answers their seqs, oldest first. */
async function serverWithChecks(db: AsyncDatabase, name: string, count: number): Promise<number[]> {
  await db.run(sql`INSERT INTO servers (id, name, host, port, "user", environment, tags, notes, created_at, updated_at)
    VALUES (${name}, ${name}, ${`${name}.example.net`}, 22, NULL, 'production', ${jsonParam([])}, '', ${T}, ${T})`);
  const paused = db.dialect === 'sqlite' ? sql`0` : sql`false`;
  for (let from = 0; from < count; from += 100) {
    const checks = [];
    for (let i = from; i < Math.min(count, from + 100); i++)
      checks.push(sql`(${`check-${name}-${i}`}, ${name}, ${`tcp ${i}`}, 'tcp', ${jsonParam({ port: 22 })}, 60000, 5000, 0, 1, ${paused}, ${T}, ${T})`);
    await db.run(sql`INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at)
      VALUES ${sql.join(checks, sql`, `)}`);
  }
  const seqs = await db.all(sql`SELECT seq FROM checks WHERE server_id = ${name} ORDER BY seq`, (row) => read.number(row, 'seq'));
  for (let from = 0; from < seqs.length; from += 100) {
    const states = seqs.slice(from, from + 100).map((seq) => sql`(${seq}, 'unknown', 0, ${T})`);
    await db.run(sql`INSERT INTO check_states (check_seq, state, pending_count, state_since) VALUES ${sql.join(states, sql`, `)}`);
  }
  return seqs;
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

type TickResult = Omit<ResultWrite, 'messageId'> & { message: string | null };

/**
 * A tick of a poller's size for `seqs`: a down result with one of two shared messages, a degraded
 * one with a message of its own, for some an up one (no message), and one check's first instant
 * written again (the later stays); two states per check (the later stays); each check's rollups
 * of two hours and a day, one of them written twice.
 */
function tickOf(seqs: readonly number[]): { results: TickResult[]; states: CheckStateWrite[]; rollups: RollupWrite[] } {
  const HOUR = 3_600_000;
  const results: TickResult[] = [];
  const states: CheckStateWrite[] = [];
  const rollups: RollupWrite[] = [];
  seqs.forEach((seq, i) => {
    const shared = i % 2 === 0 ? 'connection refused' : 'HTTP 503, expected 200-399';
    results.push({ seq, at: T + i, status: 2, latency: i % 3 === 0 ? null : 10 * i, message: shared, muted: i % 5 === 0 });
    results.push({ seq, at: T + HOUR + i, status: 1, latency: 24_000 + i, message: `slow: ${2400 + i} ms`, muted: false });
    if (i % 4 === 0) results.push({ seq, at: T + HOUR + 60_000 + i, status: 0, latency: 5, message: null, muted: false });
    const state = (last: number, status: string, message: string): CheckStateWrite => ({
      seq,
      state: status,
      pendingStatus: i % 3 === 0 ? 'down' : null,
      pendingCount: i % 3,
      stateSince: T,
      lastAt: last,
      lastStatus: status,
      lastLatencyMs: i % 7 === 0 ? null : 2400.1 + i / 10,
      lastMessage: message,
      lastData: i % 2 === 0 ? { statusCode: 503, note: `it's "check" ${i}` } : null,
      avgLatencyMs: i % 7 === 0 ? null : 240.01 + i,
    });
    states.push(state(T + i, 'down', shared), state(T + HOUR + i, 'degraded', `slow: ${2400 + i} ms`));
    rollups.push(
      { ...rollup(seq, 0, T, 1, 1), latMin: i % 3 === 0 ? null : 10 * i, sketch: `{"${i}":1}` },
      { ...rollup(seq, 0, T + HOUR, 1 + (i % 4 === 0 ? 1 : 0), 0), muted: 0 },
      { ...rollup(seq, 1, T, 2 + (i % 4 === 0 ? 1 : 0), 1), latSum: 24_010.5 + i },
    );
  });
  const [first] = seqs as [number];
  results.push({ seq: first, at: T, status: 0, latency: 7, message: null, muted: false });
  rollups.push({ ...rollup(first, 1, T, 99, 9), sketch: '{"rewritten":1}' });
  return { results, states, rollups };
}

/** Everything a tick wrote, read back: results with their messages, messages by id, states, rollups. */
async function written(db: AsyncDatabase, store: ResultStore, server: string, seqs: readonly number[]) {
  const keys = seqs.flatMap((seq) => [
    { seq, period: 0, start: T },
    { seq, period: 0, start: T + 3_600_000 },
    { seq, period: 1, start: T },
  ]);
  return {
    results: await store.serverResults(server, 0, T + 86_400_000, 100_000),
    // In the order of their ids (PostgreSQL does not take back the ids of a transaction that rolled back).
    messages: await db.all(sql`SELECT text FROM health_messages ORDER BY id`, (row) => read.text(row, 'text')),
    states: await db.all(
      sql`SELECT check_seq, state, pending_status, pending_count, state_since, last_at, last_status, last_latency_ms, last_message, last_data, avg_latency_ms
            FROM check_states ORDER BY check_seq`,
      (row) => ({
        seq: read.number(row, 'check_seq'),
        state: read.text(row, 'state'),
        pendingStatus: read.textOrNull(row, 'pending_status'),
        pendingCount: read.number(row, 'pending_count'),
        stateSince: read.numberOrNull(row, 'state_since'),
        lastAt: read.numberOrNull(row, 'last_at'),
        lastStatus: read.textOrNull(row, 'last_status'),
        lastLatencyMs: read.numberOrNull(row, 'last_latency_ms'),
        lastMessage: read.textOrNull(row, 'last_message'),
        lastData: read.json(row, 'last_data'),
        avgLatencyMs: read.numberOrNull(row, 'avg_latency_ms'),
      }),
    ),
    rollups: [...(await store.readRollups(keys))].sort(([a], [b]) => a.localeCompare(b)),
    firstHours: await store.rollups(seqs[0] ?? -1, 0, 0),
  };
}

describe.each(['sqlite', 'postgres'] as const)('health results on %s', (engine) => {
  it('a tick written as one statement per table and chunk reads back as written row by row; a failure mid-tick leaves nothing', async () => {
    const CHECKS = 150;
    const CHUNK = 64; // several chunks of every table on PostgreSQL
    const rowByRow = await engines.fresh(engine);
    const sets = await engines.fresh(engine);
    try {
      const seqs = await serverWithChecks(rowByRow.db, 'fleet', CHECKS);
      expect(await serverWithChecks(sets.db, 'fleet', CHECKS)).toEqual(seqs);
      const tick = tickOf(seqs);
      expect(tick.results.length).toBeGreaterThan(4 * CHUNK);
      expect(new Set(tick.results.map((row) => row.message)).size).toBeGreaterThan(2 * CHUNK);

      const one = new ResultStore(rowByRow.db);
      await rowByRow.db.transaction(async () => {
        for (const row of tick.results) {
          await one.writeResult(row.seq, row.at, row.status, row.latency, row.message === null ? null : await one.messageId(row.message), row.muted);
        }
        for (const state of tick.states) await one.writeState(state);
        for (const row of tick.rollups) await one.writeRollup(row);
      });

      const store = new ResultStore(sets.db, CHUNK);
      const writeTick = (rollups: RollupWrite[]) =>
        sets.db.transaction(async () => {
          const ids = await store.messageIds(tick.results.flatMap((row) => (row.message === null ? [] : [row.message])));
          await store.writeResults(tick.results.map(({ message, ...row }) => ({ ...row, messageId: message === null ? null : (ids.get(message) ?? -1) })));
          await store.writeStates(tick.states);
          await store.writeRollups(rollups);
        });
      // A rollup of a check that does not exist, in the second chunk of the last table: the foreign key refuses it there.
      const broken = [...tick.rollups.slice(0, CHUNK + 5), rollup(999_999, 0, T, 1, 0), ...tick.rollups.slice(CHUNK + 5)];
      await expect(writeTick(broken)).rejects.toThrow();
      const untouched = await written(sets.db, store, 'fleet', seqs);
      expect(untouched.results).toEqual([]);
      expect(untouched.messages).toEqual([]);
      expect(untouched.rollups).toEqual([]);
      expect(untouched.states.every((state) => state.state === 'unknown' && state.lastAt === null)).toBe(true);

      await writeTick(tick.rollups);
      const expected = await written(rowByRow.db, one, 'fleet', seqs);
      const actual = await written(sets.db, store, 'fleet', seqs);
      expect(actual).toEqual(expected);
      // And what row by row wrote is what the tick says: the later of two writes stays.
      expect(actual.results).toHaveLength(tick.results.length - 1);
      expect(actual.results.find((row) => row.at === T)).toMatchObject({ status: 0, latency: 7, message: null });
      expect(actual.messages.slice(0, 3)).toEqual(['connection refused', 'slow: 2400 ms', 'HTTP 503, expected 200-399']);
      expect(actual.messages).toHaveLength(2 + CHECKS);
      expect(actual.states[1]).toEqual(tick.states[3]);
      expect(actual.states[0]).toEqual(tick.states[1]);
      expect(actual.rollups).toHaveLength(3 * CHECKS);
      expect(new Map(actual.rollups).get(`${seqs[0]}:1:${T}`)).toMatchObject({ count: 99, failures: 9, sketch: '{"rewritten":1}' });
      expect(actual.firstHours.map((row) => [row.start, row.latMin, row.sketch])).toEqual([
        [T, null, '{"0":1}'],
        [T + 3_600_000, 1.5, '{"10":3}'],
      ]);
    } finally {
      await rowByRow.db.close();
      await sets.db.close();
    }
  });

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
      // The index's read: each check's period as one row, the rows before `hourFrom` / `dayFrom` and the checks outside the range left out.
      const byKey = (a: PackedTallies, b: PackedTallies) => a.seq - b.seq || a.period - b.period;
      const [first, last] = web < api ? [web, api] : [api, web];
      expect((await store.rollupTallies(first, last, T - 3_600_000, T - DAY)).sort(byKey)).toEqual(
        [
          { seq: web, period: 1, starts: [T - DAY], counts: [20], failures: [2] },
          { seq: api, period: 0, starts: [T - 3_600_000], counts: [60], failures: [6] },
          { seq: api, period: 1, starts: [T - DAY], counts: [5], failures: [5] },
        ].sort(byKey),
      );
      const webDays = (await store.rollupTallies(web, web, T, T - 3 * DAY)).map((row) =>
        row.starts.map((start, i) => [start, row.counts[i], row.failures[i]]).sort((a, b) => Number(a[0]) - Number(b[0])),
      );
      expect(webDays).toEqual([
        [
          [T - 2 * DAY, 10, 1],
          [T - DAY, 20, 2],
        ],
      ]);
      expect(() => packedTallies(web, 0, '1 2')).toThrow(/could not be read for the uptime index/);
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
        checkTypes: ['tcp'],
        acknowledgedAt: null,
        acknowledgedBy: null,
        note: null,
      });
      await store.insertIncident(incident('i-1', 'web-1', T));
      await store.insertIncident(incident('i-2', 'web-1', T + 10));
      await store.insertIncident(incident('i-3', 'db-1', T + 5));
      await store.resolveIncident('i-2', T + 20);
      await store.escalateIncident('i-3', 'down', 'tcp: refused', ['http', 'tcp']);

      const page = await store.incidents({}, 10, 0);
      expect(page.total).toBe(3);
      expect(page.rows.map((row) => [row.id, row.endedAt === null])).toEqual([
        ['i-3', true],
        ['i-1', true],
        ['i-2', false],
      ]);
      expect(page.rows[0]).toMatchObject({ serverName: 'db-1', severity: 'down', cause: 'tcp: refused', checkTypes: ['http', 'tcp'] });
      expect(page.rows[1]).toMatchObject({ id: 'i-1', checkTypes: ['tcp'] });
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
