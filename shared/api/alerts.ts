import { z } from 'zod';
import { discordConfig, mattermostConfig, slackConfig, teamsConfig } from '../alerts/chat';
import type { ChannelType } from '../alerts';
import { emailConfig } from '../alerts/email';
import { gotifyConfig, matrixConfig, ntfyConfig, opsgenieConfig, pagerdutyConfig, pushoverConfig, telegramConfig } from '../alerts/push';
import { webhookConfig } from '../alerts/webhook';
import { changeEvent, method, queryInt } from './contract';
import { CHECK_TYPES, type CheckType } from '../health';
import { IncidentId } from './incidents';
import { Environment, ServerId, Tag } from './servers';

/**
 * The `alerts.*` methods (docs/alerts.md): channels notifications go to, rules saying which
 * incidents go where, and the log of every notification and attempt to deliver it. A channel's
 * secret stays in the vault: a channel names it, nothing here ever carries it.
 */

export const AlertChannelId = z.uuid('Not an alert channel id');
export const AlertRuleId = z.uuid('Not an alert rule id');
export const AlertSilenceId = z.uuid('Not a silence id');
const SecretId = z.uuid('Not a secret id');

const AlertName = z.string().trim().min(1, 'Name cannot be empty').max(100, 'Name is at most 100 characters');

/** `silenced`: held back by a silence, never sent unless the silence ends while its incident is open (docs/alerts.md, "Silences"). */
export const NOTIFICATION_STATES = ['pending', 'delivering', 'delivered', 'failed', 'given-up', 'silenced'] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];
/**
 * `incident.worsened`: an open incident went from degraded to down. `incident.unacknowledged`:
 * still open and not acknowledged, told again by a rule's escalation steps and repeats
 * (docs/alerts.md, "Escalation").
 */
export const INCIDENT_SOURCES = ['incident.opened', 'incident.worsened', 'incident.resolved', 'incident.acknowledged', 'incident.unacknowledged'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];
/**
 * Sources about no server (docs/alerts.md, "Sources about no server"): an account locked out, a
 * burst of failed sign-ins or one-time codes, the audit chain failing verification, an API key
 * created, a job ending failed.
 */
export const EVENT_SOURCES = ['security.lockout', 'security.signin-burst', 'audit.chain-broken', 'apikey.created', 'job.failed'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];
export const ALERT_SOURCES = [...INCIDENT_SOURCES, ...EVENT_SOURCES] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

/** What a rule hears of, by kind of source: incidents (the default), security events, failed jobs. */
export const SOURCE_CATEGORIES = ['incidents', 'security', 'jobs'] as const;
export type SourceCategory = (typeof SOURCE_CATEGORIES)[number];
export const CATEGORY_OF_EVENT: Record<EventSource, Exclude<SourceCategory, 'incidents'>> = {
  'security.lockout': 'security',
  'security.signin-burst': 'security',
  'audit.chain-broken': 'security',
  'apikey.created': 'security',
  'job.failed': 'jobs',
};
/**
 * The severity of each source about no server, on the incidents' scale so a rule's severity list
 * picks them too: `down` for what needs someone now (the audit chain broken, an attack under
 * way), `degraded` for what someone should look at.
 */
export const EVENT_SEVERITY: Record<EventSource, 'degraded' | 'down'> = {
  'security.lockout': 'degraded',
  'security.signin-burst': 'down',
  'audit.chain-broken': 'down',
  'apikey.created': 'degraded',
  'job.failed': 'degraded',
};
export const isEventSource = (source: string): source is EventSource => (EVENT_SOURCES as readonly string[]).includes(source);
export const ATTEMPT_OUTCOMES = ['delivered', 'retry', 'failed', 'given-up'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

const channelView = {
  id: z.string(),
  name: z.string(),
  /** The vault secret it signs or logs in with (an id, never the value), or null for none. */
  secretId: z.string().nullable(),
  /** During a rotation, the secret being replaced: both sign (webhooks only). */
  previousSecretId: z.string().nullable(),
  enabled: z.boolean(),
  /** Why it is disabled: by whom, or the receiver's answer. */
  disabledReason: z.string().nullable(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  updatedAt: z.number().int(),
};

/** A channel, its config by its type (one schema per type, shared/alerts/<type>.ts). */
export const AlertChannel = z.discriminatedUnion('type', [
  z.object({ ...channelView, type: z.literal('webhook'), config: webhookConfig }),
  z.object({ ...channelView, type: z.literal('email'), config: emailConfig }),
  z.object({ ...channelView, type: z.literal('slack'), config: slackConfig }),
  z.object({ ...channelView, type: z.literal('discord'), config: discordConfig }),
  z.object({ ...channelView, type: z.literal('teams'), config: teamsConfig }),
  z.object({ ...channelView, type: z.literal('mattermost'), config: mattermostConfig }),
  z.object({ ...channelView, type: z.literal('ntfy'), config: ntfyConfig }),
  z.object({ ...channelView, type: z.literal('gotify'), config: gotifyConfig }),
  z.object({ ...channelView, type: z.literal('pagerduty'), config: pagerdutyConfig }),
  z.object({ ...channelView, type: z.literal('pushover'), config: pushoverConfig }),
  z.object({ ...channelView, type: z.literal('telegram'), config: telegramConfig }),
  z.object({ ...channelView, type: z.literal('opsgenie'), config: opsgenieConfig }),
  z.object({ ...channelView, type: z.literal('matrix'), config: matrixConfig }),
]);
export type AlertChannel = z.infer<typeof AlertChannel>;

/** Fails to compile when a type in CHANNEL_TYPES has no variant in a union below (a list that a formatter can hide a gap in). */
type Covers<Covered extends string> = [ChannelType] extends [Covered] ? true : false;
type MustBeTrue<T extends true> = T;
export type ChannelUnionsCoverEveryType = [
  MustBeTrue<Covers<AlertChannel['type']>>,
  MustBeTrue<Covers<AlertChannelInput['type']>>,
  MustBeTrue<Covers<Extract<AlertChannelChange, { type: string }>['type']>>,
];

const SEVERITIES = ['degraded', 'down'] as const;

/**
 * What a rule or a silence matches: each list empty (anything) or one of its values. `checkTypes`:
 * an incident whose bad checks include one of these types (shared/health).
 */
export const AlertMatch = z.strictObject({
  serverIds: z.array(ServerId).max(10_000).default([]),
  tags: z.array(Tag).max(32).default([]),
  environments: z.array(Environment).max(32).default([]),
  severities: z.array(z.enum(SEVERITIES)).max(2).default([]),
  checkTypes: z
    .array(z.enum(CHECK_TYPES as [CheckType, ...CheckType[]], { error: `A check type: ${CHECK_TYPES.join(', ')}` }))
    .max(CHECK_TYPES.length)
    .default([]),
});

/** The match that matches everything: a rule's when none is given. */
export const MATCH_ANY: AlertMatch = { serverIds: [], tags: [], environments: [], severities: [], checkTypes: [] };

/** Whether a matcher names nothing (so it picks every incident): a silence must name something. */
export const matchesAnything = (match: AlertMatch): boolean => Object.values(match).every((list) => list.length === 0);
export type AlertMatch = z.output<typeof AlertMatch>;

/** A matcher as stored and shown. */
const MatchView = z.object({
  serverIds: z.array(z.string()),
  tags: z.array(z.string()),
  environments: z.array(z.string()),
  severities: z.array(z.enum(SEVERITIES)),
  checkTypes: z.array(z.string()),
});

/** A rule's source categories: at least one, each once; incidents alone unless given. */
export const RuleSources = z
  .array(z.enum(SOURCE_CATEGORIES, { error: `A source: ${SOURCE_CATEGORIES.join(', ')}` }))
  .min(1, 'Pick at least one source')
  .max(SOURCE_CATEGORIES.length)
  .transform((sources) => SOURCE_CATEGORIES.filter((each) => sources.includes(each)));

export const AlertRule = z.object({
  id: z.string(),
  name: z.string(),
  /**
   * What it hears of: incidents, security events, failed jobs. Its matcher's servers, tags,
   * environments and check types pick incidents only; its severities pick every source.
   */
  sources: z.array(z.enum(SOURCE_CATEGORIES)),
  match: MatchView,
  channelIds: z.array(z.string()),
  /** Who else hears of an incident nobody has acknowledged, and when (minutes after it opened). */
  escalation: z.array(z.object({ afterMinutes: z.number().int(), channelIds: z.array(z.string()) })),
  /** Every how many minutes an open, unacknowledged incident is told again; null for never. */
  repeatMinutes: z.number().int().nullable(),
  enabled: z.boolean(),
  createdAt: z.number().int(),
  createdBy: z.string(),
  updatedAt: z.number().int(),
});
export type AlertRule = z.infer<typeof AlertRule>;

export const DeliveryAttempt = z.object({
  at: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  latencyMs: z.number().int(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;

export const Notification = z.object({
  /** The idempotency key: the webhook-id every attempt is sent with. */
  id: z.string(),
  ruleId: z.string(),
  channelId: z.string(),
  source: z.enum(ALERT_SOURCES),
  /** The incident's id; for a source about no server, what it is about (the job's id, the API key's id, the account). */
  incidentId: z.string(),
  createdAt: z.number().int(),
  state: z.enum(NOTIFICATION_STATES),
  attempts: z.number().int(),
  nextAttemptAt: z.number().int().nullable(),
  lastError: z.string().nullable(),
  finishedAt: z.number().int().nullable(),
  /** The silence that held it back (state `silenced`, or sent later because the silence ended), or null. */
  silenceId: z.string().nullable(),
  /**
   * The incident of a server this one's depends on that held it back (state `silenced`, or sent
   * later because that incident ended while this one was open), with that server's name (null once
   * removed), or null (docs/alerts.md, "Dependencies").
   */
  heldBy: z.object({ incidentId: z.string(), serverName: z.string().nullable() }).nullable(),
  log: z.array(DeliveryAttempt),
});
export type Notification = z.infer<typeof Notification>;

export const AlertSettings = z.object({
  /**
   * Loopback, private and link-local addresses a channel may reach (IP addresses, CIDR ranges or
   * host names); every other such address is refused, when saved and when sending.
   */
  allowedTargets: z.array(z.string()).default([]),
  /** A notification not delivered this long after it was written is given up, and that is recorded. */
  giveUpAfterMinutes: z
    .number()
    .int()
    .default(24 * 60),
  /**
   * The address people reach Guardian at (https://guardian.example.net/), for the link back to a
   * server's page in every message (`{{link}}` in a template); null: no link, since one guessed from
   * the listening address would point at the wrong place.
   */
  publicUrl: z.string().nullable().default(null),
  /**
   * How many failed sign-ins or one-time codes, of any accounts from anywhere, within how many
   * minutes make a burst a rule for security events hears of (docs/alerts.md, "Sources about no server").
   */
  signInBurst: z.object({ failures: z.number().int(), windowMinutes: z.number().int() }).default({ failures: 20, windowMinutes: 10 }),
});
export type AlertSettings = z.infer<typeof AlertSettings>;
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  allowedTargets: [],
  giveUpAfterMinutes: 24 * 60,
  publicUrl: null,
  signInBurst: { failures: 20, windowMinutes: 10 },
};

/** A burst's threshold as an admin sets it: at least 3 failures (fewer is a lockout's business), within a minute to a day. */
export const SignInBurst = z.strictObject({
  failures: z.number().int('A whole number of failures').min(3, 'At least 3 failures').max(10_000, 'At most 10,000 failures'),
  windowMinutes: z
    .number()
    .int('A whole number of minutes')
    .min(1, 'At least 1 minute')
    .max(24 * 60, 'At most a day (1,440 minutes)'),
});

/** Guardian's address as an admin gives it: http or https, no credentials, no query or fragment. */
const PublicUrl = z
  .url({ protocol: /^https?$/, error: 'An http:// or https:// address, e.g. https://guardian.example.net/' })
  .max(500)
  .refine((text) => {
    // Refinements run after a failed format check too: a text that is no URL has its own message already.
    if (!URL.canParse(text)) return true;
    const url = new URL(text);
    return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  }, 'Just the address: no user name, password, query or #fragment')
  .transform((text) => new URL(text).href);

/** An IP address, a CIDR range (10.0.0.0/8, fd00::/8) or a host name. */
const AllowedTarget = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+(\/\d{1,3})?$/, 'An IP address, a CIDR range such as 10.0.0.0/8, or a host name');

const channelFields = {
  name: AlertName,
  enabled: z.boolean().default(true),
};

/** What a channel names in the vault: which secret, and (webhooks, during a rotation) the one it replaces. */
const signedBy = {
  secretId: SecretId.describe('The vault secret (an API token of the form whsec_…) the webhook is signed with'),
  previousSecretId: SecretId.nullable().default(null),
};

/** The vault secret a channel logs in with or sends (a password, a token), if any: never in its config. */
const loginSecret = {
  secretId: SecretId.nullable().default(null).describe('The vault secret the channel logs in with, if any'),
  previousSecretId: z.null().default(null),
};

/** The vault API token holding a chat webhook's URL, which is a bearer secret: never in the config. */
const urlSecret = {
  secretId: SecretId.describe('The vault API token holding the webhook URL the service gave you'),
  previousSecretId: z.null().default(null),
};

/** The vault API token a push or paging service takes (an app token, a routing key). */
const tokenSecret = {
  secretId: SecretId.describe('The vault API token the service takes'),
  previousSecretId: z.null().default(null),
};

/** A new channel: its type says which config it takes. */
export const AlertChannelInput = z.discriminatedUnion('type', [
  z.strictObject({ ...channelFields, ...signedBy, type: z.literal('webhook'), config: webhookConfig }),
  z.strictObject({ ...channelFields, ...loginSecret, type: z.literal('email'), config: emailConfig }),
  z.strictObject({ ...channelFields, ...urlSecret, type: z.literal('slack'), config: slackConfig.prefault({}) }),
  z.strictObject({ ...channelFields, ...urlSecret, type: z.literal('discord'), config: discordConfig.prefault({}) }),
  z.strictObject({ ...channelFields, ...urlSecret, type: z.literal('teams'), config: teamsConfig.prefault({}) }),
  z.strictObject({ ...channelFields, ...urlSecret, type: z.literal('mattermost'), config: mattermostConfig.prefault({}) }),
  z.strictObject({ ...channelFields, ...loginSecret, type: z.literal('ntfy'), config: ntfyConfig }),
  z.strictObject({ ...channelFields, ...tokenSecret, type: z.literal('gotify'), config: gotifyConfig }),
  z.strictObject({
    ...channelFields,
    ...tokenSecret,
    type: z.literal('pagerduty'),
    config: pagerdutyConfig.prefault({}),
  }),
  z.strictObject({ ...channelFields, ...tokenSecret, type: z.literal('pushover'), config: pushoverConfig }),
  z.strictObject({ ...channelFields, ...tokenSecret, type: z.literal('telegram'), config: telegramConfig }),
  z.strictObject({
    ...channelFields,
    ...tokenSecret,
    type: z.literal('opsgenie'),
    config: opsgenieConfig.prefault({}),
  }),
  z.strictObject({ ...channelFields, ...tokenSecret, type: z.literal('matrix'), config: matrixConfig }),
]);
export type AlertChannelInput = z.output<typeof AlertChannelInput>;

const changeFields = {
  id: AlertChannelId,
  name: AlertName.optional(),
  secretId: SecretId.nullable().optional(),
  previousSecretId: SecretId.nullable().optional(),
  enabled: z.boolean().optional(),
};

/**
 * A change to a channel: without `type` anything but its config; with `type` (which must be the
 * channel's own: a type cannot change) its config too, checked against that type's schema.
 */
export const AlertChannelChange = z.union([
  z.strictObject(changeFields),
  z.discriminatedUnion('type', [
    z.strictObject({ ...changeFields, type: z.literal('webhook'), config: webhookConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('email'), config: emailConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('slack'), config: slackConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('discord'), config: discordConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('teams'), config: teamsConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('mattermost'), config: mattermostConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('ntfy'), config: ntfyConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('gotify'), config: gotifyConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('pagerduty'), config: pagerdutyConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('pushover'), config: pushoverConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('telegram'), config: telegramConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('opsgenie'), config: opsgenieConfig.optional() }),
    z.strictObject({ ...changeFields, type: z.literal('matrix'), config: matrixConfig.optional() }),
  ]),
]);
export type AlertChannelChange = z.output<typeof AlertChannelChange>;

export const alertsChannels = method({
  name: 'alerts.channels',
  summary: 'Alert channels: where notifications go, and whether each is enabled (and if not, why).',
  input: z.strictObject({}),
  output: z.object({ items: z.array(AlertChannel) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/alerts/channels' },
});

export const alertsCreateChannel = method({
  name: 'alerts.createChannel',
  summary: 'Add a channel: a signed webhook, or another type with its own config (docs/alerts.md).',
  input: AlertChannelInput,
  output: AlertChannel,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `alert-channel:${out.id}` : undefined) },
  http: { method: 'POST', path: '/alerts/channels' },
});

export const alertsUpdateChannel = method({
  name: 'alerts.updateChannel',
  summary: 'Change a channel: its name, config (with its type), secrets (a webhook rotation names the old one as previousSecretId), or enable or disable it.',
  input: AlertChannelChange,
  output: AlertChannel,
  permission: 'servers:write',
  audit: { target: (input) => `alert-channel:${input.id}` },
  http: { method: 'PATCH', path: '/alerts/channels/:id' },
});

export const alertsDeleteChannel = method({
  name: 'alerts.deleteChannel',
  summary: 'Remove a channel; rules stop sending to it, and its past deliveries stay in the log.',
  input: z.strictObject({ id: AlertChannelId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `alert-channel:${input.id}` },
  http: { method: 'DELETE', path: '/alerts/channels/:id' },
});

export const alertsTestChannel = method({
  name: 'alerts.testChannel',
  summary: 'Send a test notification to a channel now and say what the receiver answered.',
  input: z.strictObject({ id: AlertChannelId }),
  output: z.object({
    /** The test's webhook-id. */
    id: z.string(),
    delivered: z.boolean(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    error: z.string().nullable(),
  }),
  permission: 'servers:write',
  audit: { target: (input) => `alert-channel:${input.id}` },
  http: { method: 'POST', path: '/alerts/channels/:id/test' },
});

/** How many names a preview lists; the totals count the rest. */
export const PREVIEW_SAMPLE = 20;

export const MatchPreview = z.object({
  /** The servers the matcher picks (severity aside), the first PREVIEW_SAMPLE by name. */
  servers: z.object({ total: z.number().int(), names: z.array(z.string()) }),
  /** The open incidents it picks now, the worst and oldest first. */
  incidents: z.object({
    total: z.number().int(),
    items: z.array(z.object({ id: z.string(), serverName: z.string(), severity: z.enum(SEVERITIES), startedAt: z.number().int() })),
  }),
});
export type MatchPreview = z.output<typeof MatchPreview>;

export const alertsPreviewMatch = method({
  name: 'alerts.previewMatch',
  summary: 'What a rule’s or a silence’s matcher would pick now: the servers it covers and the open incidents it matches. Changes nothing.',
  input: z.strictObject({ match: AlertMatch.prefault({}) }),
  output: MatchPreview,
  permission: 'servers:read',
  audit: false,
  http: { method: 'POST', path: '/alerts/preview' },
});

export const alertsRules = method({
  name: 'alerts.rules',
  summary: 'Alert rules: which incidents, security events and failed jobs go to which channels.',
  input: z.strictObject({}),
  output: z.object({ items: z.array(AlertRule) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/alerts/rules' },
});

const ChannelIds = z.array(AlertChannelId).min(1, 'Name at least one channel').max(32, 'At most 32 channels');

/** A week, in minutes: the longest an escalation step or a repeat waits. */
const WEEK_MINUTES = 7 * 24 * 60;

/**
 * A rule's escalation: each step tells more channels once the incident has been open that long
 * without an acknowledgement. At most 5 steps, each later than the one before.
 */
const Escalation = z
  .array(
    z.strictObject({
      afterMinutes: z.number().int().min(1, 'At least 1 minute').max(WEEK_MINUTES, `At most ${WEEK_MINUTES} minutes (a week)`),
      channelIds: ChannelIds,
    }),
  )
  .max(5, 'At most 5 steps')
  .superRefine((steps, ctx) => {
    steps.forEach((step, i) => {
      const before = steps[i - 1];
      if (before && step.afterMinutes <= before.afterMinutes)
        ctx.addIssue({ code: 'custom', path: [i, 'afterMinutes'], message: `Must be later than step ${i} (${before.afterMinutes} minutes)` });
    });
  });
const RepeatMinutes = z.number().int().min(5, 'At least 5 minutes').max(WEEK_MINUTES, `At most ${WEEK_MINUTES} minutes (a week)`).nullable();

export const alertsCreateRule = method({
  name: 'alerts.createRule',
  summary:
    'Add a rule: incidents of the servers it matches (by id, tag, environment, severity, check type) go to its channels, then to its escalation steps’ while nobody acknowledges them, told again every repeatMinutes. With sources security or jobs, security events and failed jobs (about no server) of its severities go to its channels too.',
  input: z.strictObject({
    name: AlertName,
    sources: RuleSources.default(['incidents']),
    match: AlertMatch.default(MATCH_ANY),
    channelIds: ChannelIds,
    escalation: Escalation.default([]),
    repeatMinutes: RepeatMinutes.default(null),
    enabled: z.boolean().default(true),
  }),
  output: AlertRule,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `alert-rule:${out.id}` : undefined) },
  http: { method: 'POST', path: '/alerts/rules' },
});

export const alertsUpdateRule = method({
  name: 'alerts.updateRule',
  summary: 'Change a rule.',
  input: z.strictObject({
    id: AlertRuleId,
    name: AlertName.optional(),
    sources: RuleSources.optional(),
    match: AlertMatch.optional(),
    channelIds: ChannelIds.optional(),
    escalation: Escalation.optional(),
    repeatMinutes: RepeatMinutes.optional(),
    enabled: z.boolean().optional(),
  }),
  output: AlertRule,
  permission: 'servers:write',
  audit: { target: (input) => `alert-rule:${input.id}` },
  http: { method: 'PATCH', path: '/alerts/rules/:id' },
});

export const alertsDeleteRule = method({
  name: 'alerts.deleteRule',
  summary: 'Remove a rule; notifications it already wrote are still delivered.',
  input: z.strictObject({ id: AlertRuleId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `alert-rule:${input.id}` },
  http: { method: 'DELETE', path: '/alerts/rules/:id' },
});

export const alertsDeliveries = method({
  name: 'alerts.deliveries',
  summary: 'Notifications, newest first, each with its delivery attempts: all, one incident’s or one channel’s.',
  input: z.strictObject({
    incidentId: IncidentId.optional(),
    channelId: AlertChannelId.optional(),
    limit: queryInt(1, 500).default(50),
    offset: queryInt(0, 10_000_000).default(0),
  }),
  output: z.object({ items: z.array(Notification), total: z.number().int() }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/alerts/deliveries' },
});

export const alertsSettings = method({
  name: 'alerts.settings',
  summary: 'Which private addresses channels may reach, and how long a notification is retried before it is given up.',
  input: z.strictObject({}),
  output: AlertSettings,
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/alerts/settings' },
});

export const alertsUpdateSettings = method({
  name: 'alerts.updateSettings',
  summary: 'Change the alert settings (admins only: they decide which private addresses Guardian may post to).',
  input: z.strictObject({
    allowedTargets: z.array(AllowedTarget).max(100, 'At most 100 entries').optional(),
    giveUpAfterMinutes: z
      .number()
      .int()
      .min(1, 'At least 1 minute')
      .max(7 * 24 * 60, 'At most a week')
      .optional(),
    publicUrl: PublicUrl.nullable().optional(),
    signInBurst: SignInBurst.optional(),
  }),
  output: AlertSettings,
  permission: 'system:admin',
  audit: { target: () => 'alerts:settings' },
  http: { method: 'PATCH', path: '/alerts/settings' },
});

/** The longest a silence may last: a silence forgotten for longer should be a rule change, and is easy to renew. */
export const SILENCE_MAX_DAYS = 90;
export const SILENCE_STATES = ['active', 'upcoming', 'expired'] as const;
export type SilenceState = (typeof SILENCE_STATES)[number];

const SilenceReason = z.string().trim().min(1, 'Say why: a silence needs a reason').max(500, 'The reason is at most 500 characters');

export const AlertSilence = z.object({
  id: z.string(),
  match: MatchView,
  startsAt: z.number().int(),
  /** When it ends: the end it was given, or when it was expired early. */
  endsAt: z.number().int(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.number().int(),
  /** Set when someone ended it before its time. */
  expiredAt: z.number().int().nullable(),
  expiredBy: z.string().nullable(),
  expireReason: z.string().nullable(),
  /** Told against the clock of the Guardian answering. */
  state: z.enum(SILENCE_STATES),
});
export type AlertSilence = z.infer<typeof AlertSilence>;

export const alertsSilences = method({
  name: 'alerts.silences',
  summary: 'Silences, latest end first: all of them, or those active, upcoming or expired.',
  input: z.strictObject({
    state: z.enum(SILENCE_STATES).optional(),
    limit: queryInt(1, 500).default(100),
  }),
  output: z.object({ items: z.array(AlertSilence) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/alerts/silences' },
});

export const AlertSilenceInput = z
  .strictObject({
    match: AlertMatch,
    /** When it begins (epoch ms); now when left out or in the past. */
    startsAt: z.number().int().min(0).optional(),
    /** When it ends (epoch ms); or give `durationMinutes` instead. */
    endsAt: z.number().int().min(0).optional(),
    durationMinutes: z
      .number()
      .int()
      .min(1, 'At least 1 minute')
      .max(SILENCE_MAX_DAYS * 24 * 60, `At most ${SILENCE_MAX_DAYS} days`)
      .optional(),
    reason: SilenceReason,
  })
  .superRefine((input, ctx) => {
    if (matchesAnything(input.match))
      ctx.addIssue({ code: 'custom', path: ['match'], message: 'Match something: a server, tag, environment, severity or check type' });
    if ((input.endsAt === undefined) === (input.durationMinutes === undefined))
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'Give an end (endsAt) or a duration (durationMinutes), one of the two' });
  });
export type AlertSilenceInput = z.output<typeof AlertSilenceInput>;

export const alertsAddSilence = method({
  name: 'alerts.addSilence',
  summary: `Silence the incidents a matcher picks until an end time (at most ${SILENCE_MAX_DAYS} days away), with a reason: they stay open but notify no one.`,
  input: AlertSilenceInput,
  output: AlertSilence,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `alert-silence:${out.id}` : undefined) },
  http: { method: 'POST', path: '/alerts/silences' },
});

export const alertsExpireSilence = method({
  name: 'alerts.expireSilence',
  summary: 'End a silence now; an incident it held back that is still open is notified then.',
  input: z.strictObject({ id: AlertSilenceId, reason: z.string().trim().max(500, 'The reason is at most 500 characters').optional() }),
  output: AlertSilence,
  permission: 'servers:write',
  audit: { target: (input) => `alert-silence:${input.id}` },
  http: { method: 'POST', path: '/alerts/silences/:id/expire' },
});

export const alertsChanged = changeEvent({
  name: 'alerts.changed',
  summary: 'Alert channels, rules, silences or settings were created, changed or deleted (a channel disabled by its receiver too).',
  changes: ['created', 'updated', 'deleted', 'settings'],
  permission: 'servers:read',
});
