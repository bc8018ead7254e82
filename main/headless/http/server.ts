import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlib } from 'node:zlib';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AppError, HTTP_STATUS, methods, type AppErrorShape, type MethodName } from '@shared/api';
import { API_PREFIX, inputFromHttp, PATH_PARAM_MAX_LENGTH, SETUP_TOKEN_HEADER } from '@shared/api/http';
import { backlogMessage } from '@shared/api/health';
import { IMPORT_MAX_BYTES } from '@shared/api/servers';
import { principalAllows } from '@shared/permissions';
import { toAppError } from '@core/api/errors';
import { assertMayFetch } from '@core/jobs/artifacts';
import type { Core } from '@core/app';
import { packageInfo } from '@core/paths';
import { isLoopbackAddress } from '../net';
import { cookieSink, principalFor, requirePrincipal } from './auth';
import { buildOpenApi } from './openapi';
import { requestGuard } from './request-guard';
import { setupTokenRequired, type SetupGate } from './setup-token';
import { openEventStream, type EventStreams } from './sse';
import { streamAccess } from './stream-access';

export interface HttpServerOptions {
  core: Core;
  host: string;
  port: number;
  /** Folder of the built renderer, served at / when set. */
  uiDir?: string | null;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** PEM certificate and key: serve HTTPS (and mark cookies Secure). */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Sign-in attempts per address per minute before 429 (on top of the account lockout). */
  signInRateLimit?: number;
  /**
   * Proxies whose X-Forwarded-For is believed (addresses or CIDRs). Behind a reverse proxy this
   * makes lockouts and rate limits count each client, not the proxy.
   */
  trustProxy?: string[] | undefined;
  /** Host names clients reach Guardian by besides loopback and the bound address (`--public-name`). */
  publicNames?: readonly string[] | undefined;
  /**
   * While no owner exists: the one-time token `auth.setup` must send (see setup-token.ts).
   * Without a gate, the first owner cannot be created over HTTP (only locally, with the CLI).
   */
  setupGate?: SetupGate | null | undefined;
}

/** Methods that take a password: rate-limited per address. */
const SIGN_IN_METHODS: ReadonlySet<string> = new Set(['auth.login', 'auth.setup', 'auth.changePassword', 'auth.totpDisable', 'auth.reauth']);

/**
 * Answers that carry a secret in their body, never compressed (see COMPRESSION below): a secret's
 * value, a new API key's token, a TOTP secret and its recovery codes, and every answer holding
 * `Me` (the session's CSRF token). compression.test.ts fails when a method's answer gains a
 * secret-named field without being listed here.
 */
export const SECRET_BEARING_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  'secrets.reveal',
  'apikeys.create',
  'auth.totpBegin',
  'auth.totpConfirm',
  'auth.status',
  'auth.setup',
  'auth.login',
  'auth.me',
  'auth.changePassword',
  'auth.totpDisable',
]);

/** Answers smaller than this go out as they are: compressing them saves less than it costs. */
export const COMPRESS_MIN_BYTES = 1024;

/**
 * Response compression (@fastify/compress): br, else gzip, for clients whose Accept-Encoding asks
 * for it; identity otherwise. The fleet overview at 10,000 servers is about 1.9 MB as JSON.
 * Brotli at quality 4 in text mode, the knee on that payload (about 16 % of its size, 17 ms):
 * qualities 5 and 6 save under 1 % more at 1.2× and 2× the CPU; gzip at zlib's default level 6.
 * Request bodies are not decompressed (`globalDecompression: false`): no client needs it, and it
 * would expose one more parser, where a small body expands to a large one, to every caller.
 *
 * Not compressed: the event stream (it hijacks the reply, and text/event-stream is outside the
 * plugin's types anyway: a compressor would hold events back until its buffer fills) and the
 * secret-bearing answers above.
 *
 * BREACH (a secret and attacker-chosen text compressed together, sizes watched over TLS): the
 * attacker needs the victim's browser to send many credentialed requests whose answers reflect
 * their guesses. The session cookie is SameSite=Strict, so a cross-site page's requests carry no
 * session and get an error without secrets; API keys are sent by scripts, never ambiently. And
 * the answers that do hold a secret (above) are sent uncompressed, so none of their length
 * depends on how much of it an attacker's text repeats.
 */
export const COMPRESSION = {
  encodings: ['br', 'gzip'] as ('br' | 'gzip')[],
  threshold: COMPRESS_MIN_BYTES,
  brotliOptions: { params: { [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  zlibOptions: { level: 6 },
  globalDecompression: false,
};

export interface RunningHttpServer {
  url: string;
  app: FastifyInstance;
  /** Stops accepting, ends event streams, waits for requests in flight. */
  close(): Promise<void>;
}

/** Browsers that saw it over HTTPS use nothing else for a year. */
const HSTS = 'max-age=31536000';

/** The same CSP as the renderer's meta tag, sent as a header on every UI response. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendError(reply: FastifyReply, shape: AppErrorShape): FastifyReply {
  return reply.code(HTTP_STATUS[shape.code]).send({ error: shape });
}

/** Why Fastify could not read a request, in Guardian's words: its own messages may quote the request. */
const UNREADABLE: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'the body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty but is said to be JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the body is not as long as its Content-Length says',
};

/**
 * Fastify's own failures (body too large, wrong media type, bad JSON, a path it cannot route) in
 * Guardian's error shape. Nothing of the request (its path, its headers, its body) is echoed back.
 */
function fromFastifyError(error: FastifyError): AppError {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new AppError('URI_TOO_LONG', `A path parameter is longer than the ${PATH_PARAM_MAX_LENGTH} characters any id can be.`, {
      hint: 'Check the id in the path: copy it from the answer that gave it.',
    });
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return new AppError('VALIDATION_FAILED', 'The request path is not a valid URL: it has a broken %-escape.', {
      hint: 'Percent-encode each path parameter (encodeURIComponent).',
    });
  }
  const status = error.statusCode ?? 500;
  if (status === 413) {
    return new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than this server accepts.', {
      hint: 'Send a smaller file, or split it into several imports.',
    });
  }
  if (status === 415) {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON.', {
      hint: 'Send it with "Content-Type: application/json".',
    });
  }
  if (status === 400) {
    return new AppError('VALIDATION_FAILED', `The request could not be read: ${UNREADABLE[error.code] ?? 'it is malformed'}.`, {
      hint: 'Send a well-formed JSON body.',
    });
  }
  return new AppError('INTERNAL', 'Something went wrong inside Guardian.', {
    hint: 'Try again; if it keeps happening, report it with the correlation id.',
  });
}

/** A request's path to name in a message: without its query, and cut short (a URL can be kilobytes long). */
function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
}

const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5_000;

/**
 * Reads and discards the rest of a body refused before it was read (413). Closing the
 * connection while the client is still sending makes most clients (fetch included) report a
 * reset connection instead of the answer. Bounded, so a client cannot hold it open.
 */
function drainBody(request: FastifyRequest): Promise<void> {
  const raw = request.raw;
  if (raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > DRAIN_MAX_BYTES) finish();
    };
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
      resolve();
    };
    const timer = setTimeout(finish, DRAIN_MAX_MS);
    raw.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
    raw.resume();
  });
}

function labelOf(request: FastifyRequest): string {
  const config = request.routeOptions.config as { contractMethod?: string } | undefined;
  return config?.contractMethod ?? request.routeOptions.url ?? 'unmatched';
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  // Refused before anything is built or bound: nothing is left open behind the error.
  if (options.uiDir && !existsSync(join(options.uiDir, 'index.html'))) {
    throw new AppError('UNAVAILABLE', `The UI has not been built (no ${join(options.uiDir, 'index.html')}).`, {
      hint: 'Run "npm run build" first, then start again with --ui.',
    });
  }
  const { core } = options;
  const { metrics, router } = core;
  const streams: EventStreams = new Set();
  let closing = false;

  const secure = Boolean(options.tls);
  /** TLS here, or at a --trust-proxy proxy that says so in X-Forwarded-Proto (request.protocol). */
  const viaHttps = (request: FastifyRequest) => secure || request.protocol === 'https';
  // Fastify's types split on http vs https; the instance is used the same way either way.
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? IMPORT_MAX_BYTES + 1024 * 1024,
    genReqId: () => randomUUID(),
    logger: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
    // Failures the router meets before any hook runs (a path parameter too long, a broken
    // %-escape): Fastify's default body quotes the whole path.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-correlation-id', request.id);
      void sendError(reply, fromFastifyError(error).toShape(request.id));
    },
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? options.trustProxy : false,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;

  // Before any route (static included): the plugin hooks each route as it is added.
  await app.register(fastifyCompress, COMPRESSION);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    // Thrown by the plugin into the error handler below, which answers it in Guardian's shape.
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', 'Too many sign-in attempts from this address.', {
        hint: `Wait ${Math.ceil(context.ttl / 1000)} s before trying again.`,
      }),
  });

  // JSON is the only body the API reads; anything else is refused with 415.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // Answers may name accounts, servers and secrets' metadata: never kept by a browser or a proxy.
    if (request.url.startsWith('/api/') || request.url.startsWith('/metrics')) reply.header('cache-control', 'no-store');
    if (viaHttps(request)) reply.header('strict-transport-security', HSTS);
    (request as FastifyRequest & { startedAt?: bigint }).startedAt = process.hrtime.bigint();
  });
  const refusal = requestGuard({ host: options.host, publicNames: options.publicNames ?? [] });
  app.addHook('onRequest', async (request, reply) => {
    const refused = refusal(request);
    if (refused) return sendError(reply, refused.toShape(request.id));
  });
  // A keep-alive connection whose request was in flight at shutdown would otherwise stay open
  // until the keep-alive timeout (72 s), holding the process past a service manager's stop.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as FastifyRequest & { startedAt?: bigint }).startedAt ?? process.hrtime.bigint();
    const labels = { method: labelOf(request), status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  });

  app.setErrorHandler(async (error: FastifyError | AppError, request, reply) => {
    const appError = error instanceof AppError ? error : fromFastifyError(error);
    if (appError.code === 'INTERNAL') core.logger.error({ err: error, correlationId: request.id }, 'http request failed');
    if (appError.code === 'PAYLOAD_TOO_LARGE') await drainBody(request);
    return sendError(reply, appError.toShape(request.id));
  });

  for (const [name, def] of Object.entries(methods) as [MethodName, (typeof methods)[MethodName]][]) {
    app.route({
      method: def.http.method,
      url: API_PREFIX + def.http.path,
      ...(SECRET_BEARING_METHODS.has(name) ? { compress: false as const } : {}),
      config: {
        contractMethod: name,
        ...(SIGN_IN_METHODS.has(name) ? { rateLimit: { max: options.signInRateLimit ?? 30, timeWindow: 60_000 } } : {}),
      },
      handler: async (request, reply) => {
        const origin = `http:${request.ip}`;
        let principal;
        try {
          principal = await principalFor(request, core, origin);
        } catch (cause) {
          return sendError(reply, toAppError(cause).toShape(request.id));
        }
        const firstOwner = name === 'auth.setup' && (await core.accounts.count()) === 0;
        if (firstOwner && !options.setupGate?.admits(request.headers[SETUP_TOKEN_HEADER])) {
          return sendError(reply, setupTokenRequired().toShape(request.id));
        }
        const input = inputFromHttp(def, request.params as Record<string, string>, request.query as Record<string, unknown>, request.body);
        const result = await router.call(principal, name, input, {
          origin,
          correlationId: request.id,
          userAgent: request.headers['user-agent'] ?? '',
          session: cookieSink(reply, viaHttps(request)),
        });
        if (firstOwner && result.ok) options.setupGate?.spend();
        return result.ok ? reply.send(result.value) : sendError(reply, result.error);
      },
    });
  }

  const openApi = buildOpenApi(packageInfo.version);
  app.get(`${API_PREFIX}/openapi.json`, async () => openApi);
  // Never compressed: openEventStream hijacks the reply, so no onSend hook (the compressor's
  // included) sees it; `compress: false` says so here as well.
  app.get(`${API_PREFIX}/events`, { compress: false }, async (request, reply) => {
    const query = request.query as { events?: unknown };
    let principal;
    try {
      principal = await requirePrincipal(request, core);
    } catch (cause) {
      return sendError(reply, toAppError(cause).toShape(request.id));
    }
    const access = streamAccess(request, core, `http:${request.ip}`, principal);
    openEventStream(request, reply, core.events, streams, typeof query.events === 'string' ? query.events : undefined, access);
    // Hijacked: the stream answers from here on.
    return reply;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    // The database answers now, or Guardian is not ready: a PostgreSQL that went away says why.
    const unreachable = closing
      ? null
      : await core.data.ping().then(
          () => null,
          (cause: unknown) => toAppError(cause),
        );
    const ready = !closing && !unreachable && core.health.engine.running;
    // Checks running late leave Guardian ready (restarting would not help) but are said here.
    const { backlog } = core.health.engine;
    if (ready) return { status: 'ready', database: core.database.engine, checks: { late: backlog.late, message: backlogMessage(backlog) } };
    if (unreachable) {
      return sendError(
        reply,
        new AppError('DB_UNAVAILABLE', `The database does not answer: ${unreachable.message}`, {
          hint: unreachable.hint ?? 'Check that the database is running and reachable; Guardian picks it up again by itself.',
          retryable: true,
        }).toShape(request.id),
      );
    }
    const why = closing ? 'Guardian is shutting down.' : 'The health engine is not polling yet.';
    return sendError(
      reply,
      new AppError('UNAVAILABLE', why, {
        hint: 'Wait for Guardian to start, or check its log.',
      }).toShape(request.id),
    );
  });
  app.get('/metrics', async (request, reply) => {
    // Open to the machine itself (the usual node-exporter-style scrape); elsewhere a key with metrics:read.
    if (!isLoopbackAddress(request.socket.remoteAddress ?? '')) {
      let principal;
      try {
        principal = await principalFor(request, core, `http:${request.ip}`);
      } catch (cause) {
        return sendError(reply, toAppError(cause).toShape(request.id));
      }
      if (!principal || !principalAllows(principal, 'metrics:read')) {
        const error = principal
          ? new AppError('PERMISSION_DENIED', 'This key may not read metrics.', { hint: 'Use a key with the metrics:read permission.' })
          : new AppError('UNAUTHENTICATED', 'Metrics need an API key from outside this machine.', {
              hint: 'Send a key with metrics:read as "Authorization: Bearer gdn_…".',
            });
        return sendError(reply, error.toShape(request.id));
      }
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/api/v1/jobs/:id/artifact', async (request, reply) => {
    try {
      const principal = await requirePrincipal(request, core, 'jobs:read');
      const { id } = request.params as { id: string };
      const { artifact, path } = core.artifacts.file(await core.jobs.get(id));
      assertMayFetch(principal, artifact);
      reply.header('content-type', artifact.mimeType);
      reply.header('content-length', String(artifact.bytes));
      reply.header('content-disposition', `attachment; filename="${artifact.fileName}"`);
      reply.header('cache-control', 'no-store');
      return reply.send(core.artifacts.open(path));
    } catch (cause) {
      return sendError(reply, toAppError(cause).toShape(request.id));
    }
  });

  const uiDir = options.uiDir;
  if (uiDir) {
    await app.register(fastifyStatic, {
      root: uiDir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res) => {
        res.setHeader('content-security-policy', UI_CSP);
        res.setHeader('x-frame-options', 'DENY');
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/') && uiDir;
    if (wantsPage) {
      reply.header('content-security-policy', UI_CSP);
      return reply.sendFile('index.html');
    }
    return sendError(
      reply,
      new AppError('NOT_FOUND', `There is no route ${request.method} ${shortPath(request.url)}.`, {
        hint: `See ${API_PREFIX}/openapi.json for the routes Guardian offers.`,
      }).toShape(request.id),
    );
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `${secure ? 'https' : 'http'}://${hostPart}:${port}/`,
    app,
    async close() {
      closing = true;
      for (const stream of streams) stream.end();
      await app.close();
    },
  };
}
