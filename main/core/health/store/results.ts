import { sql } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import { DAY_MS, HOUR_MS } from '../../clock';
import { jsonParam, read, type Queryable, type Row } from '../../db/engine';
import type { IncidentRow } from '../table';

/**
 * What the health engine writes as it polls and the dashboards read back (docs/architecture.md §4),
 * on either engine: raw results and their messages, each check's state, hourly and daily rollups,
 * incidents. A tick's writes are fixed statements (`execute`/`lookup`) in the syntax both engines
 * share (`INSERT … ON CONFLICT … DO UPDATE`): one per row on SQLite, one per table on PostgreSQL
 * (`writeResults` and the rest, see PG_CHUNK); everything else is a template.
 */

/** A raw result as stored: status 0 up, 1 degraded, 2 down; latency in tenths of a millisecond. */
export interface StoredResultRow {
  at: number;
  status: number;
  latency: number | null;
  muted: boolean;
}

/** An hourly (period 0) or daily (period 1) rollup's counters. */
export interface StoredRollup {
  count: number;
  failures: number;
  degraded: number;
  muted: number;
  latCount: number;
  latMin: number | null;
  latMax: number | null;
  latSum: number;
  sketch: string;
}

export interface RollupWrite extends StoredRollup {
  seq: number;
  period: number;
  start: number;
}

/** A raw result to write; `messageId` null for an `up` result. */
export interface ResultWrite {
  seq: number;
  at: number;
  status: number;
  latency: number | null;
  messageId: number | null;
  muted: boolean;
}

/** Which rollup row: a check's hour (period 0) or day (period 1) starting at `start`. */
export interface RollupKey {
  seq: number;
  period: number;
  start: number;
}

/** A rollup row's key as text, for a Map. */
export const rollupKey = (seq: number, period: number, start: number): string => `${seq}:${period}:${start}`;

/** A check's state as a tick leaves it. */
export interface CheckStateWrite {
  seq: number;
  state: string;
  pendingStatus: string | null;
  pendingCount: number;
  stateSince: number | null;
  lastAt: number;
  lastStatus: string;
  lastLatencyMs: number | null;
  lastMessage: string;
  lastData: Record<string, unknown> | null;
  avgLatencyMs: number | null;
}

export type IncidentWithServer = IncidentRow & { serverName: string | null };

export interface IncidentFilter {
  serverId?: string | undefined;
  open?: boolean | undefined;
}

const WRITE_RESULT = `INSERT INTO health_results (check_seq, at, status, latency, message_id, muted) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (check_seq, at) DO UPDATE SET status = excluded.status, latency = excluded.latency, message_id = excluded.message_id, muted = excluded.muted`;
const WRITE_STATE = `UPDATE check_states SET state = ?, pending_status = ?, pending_count = ?, state_since = ?, last_at = ?, last_status = ?,
  last_latency_ms = ?, last_message = ?, last_data = ?, avg_latency_ms = ? WHERE check_seq = ?`;
const WRITE_MESSAGE = 'INSERT INTO health_messages (text) VALUES (?) ON CONFLICT (text) DO NOTHING';
const FIND_MESSAGE = 'SELECT id FROM health_messages WHERE text = ?';
const READ_ROLLUP =
  'SELECT count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch FROM health_rollups WHERE check_seq = ? AND period = ? AND start = ?';
const WRITE_ROLLUP = `INSERT INTO health_rollups (check_seq, period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (check_seq, period, start) DO UPDATE SET count = excluded.count, failures = excluded.failures, degraded = excluded.degraded,
    muted = excluded.muted, lat_count = excluded.lat_count, lat_min = excluded.lat_min, lat_max = excluded.lat_max, lat_sum = excluded.lat_sum,
    sketch = excluded.sketch`;

/**
 * A tick's writes as one statement per table on PostgreSQL, where each statement is a round trip
 * to the server: four per result row by row put the server's CPU per check at twice SQLite's
 * (docs/storage.md "Performance on each engine"). Each column goes as one array parameter and
 * `unnest` turns the arrays back into rows, so the text is the same whatever the number of rows
 * (no `?` per value, no parameter limit, no text per row count). Measured on ticks of 250 result
 * and 250 rollup upserts, CPU per row (Guardian's process / the server's): one statement per row
 * 261–443 / 316–455 µs, a multi-row VALUES list 20–23 / 49–57 µs, `unnest` 13–21 / 19–23 µs,
 * and `unnest` as a named statement (prepared once per connection) 14–16 / 16–21 µs, within the
 * noise of the unnamed one: `execute` is used as it is. Rows are sent PG_CHUNK at a time all the
 * same, to bound one statement's size when a backlog of held results is written. SQLite keeps
 * its prepared single-row statements: a call into the library, no round trip, and measured
 * faster there than a multi-row VALUES list (13–17 µs a row against 25–32 µs for an upsert of
 * 100 rows at a time).
 */
const PG_CHUNK = 1000;
const WRITE_RESULTS_PG = `INSERT INTO health_results (check_seq, at, status, latency, message_id, muted)
  SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::integer[], ?::integer[], ?::bigint[], ?::integer[])
  ON CONFLICT (check_seq, at) DO UPDATE SET status = excluded.status, latency = excluded.latency, message_id = excluded.message_id, muted = excluded.muted`;
const WRITE_STATES_PG = `UPDATE check_states AS s SET state = v.state, pending_status = v.pending_status, pending_count = v.pending_count,
    state_since = v.state_since, last_at = v.last_at, last_status = v.last_status, last_latency_ms = v.last_latency_ms,
    last_message = v.last_message, last_data = v.last_data::jsonb, avg_latency_ms = v.avg_latency_ms
  FROM unnest(?::text[], ?::text[], ?::integer[], ?::bigint[], ?::bigint[], ?::text[], ?::double precision[], ?::text[], ?::text[],
      ?::double precision[], ?::bigint[])
    AS v(state, pending_status, pending_count, state_since, last_at, last_status, last_latency_ms, last_message, last_data, avg_latency_ms, check_seq)
  WHERE s.check_seq = v.check_seq`;
const WRITE_MESSAGES_PG = 'INSERT INTO health_messages (text) SELECT unnest(?::text[]) ON CONFLICT (text) DO NOTHING';
const WRITE_ROLLUPS_PG = `INSERT INTO health_rollups (check_seq, period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch)
  SELECT * FROM unnest(?::bigint[], ?::integer[], ?::bigint[], ?::integer[], ?::integer[], ?::integer[], ?::integer[], ?::integer[],
      ?::double precision[], ?::double precision[], ?::double precision[], ?::text[])
  ON CONFLICT (check_seq, period, start) DO UPDATE SET count = excluded.count, failures = excluded.failures, degraded = excluded.degraded,
    muted = excluded.muted, lat_count = excluded.lat_count, lat_min = excluded.lat_min, lat_max = excluded.lat_max, lat_sum = excluded.lat_sum,
    sketch = excluded.sketch`;

/** `rows`' values one array per column: what an `unnest` statement takes. */
function columnsOf(rows: readonly unknown[][]): unknown[][] {
  return (rows[0] ?? []).map((_, column) => rows.map((row) => row[column]));
}

/** `rows` in slices of at most `size`. */
function chunks<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let from = 0; from < rows.length; from += size) out.push(rows.slice(from, from + size));
  return out;
}

/**
 * The last of `rows` for each key, in the order of each key's first row: what writing them one by
 * one leaves. PostgreSQL refuses an upsert that meets the same key twice in one statement (held
 * results can hold two of one check's runs, a state per result of the same check).
 */
function lastPerKey<T>(rows: readonly T[], key: (row: T) => string | number): T[] {
  if (rows.length < 2) return [...rows];
  const last = new Map<string | number, T>();
  for (const row of rows) last.set(key(row), row);
  return last.size === rows.length ? [...rows] : [...last.values()];
}

const stateData = (state: CheckStateWrite) => (state.lastData === null ? null : JSON.stringify(state.lastData));

const INCIDENT = sql.raw(
  `SELECT i.id, i.server_id, i.severity, i.started_at, i.ended_at, i.cause, i.check_types, i.acknowledged_at, i.acknowledged_by, i.note, s.name AS server_name
     FROM incidents i LEFT JOIN servers s ON s.id = i.server_id`,
);

/** The rollups table's mapper (its counters). */
function rollupOf(row: Row): StoredRollup {
  return {
    count: read.number(row, 'count'),
    failures: read.number(row, 'failures'),
    degraded: read.number(row, 'degraded'),
    muted: read.number(row, 'muted'),
    latCount: read.number(row, 'lat_count'),
    latMin: read.numberOrNull(row, 'lat_min'),
    latMax: read.numberOrNull(row, 'lat_max'),
    latSum: read.number(row, 'lat_sum'),
    sketch: read.text(row, 'sketch'),
  };
}

/** The incidents table's mapper, with the server's name when it still exists. */
function incidentOf(row: Row): IncidentWithServer {
  return {
    id: read.text(row, 'id'),
    serverId: read.text(row, 'server_id'),
    severity: read.text(row, 'severity'),
    startedAt: read.number(row, 'started_at'),
    endedAt: read.numberOrNull(row, 'ended_at'),
    cause: read.text(row, 'cause'),
    checkTypes: read.strings(row, 'check_types'),
    acknowledgedAt: read.numberOrNull(row, 'acknowledged_at'),
    acknowledgedBy: read.textOrNull(row, 'acknowledged_by'),
    note: read.textOrNull(row, 'note'),
    serverName: read.textOrNull(row, 'server_name'),
  };
}

/** The raw results table's mapper. */
function resultOf(row: Row): StoredResultRow {
  return {
    at: read.number(row, 'at'),
    status: read.number(row, 'status'),
    latency: read.numberOrNull(row, 'latency'),
    muted: read.numberOrNull(row, 'muted') === 1,
  };
}

const idOf = (row: Row) => read.number(row, 'id');
const seqOf = (row: Row) => read.number(row, 'seq');
const countOf = (row: Row) => read.number(row, 'n');
const tallyOf = (row: Row) => ({ count: read.numberOrNull(row, 'count') ?? 0, failures: read.numberOrNull(row, 'failures') ?? 0 });

/** One check's rollups of one period for the uptime index: bucket i starts at `starts[i]`. */
export interface PackedTallies {
  seq: number;
  period: number;
  starts: number[];
  counts: number[];
  failures: number[];
}

function unreadable(seq: number): AppError {
  return new AppError('INTERNAL', `The rollups of check ${seq} could not be read for the uptime index.`, {
    hint: 'Another program may have written the health rollups; check the database with guardian db check.',
  });
}

/**
 * Reads `text`, triples of non-negative integers separated by single spaces (a period's number since
 * the epoch, a count, failures), digit by digit: no substring per number.
 */
export function packedTallies(seq: number, period: number, text: string): PackedTallies {
  const ms = period === 0 ? HOUR_MS : DAY_MS;
  const packed: PackedTallies = { seq, period, starts: [], counts: [], failures: [] };
  const columns = [packed.starts, packed.counts, packed.failures] as const;
  let value = 0;
  let column = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
    if (code >= 48 && code <= 57) {
      value = value * 10 + (code - 48);
      digits++;
      continue;
    }
    if (code !== 32 || digits === 0) throw unreadable(seq);
    columns[column]?.push(column === 0 ? value * ms : value);
    column = (column + 1) % 3;
    value = 0;
    digits = 0;
  }
  if (column !== 0) throw unreadable(seq);
  return packed;
}

export class ResultStore {
  /** `chunk`: rows per statement of a tick's writes on PostgreSQL (PG_CHUNK; smaller in a test of the chunking). */
  constructor(
    private readonly db: Queryable,
    private readonly chunk = PG_CHUNK,
  ) {}

  // One row's writes: inside the tick's transaction, one fixed statement each (SQLite's tick, and the tests').

  async writeResult(seq: number, at: number, status: number, latency: number | null, messageId: number | null, muted: boolean): Promise<void> {
    await this.db.execute(WRITE_RESULT, resultParams({ seq, at, status, latency, messageId, muted }));
  }

  async writeState(state: CheckStateWrite): Promise<void> {
    await this.db.execute(WRITE_STATE, stateParams(state));
  }

  /** The id of a result message, stored once whatever the number of results saying it. */
  async messageId(text: string): Promise<number> {
    await this.db.execute(WRITE_MESSAGE, [text]);
    const id = await this.db.lookup(FIND_MESSAGE, [text], idOf);
    if (id === undefined) {
      throw new AppError('INTERNAL', 'A check result’s message was written but could not be read back.', {
        hint: 'Another program may be changing the database; check it with guardian db check.',
        retryable: true,
      });
    }
    return id;
  }

  readRollup(seq: number, period: number, start: number): Promise<StoredRollup | undefined> {
    return this.db.lookup(READ_ROLLUP, [seq, period, start], rollupOf);
  }

  async writeRollup(rollup: RollupWrite): Promise<void> {
    await this.db.execute(WRITE_ROLLUP, rollupParams(rollup));
  }

  // A tick's writes as sets: one statement per table and chunk on PostgreSQL, the single-row statements above on SQLite (executeMany).

  /** Writes `rows`; of two for one check and instant, the later one stays. */
  writeResults(rows: readonly ResultWrite[]): Promise<void> {
    return this.writeSet(rows, resultParams, (row) => `${row.seq}:${row.at}`, WRITE_RESULT, WRITE_RESULTS_PG);
  }

  /** Writes checks' states; of two for one check, the later one stays. */
  writeStates(states: readonly CheckStateWrite[]): Promise<void> {
    return this.writeSet(states, stateParams, (state) => state.seq, WRITE_STATE, WRITE_STATES_PG);
  }

  /** The ids of result messages (each text stored once), by text: those not stored yet are added, in the order given. */
  async messageIds(texts: readonly string[]): Promise<Map<string, number>> {
    const distinct = [...new Set(texts)];
    const ids = new Map<string, number>();
    if (this.db.dialect === 'sqlite') {
      for (const text of distinct) ids.set(text, await this.messageId(text));
      return ids;
    }
    for (const chunk of chunks(distinct, this.chunk)) {
      await this.db.execute(WRITE_MESSAGES_PG, [chunk]);
      const found = await this.db.all(sql`SELECT id, text FROM health_messages WHERE text = ANY(${sql.param(chunk)}::text[])`, (row) => ({
        id: read.number(row, 'id'),
        text: read.text(row, 'text'),
      }));
      for (const { id, text } of found) ids.set(text, id);
    }
    if (ids.size !== distinct.length) {
      throw new AppError('INTERNAL', 'A check result’s message was written but could not be read back.', {
        hint: 'Another program may be changing the database; check it with guardian db check.',
        retryable: true,
      });
    }
    return ids;
  }

  /** The stored rollup rows among `keys`, by rollupKey; a key with no row is missing from the map. */
  async readRollups(keys: readonly RollupKey[]): Promise<Map<string, StoredRollup>> {
    const found = new Map<string, StoredRollup>();
    if (this.db.dialect === 'sqlite') {
      for (const { seq, period, start } of keys) {
        const stored = await this.readRollup(seq, period, start);
        if (stored) found.set(rollupKey(seq, period, start), stored);
      }
      return found;
    }
    for (const chunk of chunks(keys, this.chunk)) {
      const rows = await this.db.all(
        sql`SELECT r.check_seq, r.period, r.start, r.count, r.failures, r.degraded, r.muted, r.lat_count, r.lat_min, r.lat_max, r.lat_sum, r.sketch
              FROM health_rollups r
              JOIN unnest(${sql.param(chunk.map((key) => key.seq))}::bigint[], ${sql.param(chunk.map((key) => key.period))}::integer[],
                          ${sql.param(chunk.map((key) => key.start))}::bigint[]) AS k(check_seq, period, start)
                ON r.check_seq = k.check_seq AND r.period = k.period AND r.start = k.start`,
        (row) => ({ key: rollupKey(read.number(row, 'check_seq'), read.number(row, 'period'), read.number(row, 'start')), rollup: rollupOf(row) }),
      );
      for (const { key, rollup } of rows) found.set(key, rollup);
    }
    return found;
  }

  /** Writes rollup rows (each key once: the accumulator's open rows). */
  writeRollups(rollups: readonly RollupWrite[]): Promise<void> {
    return this.writeSet(rollups, rollupParams, (rollup) => rollupKey(rollup.seq, rollup.period, rollup.start), WRITE_ROLLUP, WRITE_ROLLUPS_PG);
  }

  /**
   * Writes `rows` as a set: on SQLite the single-row statement `one` for each (executeMany); on
   * PostgreSQL `set`, which takes each column as an array, once per chunk, the later of two rows
   * with one key kept. `params` gives a row's values in the order both statements take them.
   */
  private async writeSet<T>(rows: readonly T[], params: (row: T) => unknown[], key: (row: T) => string | number, one: string, set: string): Promise<void> {
    if (this.db.dialect === 'sqlite') {
      await this.db.executeMany(one, rows.map(params));
      return;
    }
    for (const chunk of chunks(lastPerKey(rows, key), this.chunk)) await this.db.execute(set, columnsOf(chunk.map(params)));
  }

  // Reads for the dashboards and reports.

  /**
   * What the uptime index starts from: the hourly rollups from `hourFrom` on and the daily ones from
   * `dayFrom` on, of the checks `fromSeq` to `toSeq`, each check's period as one row of text
   * (`hour count failures …`, an hour or day as its number since the epoch) that
   * {@link packedTallies} reads back. A million rollup rows at 10,000 servers came back as a million
   * mapped rows: 3 s of the serve's CPU on PostgreSQL, where this is 40,000 rows and a tenth of it.
   */
  rollupTallies(fromSeq: number, toSeq: number, hourFrom: number, dayFrom: number): Promise<PackedTallies[]> {
    // group_concat and string_agg concatenate the same way; neither promises an order (the index does not need one).
    const concat = sql.raw(this.db.dialect === 'sqlite' ? 'group_concat' : 'string_agg');
    return this.db.all(
      sql`SELECT check_seq, period,
            ${concat}((start / CASE WHEN period = 0 THEN ${sql.raw(String(HOUR_MS))} ELSE ${sql.raw(String(DAY_MS))} END) || ' ' || count || ' ' || failures, ' ') AS tallies
          FROM health_rollups
          WHERE check_seq >= ${fromSeq} AND check_seq <= ${toSeq} AND ((period = 0 AND start >= ${hourFrom}) OR (period = 1 AND start >= ${dayFrom}))
          GROUP BY check_seq, period`,
      (row) => packedTallies(read.number(row, 'check_seq'), read.number(row, 'period'), read.text(row, 'tallies')),
    );
  }

  /** Results and failures of `seqs` in the daily rollups from `from` on. */
  async dailyTotals(seqs: readonly number[], from: number): Promise<{ count: number; failures: number }> {
    if (seqs.length === 0) return { count: 0, failures: 0 };
    const list = sql.join(
      seqs.map((seq) => sql`${seq}`),
      sql`, `,
    );
    const totals = await this.db.get(
      sql`SELECT sum(count) AS count, sum(failures) AS failures FROM health_rollups WHERE check_seq IN (${list}) AND period = 1 AND start >= ${from}`,
      tallyOf,
    );
    return totals ?? { count: 0, failures: 0 };
  }

  /** A check's raw results from `from` on, oldest first. */
  results(seq: number, from: number): Promise<StoredResultRow[]> {
    return this.db.all(sql`SELECT at, status, latency, muted FROM health_results WHERE check_seq = ${seq} AND at >= ${from} ORDER BY at`, resultOf);
  }

  /** A check's rollups of `period` from `from` on, oldest first. */
  rollups(seq: number, period: number, from: number): Promise<(StoredRollup & { start: number })[]> {
    return this.db.all(
      sql`SELECT start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch FROM health_rollups
           WHERE check_seq = ${seq} AND period = ${period} AND start >= ${from} ORDER BY start`,
      (row) => ({ start: read.number(row, 'start'), ...rollupOf(row) }),
    );
  }

  /** The seqs of a server's checks, oldest first. */
  checkSeqsOf(serverId: string): Promise<number[]> {
    return this.db.all(sql`SELECT seq FROM checks WHERE server_id = ${serverId} ORDER BY seq`, seqOf);
  }

  /** A check's rollups of `period` starting in [from, to), oldest first. */
  rollupsIn(seq: number, period: number, from: number, to: number): Promise<(StoredRollup & { start: number })[]> {
    return this.db.all(
      sql`SELECT start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch FROM health_rollups
           WHERE check_seq = ${seq} AND period = ${period} AND start >= ${from} AND start < ${to} ORDER BY start`,
      (row) => ({ start: read.number(row, 'start'), ...rollupOf(row) }),
    );
  }

  /** A server's incidents that overlap [from, to): started before its end, not ended before its start. */
  incidentsOverlapping(serverId: string, from: number, to: number): Promise<{ startedAt: number; endedAt: number | null }[]> {
    return this.db.all(
      sql`SELECT started_at, ended_at FROM incidents WHERE server_id = ${serverId} AND started_at < ${to} AND (ended_at IS NULL OR ended_at > ${from})`,
      (row) => ({ startedAt: read.number(row, 'started_at'), endedAt: read.numberOrNull(row, 'ended_at') }),
    );
  }

  /** A server's results between `from` and `to` with their checks' ids and messages, at most `limit`. */
  serverResults(serverId: string, from: number, to: number, limit: number): Promise<(StoredResultRow & { checkId: string; message: string | null })[]> {
    return this.db.all(
      sql`SELECT c.id, r.at, r.status, r.latency, m.text, r.muted
            FROM checks c JOIN health_results r ON r.check_seq = c.seq LEFT JOIN health_messages m ON m.id = r.message_id
           WHERE c.server_id = ${serverId} AND r.at BETWEEN ${from} AND ${to} ORDER BY r.at LIMIT ${limit}`,
      (row) => ({ checkId: read.text(row, 'id'), message: read.textOrNull(row, 'text'), ...resultOf(row) }),
    );
  }

  // Incidents.

  openIncidents(): Promise<IncidentWithServer[]> {
    return this.db.all(sql`${INCIDENT} WHERE i.ended_at IS NULL`, incidentOf);
  }

  incident(id: string): Promise<IncidentWithServer | undefined> {
    return this.db.get(sql`${INCIDENT} WHERE i.id = ${id}`, incidentOf);
  }

  /** One page of incidents, open ones first, then the newest; and how many match. */
  async incidents(filter: IncidentFilter, limit: number, offset: number): Promise<{ rows: IncidentWithServer[]; total: number }> {
    const conditions = [];
    if (filter.serverId) conditions.push(sql`i.server_id = ${filter.serverId}`);
    if (filter.open === true) conditions.push(sql`i.ended_at IS NULL`);
    if (filter.open === false) conditions.push(sql`i.ended_at IS NOT NULL`);
    const where = conditions.length ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
    const total = (await this.db.get(sql`SELECT count(*) AS n FROM incidents i ${where}`, countOf)) ?? 0;
    const rows = await this.db.all(
      sql`${INCIDENT} ${where} ORDER BY (i.ended_at IS NULL) DESC, i.started_at DESC, i.id LIMIT ${limit} OFFSET ${offset}`,
      incidentOf,
    );
    return { rows, total };
  }

  /** How many incidents each server had since `since`. */
  async incidentCountsSince(since: number): Promise<Map<string, number>> {
    const rows = await this.db.all(sql`SELECT server_id, count(*) AS n FROM incidents WHERE started_at >= ${since} GROUP BY server_id`, (row) => ({
      serverId: read.text(row, 'server_id'),
      n: countOf(row),
    }));
    return new Map(rows.map((row) => [row.serverId, row.n]));
  }

  async insertIncident(row: IncidentRow): Promise<void> {
    await this.db.run(sql`INSERT INTO incidents (id, server_id, severity, started_at, ended_at, cause, check_types)
      VALUES (${row.id}, ${row.serverId}, ${row.severity}, ${row.startedAt}, NULL, ${row.cause}, ${jsonParam(row.checkTypes)})`);
  }

  async escalateIncident(id: string, severity: string, cause: string, checkTypes: readonly string[]): Promise<void> {
    await this.db.run(sql`UPDATE incidents SET severity = ${severity}, cause = ${cause}, check_types = ${jsonParam(checkTypes)} WHERE id = ${id}`);
  }

  async resolveIncident(id: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE incidents SET ended_at = ${at} WHERE id = ${id}`);
  }

  /** Acknowledges an incident nobody has yet; whether this call did. */
  async acknowledgeIncident(id: string, at: number, by: string, note: string | null): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE incidents SET acknowledged_at = ${at}, acknowledged_by = ${by}, note = ${note} WHERE id = ${id} AND acknowledged_at IS NULL`,
    );
    return changes === 1;
  }

  // Retention.

  checkSeqs(): Promise<number[]> {
    return this.db.all(sql`SELECT seq FROM checks ORDER BY seq`, seqOf);
  }

  async dropResults(seq: number, before: number): Promise<number> {
    return (await this.db.run(sql`DELETE FROM health_results WHERE check_seq = ${seq} AND at < ${before}`)).changes;
  }

  async dropRollups(seq: number, before: number): Promise<number> {
    return (await this.db.run(sql`DELETE FROM health_rollups WHERE check_seq = ${seq} AND period IN (0, 1) AND start < ${before}`)).changes;
  }

  async dropResolvedIncidents(before: number): Promise<number> {
    return (await this.db.run(sql`DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < ${before}`)).changes;
  }
}

/** WRITE_RESULT's (and WRITE_RESULTS_PG's) values for one result. */
function resultParams(row: ResultWrite): unknown[] {
  return [row.seq, row.at, row.status, row.latency, row.messageId, row.muted ? 1 : null];
}

/** WRITE_STATE's (and WRITE_STATES_PG's) values for one check. */
function stateParams(state: CheckStateWrite): unknown[] {
  return [
    state.state,
    state.pendingStatus,
    state.pendingCount,
    state.stateSince,
    state.lastAt,
    state.lastStatus,
    state.lastLatencyMs,
    state.lastMessage,
    stateData(state),
    state.avgLatencyMs,
    state.seq,
  ];
}

/** WRITE_ROLLUP's (and WRITE_ROLLUPS_PG's) values for one row. */
function rollupParams(rollup: RollupWrite): unknown[] {
  return [
    rollup.seq,
    rollup.period,
    rollup.start,
    rollup.count,
    rollup.failures,
    rollup.degraded,
    rollup.muted,
    rollup.latCount,
    rollup.latMin,
    rollup.latMax,
    rollup.latSum,
    rollup.sketch,
  ];
}
