import { z } from 'zod';
import { ratePerMinute } from './rate';
import { messageTemplate } from './template';

/**
 * The config of a chat channel whose webhook URL is itself the secret (Slack, Discord, Microsoft
 * Teams, Mattermost; docs/alerts.md): the URL is in the vault as an API token the channel names,
 * never here, so no listing, export or audit event shows it. What is left is how to send.
 */
const chatFields = {
  /** How long to wait for the service's answer; a timeout is retried. */
  timeoutMs: z.number().int().min(500, 'At least 500 ms').max(60_000, 'At most 60 s').default(10_000),
  /** Notifications sent to this channel at once. */
  maxConcurrent: z.number().int().min(1).max(8, 'At most 8').default(2),
  /** The channel's own wording; Guardian's where empty (shared/alerts/template.ts). */
  template: messageTemplate,
};

/** Slack takes one message a second per incoming webhook. */
export const slackConfig = z.strictObject({ ...chatFields, ratePerMinute: ratePerMinute(60) });
export type SlackConfig = z.output<typeof slackConfig>;

/** Discord takes 30 messages a minute per webhook. */
export const discordConfig = z.strictObject({ ...chatFields, ratePerMinute: ratePerMinute(30) });
export type DiscordConfig = z.output<typeof discordConfig>;

export const teamsConfig = z.strictObject({ ...chatFields, ratePerMinute: ratePerMinute(null) });
export type TeamsConfig = z.output<typeof teamsConfig>;

export const mattermostConfig = z.strictObject({ ...chatFields, ratePerMinute: ratePerMinute(null) });
export type MattermostConfig = z.output<typeof mattermostConfig>;

export type ChatConfig = SlackConfig;
