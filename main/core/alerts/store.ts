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
import type { AlertChannelRow, AlertOutboxRow, AlertRuleRow } from './table';

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

const Strings = z.array(z.string());
const Json = z.record(z.string(), z.unknown());

function strings(row: Row, column: string): string[] {
  const parsed = Strings.safeParse(read.json(row, column));
  if (!parsed.success) throw badValue(`alerts.${column}`, row[column]);
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
const RULE = sql.raw('id, name, server_ids, tags, environments, severities, channel_ids, enabled, created_at, created_by, updated_at');
const OUTBOX = sql.raw('id, rule_id, channel_id, source_kind, source_id, payload, created_at, state, attempts, next_attempt_at, last_error, finished_at');

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
    serverIds: strings(row, 'server_ids'),
    tags: strings(row, 'tags'),
    environments: strings(row, 'environments'),
    severities: strings(row, 'severities'),
    channelIds: strings(row, 'channel_ids'),
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
    finishedAt: read.numberOrNull(row, 'finished_at'),
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

/** A notification to write: one rule's incident change for one channel. */
export interface NewNotification {
  id: string;
  ruleId: string;
  channelId: string;
  source: AlertSource;
  incidentId: string;
  payload: Record<string, unknown>;
  createdAt: number;
}

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
      INSERT INTO alert_rules (id, name, server_ids, tags, environments, severities, channel_ids, enabled, created_at, created_by, updated_at)
      VALUES (${row.id}, ${row.name}, ${jsonParam(row.serverIds)}, ${jsonParam(row.tags)}, ${jsonParam(row.environments)},
        ${jsonParam(row.severities)}, ${jsonParam(row.channelIds)}, ${row.enabled}, ${row.createdAt}, ${row.createdBy}, ${row.updatedAt})`);
  }

  async updateRule(row: AlertRuleRow): Promise<void> {
    await this.db.run(sql`
      UPDATE alert_rules SET name = ${row.name}, server_ids = ${jsonParam(row.serverIds)}, tags = ${jsonParam(row.tags)},
        environments = ${jsonParam(row.environments)}, severities = ${jsonParam(row.severities)}, channel_ids = ${jsonParam(row.channelIds)},
        enabled = ${row.enabled}, updated_at = ${row.updatedAt}
      WHERE id = ${row.id}`);
  }

  async deleteRule(id: string): Promise<boolean> {
    return (await this.db.run(sql`DELETE FROM alert_rules WHERE id = ${id}`)).changes > 0;
  }

  /** Writes a tick's notifications as one INSERT (per INSERT_CHUNK rows), pending and due at once. */
  async insertNotifications(rows: readonly NewNotification[]): Promise<void> {
    for (let from = 0; from < rows.length; from += INSERT_CHUNK) {
      const values = rows
        .slice(from, from + INSERT_CHUNK)
        .map(
          (row) =>
            sql`(${row.id}, ${row.ruleId}, ${row.channelId}, ${row.source}, ${row.incidentId}, ${jsonParam(row.payload)}, ${row.createdAt}, 'pending', 0, ${row.createdAt})`,
        );
      await this.db.run(sql`
        INSERT INTO alert_outbox (id, rule_id, channel_id, source_kind, source_id, payload, created_at, state, attempts, next_attempt_at)
        VALUES ${sql.join(values, sql`, `)}`);
    }
  }

  /**
   * Takes up to `limit` notifications that are due (pending and due, or delivering with a lapsed
   * claim: their worker stopped mid-send) and marks them delivering until `claimUntil`, in the
   * caller's transaction. On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so nodes
   * sharing the database each take different ones; on SQLite the writers' turn is the lock.
   * `take` picks, from the due rows in order, those there is room for (per-channel concurrency).
   */
  async claim(now: number, limit: number, claimUntil: number, take: (rows: AlertOutboxRow[]) => AlertOutboxRow[]): Promise<AlertOutboxRow[]> {
    const lock = this.db.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const due = await this.db.all(
      sql`SELECT ${OUTBOX} FROM alert_outbox WHERE state IN ('pending', 'delivering') AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at, id LIMIT ${limit}${lock}`,
      outboxOf,
    );
    const taken = take(due);
    if (taken.length === 0) return [];
    const ids = sql.join(
      taken.map((row) => sql`${row.id}`),
      sql`, `,
    );
    await this.db.run(sql`UPDATE alert_outbox SET state = 'delivering', next_attempt_at = ${claimUntil} WHERE id IN (${ids})`);
    return taken.map((row) => ({ ...row, state: 'delivering', nextAttemptAt: claimUntil }));
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
    const ids = sql.join(
      rows.map((row) => sql`${row.id}`),
      sql`, `,
    );
    const attempts = await this.db.all(
      sql`SELECT notification_id, at, status_code, error, latency_ms, outcome FROM alert_attempts WHERE notification_id IN (${ids}) ORDER BY at, id`,
      attemptOf,
    );
    const logs = new Map<string, DeliveryAttempt[]>();
    for (const { notificationId, ...attempt } of attempts) logs.set(notificationId, [...(logs.get(notificationId) ?? []), attempt]);
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
        log: logs.get(row.id) ?? [],
      })),
      total,
    };
  }
}
