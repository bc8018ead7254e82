import { sql } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import { CHECK_STATES, CHECK_STATUSES, type CheckState, type CheckStatus } from '@shared/api/checks';
import { MaintenanceSchedule } from '@shared/api/maintenance';
import { jsonParam, read, type AsyncDatabase, type Row } from '../../db/engine';
import type { MaintenanceRow, ServerCheckLimitRow } from '../table';

/**
 * Every read and write of the health engine's configuration, on either engine (docs/architecture.md
 * §4): the checks and the state row each is created with, maintenance windows, per-server caps and
 * pinned SSH host keys. Each query is written once; each table is read through its one mapper.
 * Inside a call's transaction the store joins it, so a change commits with the call's audit event
 * or not at all. (Results, rollups and incidents are the results store's.)
 */

/** A row of `checks`, its config as stored (the registry turns type and config into a spec). */
export interface StoredCheck {
  seq: number;
  id: string;
  serverId: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  confirmAfter: number;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A row of `check_states`: where a check stands. */
export interface StoredCheckState {
  state: CheckState;
  pendingStatus: CheckStatus | null;
  pendingCount: number;
  stateSince: number | null;
  lastAt: number | null;
  lastStatus: CheckStatus | null;
  lastLatencyMs: number | null;
  lastMessage: string | null;
  lastData: Record<string, unknown> | null;
  avgLatencyMs: number | null;
}

export interface HostKeyRow {
  target: string;
  fingerprint: string;
  pinnedAt: number;
}

function badlyStored(what: string, hint = 'The database may have been changed by hand; save it again.'): AppError {
  return new AppError('INTERNAL', `The database holds ${what}.`, { hint, retryable: false });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isWords = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

function record(row: Row, column: string): Record<string, unknown> {
  const value = read.json(row, column);
  if (!isRecord(value)) throw badlyStored(`a ${column} that is not an object`);
  return value;
}

function recordOrNull(row: Row, column: string): Record<string, unknown> | null {
  return row[column] === null || row[column] === undefined ? null : record(row, column);
}

/** A text column holding one of `values`. */
function oneOf<T extends string>(row: Row, column: string, values: readonly T[]): T {
  const value = read.text(row, column);
  const known = values.find((candidate) => candidate === value);
  if (known === undefined) throw badlyStored(`an unknown ${column} "${value}"`);
  return known;
}

function oneOfOrNull<T extends string>(row: Row, column: string, values: readonly T[]): T | null {
  return row[column] === null || row[column] === undefined ? null : oneOf(row, column, values);
}

const CHECK_COLUMNS = sql.raw(
  'checks.seq, checks.id, checks.server_id, checks.name, checks.type, checks.config, checks.interval_ms, checks.timeout_ms, checks.retries, checks.confirm_after, checks.paused, checks.created_at, checks.updated_at',
);

/** The checks table's mapper. */
function checkOf(row: Row): StoredCheck {
  return {
    seq: read.number(row, 'seq'),
    id: read.text(row, 'id'),
    serverId: read.text(row, 'server_id'),
    name: read.text(row, 'name'),
    type: read.text(row, 'type'),
    config: record(row, 'config'),
    intervalMs: read.number(row, 'interval_ms'),
    timeoutMs: read.number(row, 'timeout_ms'),
    retries: read.number(row, 'retries'),
    confirmAfter: read.number(row, 'confirm_after'),
    paused: read.boolean(row, 'paused'),
    createdAt: read.number(row, 'created_at'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

// Named s_… in a join: `checks` has no column of these names, but one mapper reads them either way.
const STATE_COLUMNS = sql.raw(
  's.state AS s_state, s.pending_status AS s_pending_status, s.pending_count AS s_pending_count, s.state_since AS s_state_since, s.last_at AS s_last_at, s.last_status AS s_last_status, s.last_latency_ms AS s_last_latency_ms, s.last_message AS s_last_message, s.last_data AS s_last_data, s.avg_latency_ms AS s_avg_latency_ms',
);

/** The check_states table's mapper (columns `STATE_COLUMNS`); null for a check without its row (LEFT JOIN). */
function stateOf(row: Row): StoredCheckState | null {
  if (row.s_state === null || row.s_state === undefined) return null;
  return {
    state: oneOf(row, 's_state', CHECK_STATES),
    pendingStatus: oneOfOrNull(row, 's_pending_status', CHECK_STATUSES),
    pendingCount: read.number(row, 's_pending_count'),
    stateSince: read.numberOrNull(row, 's_state_since'),
    lastAt: read.numberOrNull(row, 's_last_at'),
    lastStatus: oneOfOrNull(row, 's_last_status', CHECK_STATUSES),
    lastLatencyMs: read.numberOrNull(row, 's_last_latency_ms'),
    lastMessage: read.textOrNull(row, 's_last_message'),
    lastData: recordOrNull(row, 's_last_data'),
    avgLatencyMs: read.numberOrNull(row, 's_avg_latency_ms'),
  };
}

const WINDOW_COLUMNS = sql.raw('id, name, scope, schedule, created_at, created_by, updated_at');

/** The maintenance_windows table's mapper. */
function windowOf(row: Row): MaintenanceRow & { schedule: MaintenanceSchedule } {
  const scope = read.json(row, 'scope');
  if (!isRecord(scope) || !isWords(scope.serverIds) || !isWords(scope.tags)) {
    throw badlyStored(
      'a maintenance window whose scope is not lists of servers and tags',
      'The database may have been changed by hand; set the window’s scope again.',
    );
  }
  const schedule = MaintenanceSchedule.safeParse(read.json(row, 'schedule'));
  if (!schedule.success) {
    throw badlyStored('a maintenance window whose schedule is not valid', 'The database may have been changed by hand; set the window’s schedule again.');
  }
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    scope: { serverIds: scope.serverIds, tags: scope.tags },
    schedule: schedule.data,
    createdAt: read.number(row, 'created_at'),
    createdBy: read.text(row, 'created_by'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

/** The server_check_limits table's mapper. */
function limitOf(row: Row): ServerCheckLimitRow {
  return { serverId: read.text(row, 'server_id'), maxChecks: read.number(row, 'max_checks'), updatedAt: read.number(row, 'updated_at') };
}

/** The host_keys table's mapper. */
function hostKeyOf(row: Row): HostKeyRow {
  return { target: read.text(row, 'target'), fingerprint: read.text(row, 'fingerprint'), pinnedAt: read.number(row, 'pinned_at') };
}

const seqOf = (row: Row) => read.number(row, 'seq');

/** `values` as a parenthesised list of parameters, for IN. */
const list = (values: readonly (string | number)[]) =>
  sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );

/** SQLite's bound parameters per statement are limited: IN lists go in chunks of this many. */
const IN_CHUNK = 500;

export class CheckConfigStore {
  constructor(private readonly db: AsyncDatabase) {}

  /** Every check with where it stands, in one query (a start at 10,000 checks takes one round trip, not 10,000). */
  loaded(): Promise<{ check: StoredCheck; state: StoredCheckState | null }[]> {
    return this.db.all(
      sql`SELECT ${CHECK_COLUMNS}, ${STATE_COLUMNS} FROM checks LEFT JOIN check_states s ON s.check_seq = checks.seq ORDER BY checks.seq`,
      (row) => ({
        check: checkOf(row),
        state: stateOf(row),
      }),
    );
  }

  /** One check with where it stands, or undefined. */
  check(id: string): Promise<{ check: StoredCheck; state: StoredCheckState | null } | undefined> {
    return this.db.get(
      sql`SELECT ${CHECK_COLUMNS}, ${STATE_COLUMNS} FROM checks LEFT JOIN check_states s ON s.check_seq = checks.seq WHERE checks.id = ${id}`,
      (row) => ({
        check: checkOf(row),
        state: stateOf(row),
      }),
    );
  }

  /** Writes a new check and the state it starts in, together; answers its seq. */
  insertCheck(check: Omit<StoredCheck, 'seq'>, state: { state: CheckState; since: number }): Promise<number> {
    return this.db.transaction(async (tx) => {
      const seq = await tx.get(
        sql`INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at)
          VALUES (${check.id}, ${check.serverId}, ${check.name}, ${check.type}, ${jsonParam(check.config)}, ${check.intervalMs}, ${check.timeoutMs},
            ${check.retries}, ${check.confirmAfter}, ${check.paused}, ${check.createdAt}, ${check.updatedAt})
          RETURNING seq`,
        seqOf,
      );
      if (seq === undefined) throw badlyStored('no sequence number for a check just written', 'This is a bug in Guardian: report it with the log file.');
      await tx.run(sql`INSERT INTO check_states (check_seq, state, pending_count, state_since) VALUES (${seq}, ${state.state}, 0, ${state.since})`);
      return seq;
    });
  }

  /** Writes what a check's owner may change (not its server, type, pause or creation time). */
  async updateCheck(check: Pick<StoredCheck, 'id' | 'name' | 'config' | 'intervalMs' | 'timeoutMs' | 'retries' | 'confirmAfter' | 'updatedAt'>): Promise<void> {
    await this.db.run(sql`UPDATE checks SET name = ${check.name}, config = ${jsonParam(check.config)}, interval_ms = ${check.intervalMs},
      timeout_ms = ${check.timeoutMs}, retries = ${check.retries}, confirm_after = ${check.confirmAfter}, updated_at = ${check.updatedAt}
      WHERE id = ${check.id}`);
  }

  /** Replaces a check's config alone (credentials taken out of it). */
  async setConfig(seq: number, config: Record<string, unknown>): Promise<void> {
    await this.db.run(sql`UPDATE checks SET config = ${jsonParam(config)} WHERE seq = ${seq}`);
  }

  /** Whether there was such a check; its state, results and rollups go with it (ON DELETE CASCADE). */
  async deleteCheck(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM checks WHERE id = ${id}`)).changes === 1;
  }

  /** Every check of `type`, for a pass over their configs. */
  checksOfType(type: string): Promise<StoredCheck[]> {
    return this.db.all(sql`SELECT ${CHECK_COLUMNS} FROM checks WHERE type = ${type} ORDER BY seq`, checkOf);
  }

  /**
   * Pauses or resumes the checks `seqs`, their state starting afresh as `state` at `at`, in one
   * transaction: a server's checks pause together or not at all.
   */
  setPaused(seqs: readonly number[], paused: boolean, state: CheckState, at: number): Promise<void> {
    return this.db.transaction(async (tx) => {
      for (let start = 0; start < seqs.length; start += IN_CHUNK) {
        const chunk = list(seqs.slice(start, start + IN_CHUNK));
        await tx.run(sql`UPDATE checks SET paused = ${paused}, updated_at = ${at} WHERE seq IN (${chunk})`);
        await tx.run(
          sql`UPDATE check_states SET state = ${state}, pending_status = NULL, pending_count = 0, state_since = ${at} WHERE check_seq IN (${chunk})`,
        );
      }
    });
  }

  windows(): Promise<MaintenanceRow[]> {
    return this.db.all(sql`SELECT ${WINDOW_COLUMNS} FROM maintenance_windows ORDER BY created_at, id`, windowOf);
  }

  window(id: string): Promise<MaintenanceRow | undefined> {
    return this.db.get(sql`SELECT ${WINDOW_COLUMNS} FROM maintenance_windows WHERE id = ${id}`, windowOf);
  }

  async insertWindow(row: MaintenanceRow): Promise<void> {
    await this.db
      .run(sql`INSERT INTO maintenance_windows (${WINDOW_COLUMNS}) VALUES (${row.id}, ${row.name}, ${jsonParam(row.scope)}, ${jsonParam(row.schedule)},
      ${row.createdAt}, ${row.createdBy}, ${row.updatedAt})`);
  }

  /** Writes every field of `row` but its id and who created it when. */
  async updateWindow(row: MaintenanceRow): Promise<void> {
    await this.db.run(sql`UPDATE maintenance_windows SET name = ${row.name}, scope = ${jsonParam(row.scope)}, schedule = ${jsonParam(row.schedule)},
      updated_at = ${row.updatedAt} WHERE id = ${row.id}`);
  }

  /** Whether there was such a window to delete. */
  async deleteWindow(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM maintenance_windows WHERE id = ${id}`)).changes === 1;
  }

  limits(): Promise<ServerCheckLimitRow[]> {
    return this.db.all(sql`SELECT server_id, max_checks, updated_at FROM server_check_limits ORDER BY server_id`, limitOf);
  }

  async setLimit(row: ServerCheckLimitRow): Promise<void> {
    await this.db.run(sql`INSERT INTO server_check_limits (server_id, max_checks, updated_at) VALUES (${row.serverId}, ${row.maxChecks}, ${row.updatedAt})
      ON CONFLICT (server_id) DO UPDATE SET max_checks = excluded.max_checks, updated_at = excluded.updated_at`);
  }

  async removeLimit(serverId: string): Promise<void> {
    await this.db.run(sql`DELETE FROM server_check_limits WHERE server_id = ${serverId}`);
  }

  hostKey(target: string): Promise<HostKeyRow | undefined> {
    return this.db.get(sql`SELECT target, fingerprint, pinned_at FROM host_keys WHERE target = ${target}`, hostKeyOf);
  }

  /** Pins `fingerprint` for `target` unless a key is pinned there already (the first writer wins); whether this one was. */
  async pinHostKey(row: HostKeyRow): Promise<boolean> {
    const written = await this.db.run(
      sql`INSERT INTO host_keys (target, fingerprint, pinned_at) VALUES (${row.target}, ${row.fingerprint}, ${row.pinnedAt}) ON CONFLICT (target) DO NOTHING`,
    );
    return written.changes === 1;
  }
}
