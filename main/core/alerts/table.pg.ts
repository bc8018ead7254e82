import { bigint, boolean, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { EscalationStep } from './table';

/** The alerts tables for PostgreSQL, the same as table.ts (docs/alerts.md). */
export const alertChannelsTable = pgTable('alert_channels', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** The channel module (channels/<type>.ts): `webhook`. */
  type: text('type').notNull(),
  /** The module's config, as its schema parsed it: never a secret (those are in the vault). */
  config: jsonb('config').$type<Record<string, unknown>>().notNull(),
  /** The vault secret the channel signs or logs in with, used only through SecretStore.use(). */
  secretId: text('secret_id'),
  /** During a secret rotation, the secret being replaced: a webhook is signed with both. */
  previousSecretId: text('previous_secret_id'),
  enabled: boolean('enabled').notNull(),
  /** Why it is disabled: by whom, or the receiver's answer (a webhook's 410 Gone). */
  disabledReason: text('disabled_reason'),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
export type AlertChannelRow = typeof alertChannelsTable.$inferSelect;

export const alertRulesTable = pgTable('alert_rules', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** Each matcher is a list: empty matches everything, otherwise one of its values. */
  serverIds: jsonb('server_ids').$type<string[]>().notNull(),
  tags: jsonb('tags').$type<string[]>().notNull(),
  environments: jsonb('environments').$type<string[]>().notNull(),
  severities: jsonb('severities').$type<string[]>().notNull(),
  checkTypes: jsonb('check_types').$type<string[]>().notNull().default([]),
  /** Which kinds of source the rule hears of (docs/alerts.md, "Sources"): incidents, security, jobs. Server, tag, environment and check-type lists pick incidents only. */
  sources: jsonb('sources').$type<string[]>().notNull().default(['incidents']),
  channelIds: jsonb('channel_ids').$type<string[]>().notNull(),
  escalation: jsonb('escalation').$type<EscalationStep[]>().notNull().default([]),
  repeatMinutes: integer('repeat_minutes'),
  enabled: boolean('enabled').notNull(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
export type AlertRuleRow = typeof alertRulesTable.$inferSelect;

/**
 * One row per notification to one channel. Its id is the idempotency key (the webhook-id): a
 * retry, or a delivery after a crash, sends the same id. No foreign keys to the rule or channel:
 * what was sent stays in the log after either is deleted.
 */
export const alertOutboxTable = pgTable(
  'alert_outbox',
  {
    id: text('id').primaryKey(),
    ruleId: text('rule_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** What caused it: `incident.opened`, `incident.worsened` (degraded to down), `incident.resolved`, `incident.acknowledged`, `incident.unacknowledged` (escalation, repeats). */
    sourceKind: text('source_kind').notNull(),
    /** The incident's id, so its notifications can be listed. */
    sourceId: text('source_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    /** pending, delivering, delivered, failed, given-up. */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull(),
    /** When it is due (pending), or when a claim on it lapses (delivering). */
    nextAttemptAt: bigint('next_attempt_at', { mode: 'number' }).notNull(),
    lastError: text('last_error'),
    /**
     * The silence that held it back: with state `silenced` it is not sent; once the silence ends
     * while its incident is open it becomes pending and keeps this, so the log says it waited.
     */
    silenceId: text('silence_id'),
    /**
     * The open incident of a server this one depends on that held it back (state `silenced`, no
     * silence): once that incident ends, it is sent if its own incident is still open.
     */
    heldByIncident: text('held_by_incident'),
    finishedAt: bigint('finished_at', { mode: 'number' }),
  },
  (table) => [
    index('alert_outbox_due').on(table.state, table.nextAttemptAt),
    index('alert_outbox_source').on(table.sourceId, table.createdAt),
    index('alert_outbox_channel').on(table.channelId, table.createdAt),
    /** What an incident of a server others depend on holds back, found when it ends: every tick that resolves one asks. */
    index('alert_outbox_held_by').on(table.heldByIncident),
  ],
);
export type AlertOutboxRow = typeof alertOutboxTable.$inferSelect;

/**
 * Silences (docs/alerts.md, "Silences"): for a while, what a matcher picks notifies no one. No
 * foreign key from the outbox: the log keeps naming a silence however it ended.
 */
export const alertSilencesTable = pgTable(
  'alert_silences',
  {
    id: text('id').primaryKey(),
    /** The same matcher as a rule's: each list empty (anything) or one of its values. */
    serverIds: jsonb('server_ids').$type<string[]>().notNull(),
    tags: jsonb('tags').$type<string[]>().notNull(),
    environments: jsonb('environments').$type<string[]>().notNull(),
    severities: jsonb('severities').$type<string[]>().notNull(),
    checkTypes: jsonb('check_types').$type<string[]>().notNull().default([]),
    startsAt: bigint('starts_at', { mode: 'number' }).notNull(),
    /** Its end: the one it was given, or when it was expired early. */
    endsAt: bigint('ends_at', { mode: 'number' }).notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    expiredAt: bigint('expired_at', { mode: 'number' }),
    expiredBy: text('expired_by'),
    expireReason: text('expire_reason'),
    /** When a worker sent on what it held back for incidents still open, once it ended: only one does. */
    releasedAt: bigint('released_at', { mode: 'number' }),
  },
  (table) => [index('alert_silences_ends').on(table.endsAt)],
);
export type AlertSilenceRow = typeof alertSilencesTable.$inferSelect;

/** Every attempt to deliver a notification: never a secret, never the receiver's body. */
export const alertAttemptsTable = pgTable(
  'alert_attempts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    notificationId: text('notification_id')
      .notNull()
      .references(() => alertOutboxTable.id, { onDelete: 'cascade' }),
    channelId: text('channel_id').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
    /** The receiver's HTTP status; null when none came (refused, timed out). */
    statusCode: integer('status_code'),
    error: text('error'),
    latencyMs: integer('latency_ms').notNull(),
    /** What the attempt led to: delivered, retry, failed, given-up. */
    outcome: text('outcome').notNull(),
  },
  (table) => [
    index('alert_attempts_notification').on(table.notificationId, table.at),
    /** A channel's attempts in the last minute: its rate limit. */
    index('alert_attempts_channel').on(table.channelId, table.at),
  ],
);
