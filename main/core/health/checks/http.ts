import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AppError } from '@shared/api/errors';
import type { UsedSecret } from '../../vault';
import { CREDENTIAL_HEADER, httpConfig, type HttpAuth, type HttpConfig } from '@shared/health/http';
import { type CheckContext, type CheckResult, type CheckType, deadline, describeError, reach, refusedHost, stopped, stopwatch } from '../check';
import { judgeCertificate } from './tls';

/** The most of a body that is read for keyword and JSON checks. */
const MAX_BODY_BYTES = 1024 * 1024;

function statusAccepted(status: number, ranges: readonly string[]): boolean {
  return ranges.some((range) => {
    const [from, to] = range.split('-').map(Number);
    return from !== undefined && status >= from && status <= (to ?? from);
  });
}

/** The value at a dotted path (`data.status`, `items.0.id`), or `undefined` when the path is missing. */
export function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

interface Exchange {
  response: IncomingMessage;
  body: string;
  tls?: TLSSocket;
}

/** A URL as a result may show it: without the user name and password a redirect may carry. */
const shown = (href: string) => href.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/i, '$1');

/** A URL's host name without IPv6 brackets, as a server record holds it. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * The header carrying the check's vault credential, read for `host` (the vault refuses any host
 * but the check's server's), or the `down` answer why there is none.
 */
async function credentialHeader(auth: HttpAuth, host: string, ctx: CheckContext): Promise<{ name: string; value: string } | CheckResult> {
  if (!ctx.credential) throw new Error('http checks with auth need ctx.credential to read the vault');
  const down = (why: string): CheckResult => ({ status: 'down', latencyMs: null, message: `cannot authenticate to ${host}: ${why}` });
  let secret: UsedSecret;
  try {
    secret = await ctx.credential(auth.credentialId, host);
  } catch (error) {
    if (error instanceof AppError) return down(error.message);
    throw error;
  }
  const { value } = secret;
  const material = value.kind === 'password' ? value.password : value.kind === 'api_token' ? value.token : null;
  if (material === null) return down(`the vault secret is ${value.kind === 'note' ? 'a note' : 'an SSH key'}, not a password or a token`);
  switch (auth.kind) {
    case 'basic': {
      const user = auth.username ?? secret.username;
      if (!user) return down('basic auth needs a user name: store one with the secret, or set it in the check');
      return { name: 'authorization', value: `Basic ${Buffer.from(`${user}:${material}`, 'utf8').toString('base64')}` };
    }
    case 'bearer':
      return { name: 'authorization', value: `Bearer ${material}` };
    case 'header':
      return auth.headerName ? { name: auth.headerName, value: material } : down('the check names no header to send the secret in');
  }
}

/**
 * The headers for one hop. Credentials (the vault's, and any credential-looking header an older
 * check still carries) go only to the origin the check was set up for, never to where a redirect
 * points elsewhere.
 */
function hopHeaders(config: HttpConfig, credential: { name: string; value: string } | null, sameOrigin: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'Guardian-Server-Manager health check' };
  for (const [name, value] of Object.entries(config.headers)) if (sameOrigin || !CREDENTIAL_HEADER.test(name)) headers[name] = value;
  if (credential && sameOrigin) headers[credential.name] = credential.value;
  return headers;
}

/** One request, its body read (up to MAX_BODY_BYTES); rejects with the connection's error. */
function exchange(
  url: URL,
  config: HttpConfig,
  method: string,
  signal: AbortSignal,
  headers: Record<string, string>,
  lookup: LookupFunction | undefined,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    const req = send(url, {
      method,
      headers,
      signal,
      agent: false,
      ...(lookup ? { lookup } : {}),
      ...(isHttps ? { ca: config.ca, rejectUnauthorized: !config.ignoreTlsErrors } : {}),
    });
    req.once('error', reject);
    req.once('response', (response) => {
      const tls = isHttps ? (response.socket as TLSSocket) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) response.destroy();
      });
      const done = () => resolve({ response, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'), tls });
      response.once('end', done);
      response.once('close', done);
      response.once('error', reject);
    });
    if (config.body !== undefined && method !== 'GET' && method !== 'HEAD') req.write(config.body);
    req.end();
  });
}

/**
 * An HTTP(S) request, redirects followed or not, judged on status, keyword, a JSON value,
 * latency, and for https the certificate's time left.
 */
export const httpCheck: CheckType<HttpConfig> = {
  type: 'http',
  configSchema: httpConfig,
  async run(config, ctx) {
    const { signal, done } = deadline(ctx);
    try {
      return await request(config, ctx, signal);
    } finally {
      done();
    }
  },
};

/** The check itself, within `signal`'s deadline. */
async function request(config: HttpConfig, ctx: CheckContext, signal: AbortSignal): Promise<CheckResult> {
  const elapsed = stopwatch();
  let url = new URL(config.url);
  const origin = url.origin;
  const { lookup } = reach(ctx);
  let credential: { name: string; value: string } | null = null;
  if (config.auth) {
    const header = await credentialHeader(config.auth, hostOf(url), ctx);
    if ('status' in header) return header;
    credential = header;
  }
  let method: string = config.method;
  let result: Exchange;
  const hops: string[] = [];
  for (;;) {
    if (signal.aborted) return stopped(ctx, url.host);
    const refused = refusedHost(ctx, hostOf(url));
    if (refused) return hops.length ? { ...refused, data: { redirects: hops } } : refused;
    try {
      result = await exchange(url, config, method, signal, hopHeaders(config, credential, url.origin === origin), lookup);
    } catch (error) {
      if (signal.aborted) return stopped(ctx, url.host);
      return { status: 'down', latencyMs: null, message: describeError(error, url.host), data: hops.length ? { redirects: hops } : undefined };
    }
    const { statusCode = 0, headers } = result.response;
    const location = headers.location;
    if (!config.followRedirects || statusCode < 300 || statusCode > 399 || statusCode === 304 || !location) break;
    if (hops.length >= config.maxRedirects) {
      return {
        status: 'down',
        latencyMs: null,
        message: `more than ${config.maxRedirects} redirects, last to ${shown(location)}`,
        data: { redirects: hops },
      };
    }
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      return { status: 'down', latencyMs: null, message: `redirect to an unsupported address: ${shown(location)}`, data: { redirects: hops } };
    }
    hops.push(shown(next.href));
    if (statusCode === 303 || ((statusCode === 301 || statusCode === 302) && method === 'POST')) method = 'GET';
    url = next;
  }
  const latencyMs = elapsed();
  const { response, body, tls } = result;
  const statusCode = response.statusCode ?? 0;
  const data: Record<string, unknown> = { statusCode, url: url.href };
  if (hops.length > 0) data.redirects = hops;
  const down = (message: string): CheckResult => ({ status: 'down', latencyMs, message, data });

  if (!statusAccepted(statusCode, config.expectedStatus)) return down(`expected status ${config.expectedStatus.join(', ')}, got ${statusCode}`);

  if (config.keyword) {
    const { text, mode, caseSensitive } = config.keyword;
    const found = caseSensitive ? body.includes(text) : body.toLowerCase().includes(text.toLowerCase());
    if (mode === 'present' && !found) return down(`keyword "${text}" not found in the response`);
    if (mode === 'absent' && found) return down(`keyword "${text}" found in the response`);
  }

  if (config.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return down('the response is not JSON');
    }
    const actual = atPath(parsed, config.json.path);
    const expected = config.json.equals;
    if (actual === undefined) return down(`${config.json.path} is missing from the response`);
    const equal =
      actual === expected || (typeof expected === 'string' && (typeof actual === 'number' || typeof actual === 'boolean') && String(actual) === expected);
    if (!equal) return down(`${config.json.path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }

  const degraded: string[] = [];
  const cert = tls?.getPeerX509Certificate();
  if (cert) {
    const verdict = judgeCertificate(
      { cert, authorized: tls?.authorized ?? false, authorizationError: tls?.authorizationError ? String(tls.authorizationError) : undefined },
      {
        name: url.hostname.replace(/^\[|\]$/g, ''),
        now: ctx.now(),
        expiryDegradedDays: config.certExpiryDays,
        expiryDownDays: 0,
        allowUntrusted: config.ignoreTlsErrors,
      },
    );
    data.certificate = verdict.data;
    // Unless told to ignore them, certificate failures stop the connection above; what is left is
    // a clock that disagrees with the peer's (ctx.now) and the time left.
    if (verdict.status === 'down' && !config.ignoreTlsErrors) return down(verdict.message);
    if (verdict.status === 'degraded') degraded.push(verdict.message);
  }
  if (config.degradedAboveMs !== undefined && latencyMs > config.degradedAboveMs) degraded.push(`slow: ${latencyMs} ms, above ${config.degradedAboveMs} ms`);
  if (degraded.length > 0) return { status: 'degraded', latencyMs, message: degraded.join('; '), data };
  return { status: 'up', latencyMs, message: `${statusCode} ${response.statusMessage ?? ''}`.trim() + ` in ${latencyMs} ms`, data };
}
