import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { TARGET_REFUSED, type TargetPolicy } from '../targets';
import type { DeliveryResult } from './channel';

/**
 * The one HTTP POST every HTTP channel (webhook, Slack, ntfy, …) sends with (docs/alerts.md):
 * the target policy checked on the URL's host as written and again for every address it resolves
 * to at connect time (DNS rebinding), one timeout over the whole exchange, the answer read up to
 * MAX_ANSWER_BYTES and then dropped, Retry-After honoured, and the outcome in words that never
 * carry the URL's path or query (a Slack or Discord webhook URL is a secret) or the answer's body.
 */

/** What is read of a receiver's answer: enough for a service's small JSON verdict, never kept. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface PostOptions {
  /** POST unless the service wants PUT (Matrix, whose transaction id makes a retry idempotent). */
  method?: 'POST' | 'PUT' | undefined;
  policy: TargetPolicy;
  timeoutMs: number;
  verifyTls: boolean;
  now: () => number;
  headers?: OutgoingHttpHeaders | undefined;
  /** The content type of `body` (JSON unless said otherwise). */
  contentType?: string | undefined;
  /**
   * The name the receiver goes by in results, instead of the URL's host: for a URL that is itself
   * a secret, so that not even its host is written down (it is the service's public host anyway).
   */
  label?: string | undefined;
}

export interface PostResult extends DeliveryResult {
  /** The answer's body as read (up to MAX_ANSWER_BYTES), for a channel that must look at it; never logged. */
  answer: string;
}

/** Retry-After in milliseconds from `now`: seconds, or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A failure to reach the receiver, in words naming only its host (or label). */
export function describeNetworkError(error: unknown, host: string, hostname: string, timeoutMs: number): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case TARGET_REFUSED:
      return (error as Error).message;
    case 'ECONNREFUSED':
      return `${host} refused the connection`;
    case 'ECONNRESET':
      return `${host} closed the connection before answering`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${hostname} could not be resolved`;
    case 'ETIMEDOUT':
      return `no answer from ${host} within ${timeoutMs} ms`;
    default:
      return code?.startsWith('ERR_TLS') || code?.includes('CERT')
        ? `${host}'s TLS certificate was not accepted (${code})`
        : `could not reach ${host}${code ? ` (${code})` : ''}`;
  }
}

/**
 * Words refusing a service URL other than the service's own unless an admin listed its host
 * (a proxy, a test receiver): the token in the request goes wherever the URL points. Null when fine.
 */
export function serviceTargetRefusal(url: string, own: readonly string[], service: string, policy: TargetPolicy): string | null {
  const host = new URL(url).hostname;
  if (own.includes(host) || policy.listed(host)) return null;
  return `${service} requests go to ${own.join(' or ')} unless an admin lists ${host} in the alert settings' allowedTargets`;
}

/** A 4xx other than 408 and 429: the service will never take this request as it is, so sending it again changes nothing. */
export const refusedForGood = (statusCode: number | null) =>
  statusCode !== null && statusCode >= 400 && statusCode < 500 && statusCode !== 408 && statusCode !== 429;

/** A retry delay a service gives in its JSON answer (Telegram's parameters.retry_after in s, Matrix's retry_after_ms), in ms. */
export function retryAfterInAnswer(answer: string): number | null {
  try {
    const parsed = JSON.parse(answer) as { parameters?: { retry_after?: unknown }; retry_after_ms?: unknown };
    if (typeof parsed.retry_after_ms === 'number' && parsed.retry_after_ms >= 0) return parsed.retry_after_ms;
    const seconds = parsed.parameters?.retry_after;
    return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : null;
  } catch {
    return null;
  }
}

/** POSTs `body` to `url`; never throws for the receiver's failure, and answers in words without the URL's secrets. */
export function post(url: URL, body: string | Buffer, options: PostOptions): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const host = options.label ?? url.host;
  const hostname = options.label ?? url.hostname;
  const refused = options.policy.refuseHost(url.hostname);
  if (refused) return Promise.resolve({ statusCode: null, error: refused, latencyMs: 0, retryAfterMs: null, answer: '' });
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: options.method ?? 'POST',
      lookup: options.policy.lookup,
      rejectUnauthorized: options.verifyTls,
      headers: {
        'content-type': options.contentType ?? 'application/json',
        'content-length': bytes.length,
        'user-agent': 'Guardian-Alerts',
        ...options.headers,
      },
      timeout: options.timeoutMs,
    });
    const timedOut = () => {
      const error: NodeJS.ErrnoException = new Error('timed out');
      error.code = 'ETIMEDOUT';
      request.destroy(error);
    };
    // The socket's idle timeout, and one over the whole exchange (a receiver trickling its answer).
    const timer = setTimeout(timedOut, options.timeoutMs);
    request.on('timeout', timedOut);
    request.on('error', (error) => {
      clearTimeout(timer);
      finish({ statusCode: null, error: describeNetworkError(error, host, hostname, options.timeoutMs), latencyMs: elapsed(), retryAfterMs: null, answer: '' });
    });
    request.on('response', (response: IncomingMessage) => {
      const statusCode = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        if (read < MAX_ANSWER_BYTES) chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - read));
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) response.destroy();
      });
      const done = () => {
        clearTimeout(timer);
        const ok = statusCode >= 200 && statusCode < 300;
        finish({
          statusCode,
          error: ok ? null : `${host} answered ${statusCode}${response.statusMessage ? ` ${response.statusMessage}` : ''}`,
          latencyMs: elapsed(),
          retryAfterMs: retryAfterMs(response.headers['retry-after'], options.now()),
          answer: Buffer.concat(chunks).toString('utf8'),
        });
      };
      response.on('end', done);
      response.on('close', done);
      response.on('error', done);
    });
    request.end(bytes);
  });
}

/** A DeliveryResult without the answer's body, as the worker records it. */
export function resultOf({ answer: _answer, ...result }: PostResult): DeliveryResult {
  return result;
}
