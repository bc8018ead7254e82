import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import {
  ALERT_SOURCES,
  ATTEMPT_OUTCOMES,
  NOTIFICATION_STATES,
  type AlertSource,
  type AttemptOutcome,
  type DeliveryAttempt,
  type Notification,
  type NotificationState,
} from '@shared/api/alerts';
import { jsonParam, read, type AsyncDatabase, type Row } from '../db/engine';
import type { AlertChannelRow, AlertOutboxRow, AlertRuleRow, AlertSilenceRow, EscalationStep } from './table';

/**
 * The alerts tables on either engine (docs/architecture.md §4): each query written once, each
 * table read through its one mapper. Inside a call's or a tick's transaction a store joins it,
 * so a notification commits with the incident that caused it, or not at all.
 */

function badValue(column: string, value: unknown): AppError {
  return new AppError('INTERNAL', `The database returned ${JSON.stringify(value)} for ${column}, which Guardian does not know.`, {
    hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
    retryable: false,
  });
}

const Json = z.record(z.string(), z.unknown());

const Escalation = z.array(z.object({ afterMinutes: z.number().int(), channelIds: z.array(z.string()) }));

function escalationOf(row: Row): EscalationStep[] {
  const parsed = Escalation.safeParse(read.json(row, 'escalation'));
  if (!parsed.success) throw badValue('alerts.escalation', row.escalation);
  return parsed.data;
}

function object(row: Row, column: string): Record<string, unknown> {
  const parsed = Json.safeParse(read.json(row, column));
  if (!parsed.success) throw badValue(`alerts.${column}`, row[column]);
  return parsed.data;
}

function oneOf<T extends string>(known: readonly T[], row: Row, column: string): T {
  const value = read.text(row, column);
  const found = known.find((each) => each === value);
  if (!found) throw badValue(`alerts.${column}`, value);
  return found;
}

const CHANNEL = sql.raw('id, name, type, config, secret_id, previous_secret_id, enabled, disabled_reason, created_at, created_by, updated_at');
const RULE = sql.raw(
  'id, name, sources, server_ids, tags, environments, severities, check_types, channel_ids, escalation, repeat_minutes, enabled, created_at, created_by, updated_at',
);
const OUTBOX = sql.raw(
  'id, rule_id, channel_id, source_kind, source_id, payload, created_at, state, attempts, next_attempt_at, last_error, silence_id, held_by_incident, finished_at',
);
const SILENCE = sql.raw(
  'id, server_ids, tags, environments, severities, check_types, starts_at, ends_at, reason, created_by, created_at, expired_at, expired_by, expire_reason, released_at',
);

function channelOf(row: Row): AlertChannelRow {
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    type: read.text(row, 'type'),
    config: object(row, 'config'),
    secretId: read.textOrNull(row, 'secret_id'),
    previousSecretId: read.textOrNull(row, 'previous_secret_id'),
    enabled: read.boolean(row, 'enabled'),
    disabledReason: read.textOrNull(row, 'disabled_reason'),
    createdAt: read.number(row, 'created_at'),
    createdBy: read.text(row, 'created_by'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

function ruleOf(row: Row): AlertRuleRow {
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    sources: read.strings(row, 'sources'),
    serverIds: read.strings(row, 'server_ids'),
    tags: read.strings(row, 'tags'),
    environments: read.strings(row, 'environments'),
    severities: read.strings(row, 'severities'),
    checkTypes: read.strings(row, 'check_types'),
    channelIds: read.strings(row, 'channel_ids'),
    escalation: escalationOf(row),
    repeatMinutes: read.numberOrNull(row, 'repeat_minutes'),
    enabled: read.boolean(row, 'enabled'),
    createdAt: read.number(row, 'created_at'),
    createdBy: read.text(row, 'created_by'),
    updatedAt: read.number(row, 'updated_at'),
  };
}

function outboxOf(row: Row): AlertOutboxRow {
  return {
    id: read.text(row, 'id'),
    ruleId: read.text(row, 'rule_id'),
    channelId: read.text(row, 'channel_id'),
    sourceKind: oneOf(ALERT_SOURCES, row, 'source_kind'),
    sourceId: read.text(row, 'source_id'),
    payload: object(row, 'payload'),
    createdAt: read.number(row, 'created_at'),
    state: oneOf(NOTIFICATION_STATES, row, 'state'),
    attempts: read.number(row, 'attempts'),
    nextAttemptAt: read.number(row, 'next_attempt_at'),
    lastError: read.textOrNull(row, 'last_error'),
    silenceId: read.textOrNull(row, 'silence_id'),
    heldByIncident: read.textOrNull(row, 'held_by_incident'),
    finishedAt: read.numberOrNull(row, 'finished_at'),
  };
}

function silenceOf(row: Row): AlertSilenceRow {
  return {
    id: read.text(row, 'id'),
    serverIds: read.strings(row, 'server_ids'),
    tags: read.strings(row, 'tags'),
    environments: read.strings(row, 'environments'),
    severities: read.strings(row, 'severities'),
    checkTypes: read.strings(row, 'check_types'),
    startsAt: read.number(row, 'starts_at'),
    endsAt: read.number(row, 'ends_at'),
    reason: read.text(row, 'reason'),
    createdBy: read.text(row, 'created_by'),
    createdAt: read.number(row, 'created_at'),
    expiredAt: read.numberOrNull(row, 'expired_at'),
    expiredBy: read.textOrNull(row, 'expired_by'),
    expireReason: read.textOrNull(row, 'expire_reason'),
    releasedAt: read.numberOrNull(row, 'released_at'),
  };
}

function attemptOf(row: Row): DeliveryAttempt & { notificationId: string } {
  return {
    notificationId: read.text(row, 'notification_id'),
    at: read.number(row, 'at'),
    statusCode: read.numberOrNull(row, 'status_code'),
    error: read.textOrNull(row, 'error'),
    latencyMs: read.number(row, 'latency_ms'),
    outcome: oneOf(ATTEMPT_OUTCOMES, row, 'outcome'),
  };
}

/** Values for `IN (…)`. */
function listOf(values: readonly string[]): SQL {
  return sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  );
}

/** A notification to write: one rule's incident change, or event about no server, for one channel. */
export interface NewNotification {
  id: string;
  ruleId: string;
  channelId: string;
  source: AlertSource;
  /** The incident's id, or what an event about no server is about (the job, the API key, the account). */
  incidentId: string;
  payload: Record<string, unknown>;
  createdAt: number;
  /** The silence holding it back: written `silenced`, never sent while it is. */
  silenceId: string | null;
  /** The open incident of a server it depends on holding it back: written `silenced` too. */
  heldByIncident: string | null;
}

/** What holds a notification back: a silence, or the incident of a server its own depends on. */
export type Hold = { silenceId: string; heldByIncident: null } | { silenceId: null; heldByIncident: string };

/** How an attempt ended, and what the notification becomes. */
export interface AttemptRecord {
  notificationId: string;
  channelId: string;
  at: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  outcome: AttemptOutcome;
  /** The notification's state after it; pending with `nextAttemptAt` to retry. */
  state: NotificationState;
  nextAttemptAt: number;
}

/** Rows per INSERT: bounds one statement's parameters (SQLite allows 32,766) when a tick opens many incidents. */
const INSERT_CHUNK = 500;

export class AlertStore {
  constructor(private readonly db: AsyncDatabase) {}

  /** By name, in the same order on both engines (code points, not PostgreSQL's locale). */
  channels(): Promise<AlertChannelRow[]> {
    const byName = this.db.dialect === 'postgres' ? sql`name COLLATE "C"` : sql`name`;
    return this.db.all(sql`SELECT ${CHANNEL} FROM alert_channels ORDER BY ${byName}`, channelOf);
  }

  channel(id: string): Promise<AlertChannelRow | undefined> {
    return this.db.get(sql`SELECT ${CHANNEL} FROM alert_channels WHERE id = ${id}`, channelOf);
  }

  channelNamed(name: string): Promise<{ id: string } | undefined> {
    return this.db.get(sql`SELECT id FROM alert_channels WHERE name = ${name}`, (row) => ({ id: read.text(row, 'id') }));
  }

  async insertChannel(row: AlertChannelRow): Promise<void> {
    await this.db.run(sql`
      INSERT INTO alert_channels (id, name, type, config, secret_id, previous_secret_id, enabled, disabled_reason, created_at, created_by, updated_at)
      VALUES (${row.id}, ${row.name}, ${row.type}, ${jsonParam(row.config)}, ${row.secretId}, ${row.previousSecretId}, ${row.enabled},
        ${row.disabledReason}, ${row.createdAt}, ${row.createdBy}, ${row.updatedAt})`);
  }

  async updateChannel(row: AlertChannelRow): Promise<void> {
    await this.db.run(sql`
      UPDATE alert_channels SET name = ${row.name}, config = ${jsonParam(row.config)}, secret_id = ${row.secretId},
        previous_secret_id = ${row.previousSecretId}, enabled = ${row.enabled}, disabled_reason = ${row.disabledReason}, updated_at = ${row.updatedAt}
      WHERE id = ${row.id}`);
  }

  /** Disables a channel that is enabled; whether it was (a second worker finding it disabled changes nothing). */
  async disableChannel(id: string, reason: string, at: number): Promise<boolean> {
    const { changes } = await this.db.run(
      sql`UPDATE alert_channels SET enabled = ${false}, disabled_reason = ${reason}, updated_at = ${at} WHERE id = ${id} AND enabled = ${true}`,
    );
    return changes > 0;
  }

  async deleteChannel(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM alert_channels WHERE id = ${id}`)).changes > 0;
  }

  rules(): Promise<AlertRuleRow[]> {
    const byName = this.db.dialect === 'postgres' ? sql`name COLLATE "C"` : sql`name`;
    return this.db.all(sql`SELECT ${RULE} FROM alert_rules ORDER BY ${byName}`, ruleOf);
  }

  rule(id: string): Promise<AlertRuleRow | undefined> {
    return this.db.get(sql`SELECT ${RULE} FROM alert_rules WHERE id = ${id}`, ruleOf);
  }

  ruleNamed(name: string): Promise<{ id: string } | undefined> {
    return this.db.get(sql`SELECT id FROM alert_rules WHERE name = ${name}`, (row) => ({ id: read.text(row, 'id') }));
  }

  async insertRule(row: AlertRuleRow): Promise<void> {
    await this.db.run(sql`
      INSERT INTO alert_rules (id, name, sources, server_ids, tags, environments, severities, check_types, channel_ids, escalation, repeat_minutes, enabled, created_at, created_by, updated_at)
      VALUES (${row.id}, ${row.name}, ${jsonParam(row.sources)}, ${jsonParam(row.serverIds)}, ${jsonParam(row.tags)}, ${jsonParam(row.environments)},
        ${jsonParam(row.severities)}, ${jsonParam(row.checkTypes)}, ${jsonParam(row.channelIds)}, ${jsonParam(row.escalation)}, ${row.repeatMinutes}, ${row.enabled},
        ${row.createdAt}, ${row.createdBy}, ${row.updatedAt})`);
  }

  async updateRule(row: AlertRuleRow): Promise<void> {
    await this.db.run(sql`
      UPDATE alert_rules SET name = ${row.name}, sources = ${jsonParam(row.sources)}, server_ids = ${jsonParam(row.serverIds)}, tags = ${jsonParam(row.tags)},
        environments = ${jsonParam(row.environments)}, severities = ${jsonParam(row.severities)},
        check_types = ${jsonParam(row.checkTypes)}, channel_ids = ${jsonParam(row.channelIds)},
        escalation = ${jsonParam(row.escalation)}, repeat_minutes = ${row.repeatMinutes}, enabled = ${row.enabled}, updated_at = ${row.updatedAt}
      WHERE id = ${row.id}`);
  }

  async deleteRule(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM alert_rules WHERE id = ${id}`)).changes > 0;
  }

  /** Latest end first; `state` told against `now`. */
  silences(filter: { state?: 'active' | 'upcoming' | 'expired' | undefined; now: number; limit: number }): Promise<AlertSilenceRow[]> {
    const { now } = filter;
    const where =
      filter.state === 'active'
        ? sql` WHERE starts_at <= ${now} AND ends_at > ${now}`
        : filter.state === 'upcoming'
          ? sql` WHERE starts_at > ${now} AND ends_at > ${now}`
          : filter.state === 'expired'
            ? sql` WHERE ends_at <= ${now}`
            : sql``;
    return this.db.all(sql`SELECT ${SILENCE} FROM alert_silences${where} ORDER BY ends_at DESC, id LIMIT ${filter.limit}`, silenceOf);
  }

  /** Those whose end has not been dealt with yet: upcoming, active, and ended but not yet released. */
  unreleasedSilences(): Promise<AlertSilenceRow[]> {
    return this.db.all(sql`SELECT ${SILENCE} FROM alert_silences WHERE released_at IS NULL ORDER BY starts_at, id`, silenceOf);
  }

  silence(id: string): Promise<AlertSilenceRow | undefined> {
    return this.db.get(sql`SELECT ${SILENCE} FROM alert_silences WHERE id = ${id}`, silenceOf);
  }

  async insertSilence(row: AlertSilenceRow): Promise<void> {
    await this.db.run(sql`
      INSERT INTO alert_silences (id, server_ids, tags, environments, severities, check_types, starts_at, ends_at, reason, created_by, created_at)
      VALUES (${row.id}, ${jsonParam(row.serverIds)}, ${jsonParam(row.tags)}, ${jsonParam(row.environments)}, ${jsonParam(row.severities)},
        ${jsonParam(row.checkTypes)},
        ${row.startsAt}, ${row.endsAt}, ${row.reason}, ${row.createdBy}, ${row.createdAt})`);
  }

  /** Ends a silence that has not ended yet; whether it had not (two expiring it at once: one wins). */
  async expireSilence(id: string, at: number, by: string, reason: string | null): Promise<boolean> {
    const { changes } = await this.db.run(sql`
      UPDATE alert_silences SET ends_at = ${at}, starts_at = CASE WHEN starts_at > ${at} THEN ${at} ELSE starts_at END,
        expired_at = ${at}, expired_by = ${by}, expire_reason = ${reason}
      WHERE id = ${id} AND ends_at > ${at}`);
    return changes > 0;
  }

  /** Marks an ended silence's release as done; whether this caller did it (one worker of several does). */
  async markReleased(id: string, at: number): Promise<boolean> {
    return (await this.db.run(sql`UPDATE alert_silences SET released_at = ${at} WHERE id = ${id} AND released_at IS NULL`)).changes > 0;
  }

  /** The notifications a silence holds back, oldest first. */
  heldBy(silenceId: string): Promise<AlertOutboxRow[]> {
    return this.db.all(sql`SELECT ${OUTBOX} FROM alert_outbox WHERE silence_id = ${silenceId} AND state = 'silenced' ORDER BY created_at, id`, outboxOf);
  }

  /** The notifications these incidents (of servers others depend on) hold back, oldest first. */
  heldByIncidents(incidentIds: readonly string[]): Promise<AlertOutboxRow[]> {
    if (incidentIds.length === 0) return Promise.resolve([]);
    return this.db.all(
      sql`SELECT ${OUTBOX} FROM alert_outbox WHERE held_by_incident IN (${listOf(incidentIds)}) AND state = 'silenced' ORDER BY created_at, id`,
      outboxOf,
    );
  }

  /** Each notification about these incidents: which channel, its state, the silence that held it back. */
  notificationsOf(
    incidentIds: readonly string[],
  ): Promise<
    { incidentId: string; ruleId: string; channelId: string; source: string; state: string; silenceId: string | null; heldByIncident: string | null }[]
  > {
    if (incidentIds.length === 0) return Promise.resolve([]);
    return this.db.all(
      sql`SELECT source_id, rule_id, channel_id, source_kind, state, silence_id, held_by_incident FROM alert_outbox WHERE source_id IN (${listOf(incidentIds)})`,
      (row) => ({
        incidentId: read.text(row, 'source_id'),
        ruleId: read.text(row, 'rule_id'),
        channelId: read.text(row, 'channel_id'),
        source: read.text(row, 'source_kind'),
        state: read.text(row, 'state'),
        silenceId: read.textOrNull(row, 'silence_id'),
        heldByIncident: read.textOrNull(row, 'held_by_incident'),
      }),
    );
  }

  /** Sends held notifications now: their silence ended. */
  async unhold(ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.run(sql`UPDATE alert_outbox SET state = 'pending', next_attempt_at = ${now} WHERE id IN (${listOf(ids)}) AND state = 'silenced'`);
  }

  /** Hands held notifications to another hold: a silence in force, or a server they depend on still down. */
  async rehold(ids: readonly string[], hold: Hold): Promise<void> {
    if (ids.length === 0) return;
    await this.db.run(
      sql`UPDATE alert_outbox SET silence_id = ${hold.silenceId}, held_by_incident = ${hold.heldByIncident} WHERE id IN (${listOf(ids)}) AND state = 'silenced'`,
    );
  }

  /**
   * Writes a tick's notifications as one INSERT (per INSERT_CHUNK rows), pending and due at once.
   * `once`: ids already written are skipped, not an error (an escalation step or a repeat, whose id
   * every worker and node derives the same, written by whichever sees it due first).
   */
  async insertNotifications(rows: readonly NewNotification[], options: { once?: boolean } = {}): Promise<void> {
    for (let from = 0; from < rows.length; from += INSERT_CHUNK) {
      const values = rows.slice(from, from + INSERT_CHUNK).map(
        (row) =>
          sql`(${row.id}, ${row.ruleId}, ${row.channelId}, ${row.source}, ${row.incidentId}, ${jsonParam(row.payload)}, ${row.createdAt},
              ${row.silenceId === null && row.heldByIncident === null ? 'pending' : 'silenced'}, 0, ${row.createdAt}, ${row.silenceId}, ${row.heldByIncident})`,
      );
      await this.db.run(sql`
        INSERT INTO alert_outbox (id, rule_id, channel_id, source_kind, source_id, payload, created_at, state, attempts, next_attempt_at, silence_id, held_by_incident)
        VALUES ${sql.join(values, sql`, `)}${options.once ? sql` ON CONFLICT (id) DO NOTHING` : sql``}`);
    }
  }

  /**
   * Takes up to `limit` notifications that are due (pending and due, or delivering with a lapsed
   * claim: their worker stopped mid-send) and marks them delivering until `claimUntil`, in the
   * caller's transaction. On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so nodes
   * sharing the database each take different ones; on SQLite the writers' turn is the lock.
   * The channels in `full` (no room now: their concurrency or rate limit reached) are left out, so
   * a backlog on one never keeps another's notifications waiting. `take` picks, from the due rows
   * in order, those there is room for.
   */
  async claim(
    now: number,
    limit: number,
    claimUntil: number,
    full: readonly string[],
    take: (rows: AlertOutboxRow[]) => AlertOutboxRow[],
  ): Promise<AlertOutboxRow[]> {
    const lock = this.db.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const others = full.length > 0 ? sql` AND channel_id NOT IN (${listOf(full)})` : sql``;
    const due = await this.db.all(
      sql`SELECT ${OUTBOX} FROM alert_outbox WHERE state IN ('pending', 'delivering') AND next_attempt_at <= ${now}${others}
        ORDER BY next_attempt_at, id LIMIT ${limit}${lock}`,
      outboxOf,
    );
    const taken = take(due);
    if (taken.length === 0) return [];
    await this.db.run(sql`UPDATE alert_outbox SET state = 'delivering', next_attempt_at = ${claimUntil} WHERE id IN (${listOf(taken.map((row) => row.id))})`);
    return taken.map((row) => ({ ...row, state: 'delivering', nextAttemptAt: claimUntil }));
  }

  /**
   * How many notifications each of these channels has begun since `since`, by any process: the
   * attempts made, and the sends under way (delivering, their claim not lapsed at `now`). A
   * channel's rate limit counts these (docs/alerts.md, "Rate limits").
   */
  async begunSince(channelIds: readonly string[], since: number, now: number): Promise<Map<string, number>> {
    const begun = new Map<string, number>();
    if (channelIds.length === 0) return begun;
    const rows = await this.db.all(
      sql`SELECT channel_id, count(*) AS n FROM alert_attempts WHERE channel_id IN (${listOf(channelIds)}) AND at > ${since} GROUP BY channel_id
        UNION ALL
        SELECT channel_id, count(*) AS n FROM alert_outbox WHERE channel_id IN (${listOf(channelIds)}) AND state = 'delivering' AND next_attempt_at > ${now} GROUP BY channel_id`,
      (row) => [read.text(row, 'channel_id'), read.number(row, 'n')] as const,
    );
    for (const [channelId, n] of rows) begun.set(channelId, (begun.get(channelId) ?? 0) + n);
    return begun;
  }

  /** Logs an attempt and moves its notification on, in the caller's transaction. */
  async recordAttempt(attempt: AttemptRecord): Promise<void> {
    const finished = attempt.state === 'pending' ? null : attempt.at;
    await this.db.run(sql`
      INSERT INTO alert_attempts (notification_id, channel_id, at, status_code, error, latency_ms, outcome)
      VALUES (${attempt.notificationId}, ${attempt.channelId}, ${attempt.at}, ${attempt.statusCode}, ${attempt.error}, ${attempt.latencyMs}, ${attempt.outcome})`);
    await this.db.run(sql`
      UPDATE alert_outbox SET state = ${attempt.state}, attempts = attempts + 1, next_attempt_at = ${attempt.nextAttemptAt},
        last_error = ${attempt.error}, finished_at = ${finished}
      WHERE id = ${attempt.notificationId}`);
  }

  /** Ends a notification that cannot be sent at all (its channel deleted or disabled), without an attempt. */
  async finish(id: string, state: 'failed', error: string, at: number): Promise<void> {
    await this.db.run(sql`UPDATE alert_outbox SET state = ${state}, last_error = ${error}, finished_at = ${at} WHERE id = ${id}`);
  }

  /** Notifications newest first, each with its attempts oldest first. */
  async deliveries(
    filter: { incidentId?: string | undefined; channelId?: string | undefined },
    limit: number,
    offset: number,
  ): Promise<{ items: Notification[]; total: number }> {
    const where: SQL[] = [];
    if (filter.incidentId) where.push(sql`source_id = ${filter.incidentId}`);
    if (filter.channelId) where.push(sql`channel_id = ${filter.channelId}`);
    const clause = where.length === 0 ? sql`` : sql` WHERE ${sql.join(where, sql` AND `)}`;
    const total = (await this.db.get(sql`SELECT count(*) AS n FROM alert_outbox${clause}`, (row) => read.number(row, 'n'))) ?? 0;
    const rows = await this.db.all(sql`SELECT ${OUTBOX} FROM alert_outbox${clause} ORDER BY created_at DESC, id LIMIT ${limit} OFFSET ${offset}`, outboxOf);
    if (rows.length === 0) return { items: [], total };
    const attempts = await this.db.all(
      sql`SELECT notification_id, at, status_code, error, latency_ms, outcome FROM alert_attempts WHERE notification_id IN (${listOf(rows.map((row) => row.id))}) ORDER BY at, id`,
      attemptOf,
    );
    const logs = new Map<string, DeliveryAttempt[]>();
    for (const { notificationId, ...attempt } of attempts) logs.set(notificationId, [...(logs.get(notificationId) ?? []), attempt]);
    // The server whose incident held each back, by name (null once it is removed).
    const holders = [...new Set(rows.flatMap((row) => (row.heldByIncident === null ? [] : [row.heldByIncident])))];
    const holderNames = new Map(
      holders.length === 0
        ? []
        : await this.db.all(
            sql`SELECT incidents.id AS id, servers.name AS name FROM incidents LEFT JOIN servers ON servers.id = incidents.server_id WHERE incidents.id IN (${listOf(holders)})`,
            (row) => [read.text(row, 'id'), read.textOrNull(row, 'name')] as const,
          ),
    );
    return {
      items: rows.map((row) => ({
        id: row.id,
        ruleId: row.ruleId,
        channelId: row.channelId,
        source: row.sourceKind as AlertSource,
        incidentId: row.sourceId,
        createdAt: row.createdAt,
        state: row.state as NotificationState,
        attempts: row.attempts,
        nextAttemptAt: row.state === 'pending' || row.state === 'delivering' ? row.nextAttemptAt : null,
        lastError: row.lastError,
        finishedAt: row.finishedAt,
        silenceId: row.silenceId,
        heldBy: row.heldByIncident === null ? null : { incidentId: row.heldByIncident, serverName: holderNames.get(row.heldByIncident) ?? null },
        log: logs.get(row.id) ?? [],
      })),
      total,
    };
  }
}
