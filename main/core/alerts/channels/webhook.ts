import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { AppError } from '@shared/api/errors';
import { webhookConfig, type WebhookConfig } from '@shared/alerts/webhook';
import { TARGET_REFUSED } from '../targets';
import type { AlertChannelType, Delivery, DeliveryResult } from './channel';

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
/** What is read of a receiver's answer before it is dropped: its body is never kept. */
const MAX_ANSWER_BYTES = 64 * 1024;

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

/** Retry-After in milliseconds from `now`: seconds, or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function describe(error: unknown, config: WebhookConfig): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const host = new URL(config.url).host;
  switch (code) {
    case TARGET_REFUSED:
      return (error as Error).message;
    case 'ECONNREFUSED':
      return `${host} refused the connection`;
    case 'ECONNRESET':
      return `${host} closed the connection before answering`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${new URL(config.url).hostname} could not be resolved`;
    case 'ETIMEDOUT':
      return `no answer from ${host} within ${config.timeoutMs} ms`;
    default:
      return code?.startsWith('ERR_TLS') || code?.includes('CERT')
        ? `${host}'s TLS certificate was not accepted (${code})`
        : `could not reach ${host}${code ? ` (${code})` : ''}`;
  }
}

export const webhookChannel: AlertChannelType<WebhookConfig> = {
  type: 'webhook',
  configSchema: webhookConfig,
  hostOf: (config) => new URL(config.url).hostname,
  needsSecret: true,
  send(config, delivery: Delivery): Promise<DeliveryResult> {
    const keys = delivery.secrets.map(signingKey);
    const url = new URL(config.url);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = delivery.policy.refuseHost(url.hostname);
    if (refused) return Promise.resolve({ statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null });
    const timestamp = Math.floor(delivery.now() / 1000);
    const body = Buffer.from(delivery.body, 'utf8');
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        lookup: delivery.policy.lookup,
        rejectUnauthorized: config.verifyTls,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'user-agent': 'Guardian-Alerts',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature(keys, delivery.id, timestamp, delivery.body),
        },
        timeout: config.timeoutMs,
      });
      const timer = setTimeout(() => {
        const error: NodeJS.ErrnoException = new Error('timed out');
        error.code = 'ETIMEDOUT';
        request.destroy(error);
      }, config.timeoutMs);
      request.on('timeout', () => {
        const error: NodeJS.ErrnoException = new Error('timed out');
        error.code = 'ETIMEDOUT';
        request.destroy(error);
      });
      request.on('error', (error) => {
        clearTimeout(timer);
        finish({ statusCode: null, error: describe(error, config), latencyMs: elapsed(), retryAfterMs: null });
      });
      request.on('response', (response: IncomingMessage) => {
        const statusCode = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const done = () => {
          clearTimeout(timer);
          const ok = statusCode >= 200 && statusCode < 300;
          finish({
            statusCode,
            error: ok ? null : `${url.host} answered ${statusCode}${response.statusMessage ? ` ${response.statusMessage}` : ''}`,
            latencyMs: elapsed(),
            retryAfterMs: retryAfterMs(response.headers['retry-after'], delivery.now()),
          });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      });
      request.end(body);
    });
  },
};
