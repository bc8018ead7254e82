import type { ChannelType } from '@shared/alerts';
import { discord, mattermost, slack, teams } from './chat';
import { email } from './email';
import { gotify, matrix, ntfy, opsgenie, pagerduty, pushover, telegram } from './push';
import type { ChannelTypeForm } from './types';
import { webhook } from './webhook';

/**
 * The channel types the dialog offers, in the order shown: one module each (chat.tsx makes the
 * four chat services, whose config is one schema; push.tsx declares the push and paging ones). A type the contract
 * knows without a form here is listed, but not offered for new channels (and edited by its name
 * and secret only).
 */
export const CHANNEL_TYPE_FORMS: readonly ChannelTypeForm[] = [
  webhook,
  email,
  slack,
  discord,
  teams,
  mattermost,
  ntfy,
  gotify,
  pagerduty,
  pushover,
  telegram,
  opsgenie,
  matrix,
];

export function channelTypeForm(type: ChannelType | string): ChannelTypeForm | undefined {
  return CHANNEL_TYPE_FORMS.find((form) => form.type === type);
}

export type { ChannelTypeForm, ConfigValues } from './types';
