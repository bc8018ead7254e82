import { OPSGENIE_API_URLS, PAGERDUTY_EVENTS_URL, PUSHOVER_API_URL, TELEGRAM_API_URL } from '@shared/alerts/push';
import { declaredType, SENDING_FIELDS, VERIFY_TLS } from './declared';
import { configText } from './types';

/**
 * The push and paging services (shared/alerts/push.ts): ntfy, Gotify, PagerDuty, Pushover,
 * Telegram, Opsgenie and Matrix. Each one's token is an API token in the vault that Guardian sends
 * to the service, so only owners and admins choose it; what is here is where and to whom.
 */

const token = (label: string, help: string, required = true) => ({ kinds: ['api_token'] as const, label, help, required, rotates: false, sends: true });
/** A service's own API, which another address replaces only on a host an admin listed. */
const apiHelp = (what: string) => `${what}; another address only on a host an admin listed in the alert settings`;

export const ntfy = declaredType({
  type: 'ntfy',
  label: 'ntfy',
  description: 'A push message to an ntfy topic, on ntfy.sh or your own server.',
  secret: token(
    'Access token',
    'An ntfy access token (tk_…) in the vault, for a protected topic; None on a public topic, which anyone who knows its name can read.',
    false,
  ),
  specs: [
    { key: 'serverUrl', label: 'Server', kind: 'text', initial: 'https://ntfy.sh', mono: true },
    { key: 'topic', label: 'Topic', help: '1 to 64 letters, digits, - and _', kind: 'text', initial: '', mono: true },
    VERIFY_TLS,
    ...SENDING_FIELDS,
  ],
  target: (config) => `${configText(config, 'serverUrl') ?? ''}/${configText(config, 'topic') ?? ''}`,
});

export const gotify = declaredType({
  type: 'gotify',
  label: 'Gotify',
  description: 'A message to your Gotify server, as one of its applications.',
  secret: token('App token', 'The application’s token, an API token in the vault.'),
  specs: [
    { key: 'serverUrl', label: 'Server', kind: 'text', initial: '', placeholder: 'https://gotify.example.net', mono: true },
    VERIFY_TLS,
    ...SENDING_FIELDS,
  ],
  target: (config) => configText(config, 'serverUrl') ?? '',
});

export const pagerduty = declaredType({
  type: 'pagerduty',
  label: 'PagerDuty',
  description: 'An event to PagerDuty’s Events API v2: an incident is triggered, acknowledged and resolved as one alert.',
  secret: token('Routing key', 'The integration key of an Events API v2 integration, an API token in the vault.'),
  specs: [
    { key: 'eventsUrl', label: 'Events API', help: apiHelp('PagerDuty’s own'), kind: 'text', initial: PAGERDUTY_EVENTS_URL, mono: true },
    ...SENDING_FIELDS,
  ],
  target: (config) => configText(config, 'eventsUrl') ?? '',
});

export const pushover = declaredType({
  type: 'pushover',
  label: 'Pushover',
  description: 'A push notification to a Pushover user or group.',
  secret: token('App token', 'The Pushover application’s API token, in the vault.'),
  specs: [
    { key: 'user', label: 'User or group key', help: '30 letters and digits', kind: 'text', initial: '', mono: true },
    { key: 'devices', label: 'Devices', help: 'Only these devices, one a line (up to 10); empty: all of the user’s', kind: 'list', initial: [] },
    { key: 'apiUrl', label: 'API', help: apiHelp('Pushover’s own'), kind: 'text', initial: PUSHOVER_API_URL, mono: true },
    ...SENDING_FIELDS,
  ],
  target: (config) => `user ${configText(config, 'user') ?? ''}`,
});

export const telegram = declaredType({
  type: 'telegram',
  label: 'Telegram',
  description: 'A message from your bot to a Telegram chat, group or channel.',
  secret: token('Bot token', 'The token BotFather gave your bot, an API token in the vault.'),
  specs: [
    { key: 'chatId', label: 'Chat', help: 'A chat id such as -1001234567890, or a channel such as @guardian_alerts', kind: 'text', initial: '', mono: true },
    { key: 'apiUrl', label: 'Bot API', help: apiHelp('Telegram’s own'), kind: 'text', initial: TELEGRAM_API_URL, mono: true },
    ...SENDING_FIELDS,
  ],
  target: (config) => `chat ${configText(config, 'chatId') ?? ''}`,
});

export const opsgenie = declaredType({
  type: 'opsgenie',
  label: 'Opsgenie',
  description: 'An Opsgenie alert, opened, acknowledged and closed with the incident.',
  secret: token('API key', 'The key of an Opsgenie API integration, an API token in the vault.'),
  specs: [
    {
      key: 'apiUrl',
      label: 'API',
      help: apiHelp(`${OPSGENIE_API_URLS[0]}, or ${OPSGENIE_API_URLS[1]} for an account in the EU`),
      kind: 'text',
      initial: OPSGENIE_API_URLS[0],
      mono: true,
    },
    ...SENDING_FIELDS,
  ],
  target: (config) => configText(config, 'apiUrl') ?? '',
});

export const matrix = declaredType({
  type: 'matrix',
  label: 'Matrix',
  description: 'A message from a bot account to a Matrix room it has joined.',
  secret: token('Access token', 'The bot account’s access token, an API token in the vault.'),
  specs: [
    { key: 'homeserverUrl', label: 'Homeserver', kind: 'text', initial: '', placeholder: 'https://matrix.example.net', mono: true },
    { key: 'roomId', label: 'Room id', help: 'Such as !AbCdEfGh:example.net (Room settings, Advanced), not an alias', kind: 'text', initial: '', mono: true },
    VERIFY_TLS,
    ...SENDING_FIELDS,
  ],
  target: (config) => `${configText(config, 'roomId') ?? ''} on ${configText(config, 'homeserverUrl') ?? ''}`,
});
