import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One escalation step of a rule: its channels, told this many minutes after the incident opened. */
export interface EscalationStep {
  afterMinutes: number;
  channelIds: string[];
}

/**
 * Alerts (docs/alerts.md): where notifications go (channels), which events go where (rules), and
 * the outbox a notification is written to in the same transaction as the event that caused it,
 * with every attempt to deliver it.
 */
export const alertChannelsTable = sqliteTable('alert_channels', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** The channel module (channels/<type>.ts): `webhook`. */
  type: text('type').notNull(),
  /** The module's config, as its schema parsed it: never a secret (those are in the vault). */
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /** The vault secret the channel signs or logs in with, used only through SecretStore.use(). */
  secretId: text('secret_id'),
  /** During a secret rotation, the secret being replaced: a webhook is signed with both. */
  previousSecretId: text('previous_secret_id'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  /** Why it is disabled: by whom, or the receiver's answer (a webhook's 410 Gone). */
  disabledReason: text('disabled_reason'),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
export type AlertChannelRow = typeof alertChannelsTable.$inferSelect;

export const alertRulesTable = sqliteTable('alert_rules', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  /** Each matcher is a list: empty matches everything, otherwise one of its values. */
  serverIds: text('server_ids', { mode: 'json' }).$type<string[]>().notNull(),
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
  environments: text('environments', { mode: 'json' }).$type<string[]>().notNull(),
  severities: text('severities', { mode: 'json' }).$type<string[]>().notNull(),
  checkTypes: text('check_types', { mode: 'json' }).$type<string[]>().notNull().default([]),
  /** Which kinds of source the rule hears of (docs/alerts.md, "Sources"): incidents, security, jobs. Server, tag, environment and check-type lists pick incidents only. */
  sources: text('sources', { mode: 'json' }).$type<string[]>().notNull().default(['incidents']),
  channelIds: text('channel_ids', { mode: 'json' }).$type<string[]>().notNull(),
  /** Steps told once an incident has been open that long unacknowledged (docs/alerts.md, "Escalation"). */
  escalation: text('escalation', { mode: 'json' }).$type<EscalationStep[]>().notNull().default([]),
  /** Every how many minutes an open, unacknowledged incident is told again; null for never. */
  repeatMinutes: integer('repeat_minutes'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull(),
  createdAt: integer('created_at').notNull(),
  createdBy: text('created_by').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
export type AlertRuleRow = typeof alertRulesTable.$inferSelect;

/**
 * One row per notification to one channel. Its id is the idempotency key (the webhook-id): a
 * retry, or a delivery after a crash, sends the same id. No foreign keys to the rule or channel:
 * what was sent stays in the log after either is deleted.
 */
export const alertOutboxTable = sqliteTable(
  'alert_outbox',
  {
    id: text('id').primaryKey(),
    ruleId: text('rule_id').notNull(),
    channelId: text('channel_id').notNull(),
    /** What caused it: `incident.opened`, `incident.worsened` (degraded to down), `incident.resolved`, `incident.acknowledged`, `incident.unacknowledged` (escalation, repeats). */
    sourceKind: text('source_kind').notNull(),
    /** The incident's id, so its notifications can be listed. */
    sourceId: text('source_id').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    /** pending, delivering, delivered, failed, given-up. */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull(),
    /** When it is due (pending), or when a claim on it lapses (delivering). */
    nextAttemptAt: integer('next_attempt_at').notNull(),
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
    finishedAt: integer('finished_at'),
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
export const alertSilencesTable = sqliteTable(
  'alert_silences',
  {
    id: text('id').primaryKey(),
    /** The same matcher as a rule's: each list empty (anything) or one of its values. */
    serverIds: text('server_ids', { mode: 'json' }).$type<string[]>().notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    environments: text('environments', { mode: 'json' }).$type<string[]>().notNull(),
    severities: text('severities', { mode: 'json' }).$type<string[]>().notNull(),
    checkTypes: text('check_types', { mode: 'json' }).$type<string[]>().notNull().default([]),
    startsAt: integer('starts_at').notNull(),
    /** Its end: the one it was given, or when it was expired early. */
    endsAt: integer('ends_at').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiredAt: integer('expired_at'),
    expiredBy: text('expired_by'),
    expireReason: text('expire_reason'),
    /** When a worker sent on what it held back for incidents still open, once it ended: only one does. */
    releasedAt: integer('released_at'),
  },
  (table) => [index('alert_silences_ends').on(table.endsAt)],
);
export type AlertSilenceRow = typeof alertSilencesTable.$inferSelect;

/** Every attempt to deliver a notification: never a secret, never the receiver's body. */
export const alertAttemptsTable = sqliteTable(
  'alert_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    notificationId: text('notification_id')
      .notNull()
      .references(() => alertOutboxTable.id, { onDelete: 'cascade' }),
    channelId: text('channel_id').notNull(),
    at: integer('at').notNull(),
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
