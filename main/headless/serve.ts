import { isIP } from 'node:net';
import { AppError } from '../../shared/api/errors';
import { createCore } from '../core/app';
import type { LogLevel } from '../core/logging/logger';
import { dataPaths, rendererDir } from '../core/paths';
import { startHttpServer } from './http/server';
import { createServiceLogger } from './logging';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  ui: boolean;
  logLevel: LogLevel;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * `guardian serve`: the core behind HTTP. Prints the URL as the first line of standard output,
 * and on SIGTERM or SIGINT finishes requests in flight, stops jobs at a safe point, closes the
 * database and exits 0.
 */
export async function serve(options: ServeOptions): Promise<void> {
  if (!isLoopback(options.host)) {
    throw new AppError('PERMISSION_DENIED', `Refusing to listen on ${options.host}: it is not a loopback address.`, {
      hint: 'Guardian has no accounts yet, so anyone who can reach it could use it. Use --host 127.0.0.1 (the default) and an SSH tunnel or a reverse proxy you trust.',
      retryable: false,
    });
  }
  const paths = dataPaths(options.dataDir);
  const logger = await createServiceLogger(options.logLevel, paths);
  const core = createCore({ dataDir: options.dataDir, logger, mode: 'headless' });
  let server;
  try {
    server = await startHttpServer({
      core,
      host: options.host,
      port: options.port,
      uiDir: options.ui ? rendererDir : null,
    });
  } catch (error) {
    await core.close();
    throw error;
  }
  process.stdout.write(`${server.url}\n`);
  logger.info({ url: server.url, dataDir: paths.root, ui: options.ui }, 'guardian serve listening');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      void server
        .close()
        .then(() => core.close())
        .then(() => logger.info('stopped cleanly'))
        .catch((error: unknown) => logger.error({ err: error }, 'error while stopping'))
        .finally(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
