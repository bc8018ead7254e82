import { z } from 'zod';

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
});
export type PagerdutyConfig = z.output<typeof pagerdutyConfig>;
