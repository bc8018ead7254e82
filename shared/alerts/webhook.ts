import { z } from 'zod';
import { ratePerMinute } from './rate';

/**
 * A webhook channel's config (docs/alerts.md): where the JSON is posted and how long to wait for
 * an answer. Its signing secret is not here: it is in the vault, named by the channel.
 */
export const webhookConfig = z.strictObject({
  url: z
    .string()
    .trim()
    .max(2048, 'At most 2048 characters')
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.protocol === 'https:' || url.protocol === 'http:';
      } catch {
        return false;
      }
    }, 'An http:// or https:// URL such as https://hooks.example.net/guardian')
    .refine((value) => {
      try {
        const url = new URL(value);
        return url.username === '' && url.password === '';
      } catch {
        return true;
      }
    }, 'No user name or password in the URL: the receiver checks the signature instead'),
  /** How long to wait for the receiver's answer; a timeout is retried. */
  timeoutMs: z.number().int().min(500, 'At least 500 ms').max(60_000, 'At most 60 s').default(10_000),
  /** Notifications sent to this channel at once. */
  maxConcurrent: z.number().int().min(1).max(32, 'At most 32').default(4),
  ratePerMinute: ratePerMinute(null),
  /** Check the receiver's TLS certificate (https). Off only for a receiver with a self-signed certificate you trust. */
  verifyTls: z.boolean().default(true),
});
export type WebhookConfig = z.output<typeof webhookConfig>;
