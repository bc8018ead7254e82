import type { z } from 'zod';
import { discordConfig, mattermostConfig, slackConfig, teamsConfig } from './chat';
import { emailConfig } from './email';
import { gotifyConfig, matrixConfig, ntfyConfig, opsgenieConfig, pagerdutyConfig, pushoverConfig, telegramConfig } from './push';
import { webhookConfig } from './webhook';

/** Every channel type and its config schema, one module each (docs/alerts.md). */
export const CHANNEL_TYPES = [
  'webhook',
  'email',
  'slack',
  'discord',
  'teams',
  'mattermost',
  'ntfy',
  'gotify',
  'pagerduty',
  'pushover',
  'telegram',
  'opsgenie',
  'matrix',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const CHANNEL_CONFIGS = {
  webhook: webhookConfig,
  email: emailConfig,
  slack: slackConfig,
  discord: discordConfig,
  teams: teamsConfig,
  mattermost: mattermostConfig,
  ntfy: ntfyConfig,
  gotify: gotifyConfig,
  pagerduty: pagerdutyConfig,
  pushover: pushoverConfig,
  telegram: telegramConfig,
  opsgenie: opsgenieConfig,
  matrix: matrixConfig,
} as const satisfies Record<ChannelType, z.ZodType>;

/** The rate limit a new channel of this type starts with (shared/alerts/rate.ts): the service's published one, or null. */
export function defaultRatePerMinute(type: ChannelType): number | null {
  return CHANNEL_CONFIGS[type].shape.ratePerMinute.parse(undefined);
}

/** Whether a channel of this type takes a message template (every type but the webhook, which sends the event as JSON). */
export function takesTemplate(type: ChannelType): boolean {
  return 'template' in CHANNEL_CONFIGS[type].shape;
}
