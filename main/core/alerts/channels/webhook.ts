import { createHmac } from 'node:crypto';
import { AppError } from '@shared/api/errors';
import { webhookConfig, type WebhookConfig } from '@shared/alerts/webhook';
import type { AlertChannelType, Delivery, DeliveryResult } from './channel';
import { post, resultOf } from './http';

/**
 * The webhook channel (docs/alerts.md): the notification's JSON posted to a URL, signed per the
 * Standard Webhooks spec (https://www.standardwebhooks.com): `webhook-id` (the notification's id,
 * the same on every retry), `webhook-timestamp` (seconds) and `webhook-signature`, `v1,` and the
 * base64 HMAC-SHA256 of `id.timestamp.body` under each secret (two during a rotation, space-separated).
 */

const SECRET_PREFIX = 'whsec_';
/** The spec's secrets are 24 to 64 random bytes. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** The key bytes of a `whsec_<base64>` secret; throws words (never the value) when it is not one. */
export function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES)
    throw new AppError(
      'VALIDATION_FAILED',
      `The channel's signing secret is not of the form whsec_<base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes>.`,
      {
        hint: 'Store a secret such as whsec_ followed by the base64 of 32 random bytes (openssl rand -base64 32) in the vault as an API token.',
      },
    );
  return key;
}

/** The `webhook-signature` header's value: one `v1,<base64>` per key, space-separated. */
export function signature(keys: readonly Buffer[], id: string, timestamp: number, body: string): string {
  return keys.map((key) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`).join(' ');
}

/** The body, exactly as receivers verify it: the stored event's JSON, keys in their stored order. */
export const webhookBody = (delivery: Delivery): string => JSON.stringify(delivery.event);

export const webhookChannel: AlertChannelType<WebhookConfig> = {
  type: 'webhook',
  configSchema: webhookConfig,
  hostOf: (config) => new URL(config.url).hostname,
  hostField: 'url',
  secret: { required: true, kind: 'api_token', purpose: 'sign' },
  async send(config, delivery): Promise<DeliveryResult> {
    const keys = delivery.secrets.map(signingKey);
    const timestamp = Math.floor(delivery.now() / 1000);
    const body = webhookBody(delivery);
    const result = await post(new URL(config.url), body, {
      policy: delivery.policy,
      timeoutMs: config.timeoutMs,
      verifyTls: config.verifyTls,
      now: delivery.now,
      headers: {
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature(keys, delivery.id, timestamp, body),
      },
    });
    return resultOf(result);
  },
};
