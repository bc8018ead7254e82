import { z } from 'zod';
import { ratePerMinute } from './rate';
import { messageTemplate } from './template';

/**
 * The configs of the push and paging channels (docs/alerts.md): ntfy, Gotify and PagerDuty. A
 * token (an ntfy access token, a Gotify app token, a PagerDuty routing key) is never here: it is
 * the channel's vault secret.
 */

const HttpUrl = (example: string) =>
  z
    .string()
    .trim()
    .max(2048, 'At most 2048 characters')
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '' && url.search === '';
      } catch {
        return false;
      }
    }, `An http:// or https:// URL without user name, password or query, such as ${example}`);

const sending = {
  timeoutMs: z.number().int().min(500, 'At least 500 ms').max(60_000, 'At most 60 s').default(10_000),
  maxConcurrent: z.number().int().min(1).max(8, 'At most 8').default(2),
  ratePerMinute: ratePerMinute(null),
  /** The channel's own wording; Guardian's where empty (shared/alerts/template.ts). */
  template: messageTemplate,
};

export const ntfyConfig = z.strictObject({
  /** The ntfy server (https://ntfy.sh, or your own). */
  serverUrl: HttpUrl('https://ntfy.sh').default('https://ntfy.sh'),
  /** The topic; on a public server without a token, anyone who knows it can read it. */
  topic: z
    .string()
    .trim()
    .regex(/^[-_A-Za-z0-9]{1,64}$/, 'A topic of 1 to 64 letters, digits, - and _'),
  /** Check the server's TLS certificate. Off only for a server with a self-signed certificate you trust. */
  verifyTls: z.boolean().default(true),
  ...sending,
});
export type NtfyConfig = z.output<typeof ntfyConfig>;

export const gotifyConfig = z.strictObject({
  /** The Gotify server, such as https://gotify.example.net. */
  serverUrl: HttpUrl('https://gotify.example.net'),
  verifyTls: z.boolean().default(true),
  ...sending,
});
export type GotifyConfig = z.output<typeof gotifyConfig>;

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const pagerdutyConfig = z.strictObject({
  /**
   * PagerDuty's Events API v2. Another URL (a proxy, a test receiver) is taken only when an admin
   * has listed its host in the alert settings' allowedTargets: the routing key goes where it points.
   */
  eventsUrl: HttpUrl(PAGERDUTY_EVENTS_URL).default(PAGERDUTY_EVENTS_URL),
  ...sending,
  /** The Events API takes 120 events a minute per routing key. */
  ratePerMinute: ratePerMinute(120),
});
export type PagerdutyConfig = z.output<typeof pagerdutyConfig>;

export const PUSHOVER_API_URL = 'https://api.pushover.net/1/messages.json';

export const pushoverConfig = z.strictObject({
  /** The user or group key to send to (the app's token is the channel's vault secret). */
  user: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{30}$/, 'A Pushover user or group key: 30 letters and digits'),
  /** Only these devices of the user (names, comma-separated in Pushover's terms); all when empty. */
  devices: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9_-]{1,25}$/, 'A device name of up to 25 letters, digits, _ and -'),
    )
    .max(10)
    .default([]),
  /** Pushover's API; another URL only on a host an admin listed. */
  apiUrl: HttpUrl(PUSHOVER_API_URL).default(PUSHOVER_API_URL),
  ...sending,
});
export type PushoverConfig = z.output<typeof pushoverConfig>;

export const TELEGRAM_API_URL = 'https://api.telegram.org';

export const telegramConfig = z.strictObject({
  /** The chat: a numeric id (a group's is negative, such as -1001234567890) or a public channel's @name. */
  chatId: z
    .string()
    .trim()
    .regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/, 'A chat id such as -1001234567890, or a channel such as @guardian_alerts'),
  /** The Bot API; another URL (a self-hosted Bot API server) only on a host an admin listed. */
  apiUrl: HttpUrl(TELEGRAM_API_URL).default(TELEGRAM_API_URL),
  ...sending,
  /** A bot may send 20 messages a minute to one group. */
  ratePerMinute: ratePerMinute(20),
});
export type TelegramConfig = z.output<typeof telegramConfig>;

export const OPSGENIE_API_URLS = ['https://api.opsgenie.com', 'https://api.eu.opsgenie.com'] as const;

export const opsgenieConfig = z.strictObject({
  /** https://api.opsgenie.com, or https://api.eu.opsgenie.com for an account in the EU; another only on a host an admin listed. */
  apiUrl: HttpUrl(OPSGENIE_API_URLS[0]).default(OPSGENIE_API_URLS[0]),
  ...sending,
});
export type OpsgenieConfig = z.output<typeof opsgenieConfig>;

export const matrixConfig = z.strictObject({
  /** The homeserver the bot account is on, such as https://matrix.example.net. */
  homeserverUrl: HttpUrl('https://matrix.example.net'),
  /** The room's id (not an alias), such as !AbCdEf:example.net; the bot account must have joined it. */
  roomId: z
    .string()
    .trim()
    .regex(/^![^:\s]+:[^\s]+$/, 'A room id such as !AbCdEfGh:example.net (Room settings, Advanced)')
    .max(255),
  verifyTls: z.boolean().default(true),
  ...sending,
});
export type MatrixConfig = z.output<typeof matrixConfig>;
