import { CHANNEL_TYPES, type ChannelType } from '@shared/alerts';
import type { AlertChannelType } from './channel';
import { discordChannel } from './discord';
import { emailChannel } from './email';
import { gotifyChannel } from './gotify';
import { matrixChannel } from './matrix';
import { mattermostChannel } from './mattermost';
import { ntfyChannel } from './ntfy';
import { opsgenieChannel } from './opsgenie';
import { pagerdutyChannel } from './pagerduty';
import { pushoverChannel } from './pushover';
import { slackChannel } from './slack';
import { teamsChannel } from './teams';
import { telegramChannel } from './telegram';
import { webhookChannel } from './webhook';

/** Every channel type, one module each; adding a type is adding a file and a line here. */
const MODULES: { [T in ChannelType]: AlertChannelType<unknown> } = {
  webhook: webhookChannel as AlertChannelType<unknown>,
  email: emailChannel as AlertChannelType<unknown>,
  slack: slackChannel as AlertChannelType<unknown>,
  discord: discordChannel as AlertChannelType<unknown>,
  teams: teamsChannel as AlertChannelType<unknown>,
  mattermost: mattermostChannel as AlertChannelType<unknown>,
  ntfy: ntfyChannel as AlertChannelType<unknown>,
  gotify: gotifyChannel as AlertChannelType<unknown>,
  pagerduty: pagerdutyChannel as AlertChannelType<unknown>,
  pushover: pushoverChannel as AlertChannelType<unknown>,
  telegram: telegramChannel as AlertChannelType<unknown>,
  opsgenie: opsgenieChannel as AlertChannelType<unknown>,
  matrix: matrixChannel as AlertChannelType<unknown>,
};

/** The module of a stored channel's type; undefined for one this Guardian does not know (written by a newer one). */
export function channelModule(type: string): AlertChannelType<unknown> | undefined {
  const known = CHANNEL_TYPES.find((each) => each === type);
  return known ? MODULES[known] : undefined;
}

export { deliveryOf, type AlertChannelType, type Delivery, type DeliveryResult } from './channel';
export { eventOf, testEvent, type AlertEvent } from './event';
