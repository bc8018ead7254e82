import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@shared/api/errors';
import { createCore } from '@core/app';
import type { DatabaseUrlSource } from '@core/db/database-url';
import { configuredKeyFile } from '@core/vault/keyfile';
import type { LogLevel } from '@core/logging/logger';
import { dataPaths, rendererDir } from '@core/paths';
import { startHttpServer } from './http/server';
import { SETUP_TOKEN_HEADER } from '@shared/api/http';
import { discardSetupToken, issueSetupToken } from './http/setup-token';
import { leanHeap } from './heap';
import { createServiceLogger } from './logging';
import { isLoopbackAddress } from './net';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  ui: boolean;
  logLevel: LogLevel;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  allowInsecureHttp?: boolean | undefined;
  vaultKeyFile?: string | undefined;
  trustProxy?: string[] | undefined;
  /** Host names clients use besides loopback and --host (a DNS name, the proxy's name). */
  publicName?: string[] | undefined;
  /** sqlite:<path> or a postgres:// URL; the data folder's SQLite file when left out. */
  database?: string | undefined;
  /** Where `database` came from: a password is refused in a flag, which every local user can read in `ps`, and in the config file. */
  databaseSource?: DatabaseUrlSource | undefined;
  /** The configuration file the settings were read from (serve-config.ts), null when there was none. */
  configFile?: string | null | undefined;
  /** Where each setting came from (flag, environment, config file, default), for the start-up log: never the values. */
  sources?: Partial<Record<string, string>> | undefined;
}

/**
 * The vault key file: the flag, then GUARDIAN_VAULT_KEY_FILE, then systemd's credential
 * (`LoadCredential=vault-key:…` puts it in $CREDENTIALS_DIRECTORY/vault-key).
 */
export function vaultKeyFileFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag) return flag;
  if (env.GUARDIAN_VAULT_KEY_FILE) return env.GUARDIAN_VAULT_KEY_FILE;
  const credentials = env.CREDENTIALS_DIRECTORY;
  if (credentials && existsSync(join(credentials, 'vault-key'))) return join(credentials, 'vault-key');
  return undefined;
}

function readTls(options: ServeOptions): { cert: Buffer; key: Buffer } | null {
  if (!options.tlsCert && !options.tlsKey) return null;
  if (!options.tlsCert || !options.tlsKey) {
    throw new AppError('VALIDATION_FAILED', 'TLS needs both --tls-cert and --tls-key.', {
      hint: 'Give the PEM certificate (chain) and its private key.',
      retryable: false,
    });
  }
  try {
    return { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', `The TLS files cannot be read (${(cause as Error).message}).`, {
      hint: 'Check the paths and that Guardian may read them.',
      retryable: false,
    });
  }
}

/**
 * How to create the first owner, for the person at the terminal. Written to standard error
 * directly, never to the log: the token is a credential until it is used.
 */
function setupNotice(url: string, token: string, file: string, ui: boolean): string {
  const lines = [
    'guardian: no owner account yet. Create it with the one-time setup token:',
    ui ? `  open ${url}#setup=${token}` : `  POST ${url}api/v1/auth/setup with the header "${SETUP_TOKEN_HEADER}: ${token}"`,
    `  (the token is also in ${file}, readable only by this user),`,
    '  or on this machine: guardian user add --role owner --username NAME --password-stdin',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `guardian serve`: the core behind HTTP. Prints the URL as the first line of standard output,
 * and on SIGTERM or SIGINT finishes requests in flight, stops jobs at a safe point, closes the
 * database and exits 0.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const tls = readTls(options);
  const remote = !isLoopbackAddress(options.host);
  if (remote && !tls && !options.allowInsecureHttp) {
    throw new AppError('PERMISSION_DENIED', `Refusing to listen on ${options.host} without TLS: passwords and sessions would cross the network in clear.`, {
      hint: 'Give --tls-cert and --tls-key, or put Guardian behind a TLS proxy and pass --allow-insecure-http.',
      retryable: false,
    });
  }
  const paths = dataPaths(options.dataDir);
  const logger = await createServiceLogger(options.logLevel, paths);
  if (options.sources) logger.info({ configFile: options.configFile ?? null, sources: options.sources }, 'settings read');
  const heapGrowthPercent = leanHeap();
  logger.info(
    { heapGrowthPercent },
    heapGrowthPercent === null ? 'the heap grows as node was told (--heap-growing-percent)' : 'the heap grows at most this far past what is live',
  );
  if (remote && !tls) {
    logger.warn(
      { host: options.host },
      'serving plain HTTP on a non-loopback address (--allow-insecure-http): passwords and session cookies cross the network unencrypted',
    );
  }
  // The only way a key file reaches the vault: named by whoever starts the service, never by a caller.
  const keyFile = vaultKeyFileFrom(options.vaultKeyFile, process.env);
  const core = await createCore({
    dataDir: options.dataDir,
    logger,
    mode: 'headless',
    database: { url: options.database, source: options.databaseSource ?? 'flag' },
    // With its key file on disk, a service's vault never locks itself: locking would protect nothing
    // (the file unlocks it again) and would stop signed alerts and credentialed checks when idle.
    ...(keyFile ? { vaultKeyFile: configuredKeyFile(keyFile), vaultAutoLockMs: null } : {}),
  });
  let server;
  let setupToken: string | null = null;
  try {
    if (!keyFile) logger.warn('vault locked: no key file given (--vault-key-file, GUARDIAN_VAULT_KEY_FILE or $CREDENTIALS_DIRECTORY/vault-key)');
    else if (!(await core.vault.status()).initialized) {
      await core.vault.init({ kind: 'keyfile' });
      logger.info({ keyFile }, 'vault created, protected by the key file');
    } else {
      await core.vault.unlock({ kind: 'keyfile' });
      logger.info({ keyFile }, 'vault unlocked with the key file');
    }
    const setup = (await core.accounts.count()) === 0 ? issueSetupToken(paths.setupToken) : null;
    if (!setup) discardSetupToken(paths.setupToken);
    server = await startHttpServer({
      core,
      host: options.host,
      port: options.port,
      uiDir: options.ui ? rendererDir : null,
      tls,
      trustProxy: options.trustProxy,
      publicNames: options.publicName,
      setupGate: setup?.gate,
    });
    setupToken = setup?.token ?? null;
    core.health.start();
    core.operations.startRetention();
    core.schedules.start();
    core.alerts.start();
  } catch (error) {
    await core.close();
    throw error;
  }

  // The handlers go in before the URL is printed: a script that reads the URL and sends SIGTERM
  // at once must get a clean stop, not the default action (killed by the signal).
  const stopped = new Promise<void>((resolve) => {
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
  process.stdout.write(`${server.url}\n`);
  if (setupToken) process.stderr.write(setupNotice(server.url, setupToken, paths.setupToken, options.ui));
  logger.info({ url: server.url, dataDir: paths.root, ui: options.ui }, 'guardian serve listening');
  await stopped;
}
