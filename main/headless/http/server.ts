import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { AppError, HTTP_STATUS, methods, type AppErrorShape, type MethodName } from '../../../shared/api';
import { API_PREFIX, inputFromHttp } from '../../../shared/api/http';
import { IMPORT_MAX_BYTES } from '../../../shared/api/servers';
import { LOCAL_OWNER } from '../../../shared/permissions';
import type { Core } from '../../core/app';
import { packageInfo } from '../../core/paths';
import { buildOpenApi } from './openapi';
import { openEventStream, type EventStreams } from './sse';

export interface HttpServerOptions {
  core: Core;
  host: string;
  port: number;
  /** Folder of the built renderer, served at / when set. */
  uiDir?: string | null;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
}

export interface RunningHttpServer {
  url: string;
  app: FastifyInstance;
  /** Stops accepting, ends event streams, waits for requests in flight. */
  close(): Promise<void>;
}

/** The same CSP as the renderer's meta tag, sent as a header on every UI response. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendError(reply: FastifyReply, shape: AppErrorShape): FastifyReply {
  return reply.code(HTTP_STATUS[shape.code]).send({ error: shape });
}

/** Fastify's own failures (body too large, wrong media type, bad JSON) in Guardian's error shape. */
function fromFastifyError(error: FastifyError): AppError {
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
    return new AppError('VALIDATION_FAILED', `The request could not be read: ${error.message}.`, {
      hint: 'Send a well-formed JSON body.',
    });
  }
  return new AppError('INTERNAL', 'Something went wrong inside Guardian.', {
    hint: 'Try again; if it keeps happening, report it with the correlation id.',
  });
}

function labelOf(request: FastifyRequest): string {
  const config = request.routeOptions.config as { contractMethod?: string } | undefined;
  return config?.contractMethod ?? request.routeOptions.url ?? 'unmatched';
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { core } = options;
  const { metrics, router } = core;
  const streams: EventStreams = new Set();
  let closing = false;

  const app = Fastify({
    bodyLimit: options.bodyLimit ?? IMPORT_MAX_BYTES + 1024 * 1024,
    genReqId: () => randomUUID(),
    logger: false,
    return503OnClosing: true,
  });

  // JSON is the only body the API reads; anything else is refused with 415.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    (request as FastifyRequest & { startedAt?: bigint }).startedAt = process.hrtime.bigint();
  });
  app.addHook('onResponse', async (request, reply) => {
    const started = (request as FastifyRequest & { startedAt?: bigint }).startedAt ?? process.hrtime.bigint();
    const labels = { method: labelOf(request), status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = fromFastifyError(error);
    if (appError.code === 'INTERNAL') core.logger.error({ err: error, correlationId: request.id }, 'http request failed');
    return sendError(reply, appError.toShape(request.id));
  });

  for (const [name, def] of Object.entries(methods) as [MethodName, (typeof methods)[MethodName]][]) {
    app.route({
      method: def.http.method,
      url: API_PREFIX + def.http.path,
      config: { contractMethod: name },
      handler: async (request, reply) => {
        const input = inputFromHttp(
          def,
          request.params as Record<string, string>,
          request.query as Record<string, unknown>,
          request.body,
        );
        const result = await router.call(LOCAL_OWNER, name, input, {
          origin: `http:${request.ip}`,
          correlationId: request.id,
        });
        return result.ok ? reply.send(result.value) : sendError(reply, result.error);
      },
    });
  }

  const openApi = buildOpenApi(packageInfo.version);
  app.get(`${API_PREFIX}/openapi.json`, async () => openApi);
  app.get(`${API_PREFIX}/events`, (request, reply) => {
    const query = request.query as { events?: unknown };
    openEventStream(request, reply, core.events, streams, typeof query.events === 'string' ? query.events : undefined);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const ready = !closing && core.database.sqlite.open;
    if (ready) return { status: 'ready' };
    return sendError(
      reply,
      new AppError('UNAVAILABLE', closing ? 'Guardian is shutting down.' : 'The database is not open.', {
        hint: 'Wait for Guardian to start, or check its log.',
      }).toShape(request.id),
    );
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const uiDir = options.uiDir;
  if (uiDir) {
    if (!existsSync(join(uiDir, 'index.html'))) {
      throw new AppError('UNAVAILABLE', `The UI has not been built (no ${join(uiDir, 'index.html')}).`, {
        hint: 'Run "npm run build" first, then start again with --ui.',
      });
    }
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
      new AppError('NOT_FOUND', `There is no route ${request.method} ${request.url.split('?')[0]}.`, {
        hint: `See ${API_PREFIX}/openapi.json for the routes Guardian offers.`,
      }).toShape(request.id),
    );
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${hostPart}:${port}/`,
    app,
    async close() {
      closing = true;
      for (const stream of streams) stream.end();
      await app.close();
    },
  };
}
