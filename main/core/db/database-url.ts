import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { parse } from 'pg-connection-string';
import pgpass from 'pgpass';
import type { PoolConfig } from 'pg';
import { AppError } from '@shared/api/errors';
import { dataPaths } from '../paths';

/**
 * Which database a Guardian uses (docs/architecture.md §4), from `--database` or GUARDIAN_DATABASE_URL:
 *
 * - `sqlite:<path>`: the embedded engine, one file; nothing given means `<data dir>/guardian.db`, as the
 *   desktop app always uses.
 * - `postgres://user@host:port/db?sslmode=verify-full&sslrootcert=…`: PostgreSQL. `sslmode` follows
 *   libpq: disable, prefer or require (encrypted, the server not verified), verify-ca, verify-full.
 *
 * The password never comes from a flag, which any local user can read in `ps`: it comes from a URL set
 * in the environment, from systemd's `$CREDENTIALS_DIRECTORY/database-password`, or
 * from the pgpass file (`PGPASSFILE`, else `~/.pgpass`; libpq's format and its 0600 rule).
 */

/**
 * Where the URL came from. A password is accepted only from the environment: a flag shows in `ps`,
 * and `guardian serve`'s configuration file is copied, backed up and shown to whoever may read it,
 * so a password in either is refused whatever the file's mode.
 */
export type DatabaseUrlSource = 'flag' | 'environment' | 'config file';

/** How the connection to PostgreSQL is protected: what `sslmode` asked for. */
export type DatabaseTls = 'off' | 'encrypted, server not verified' | 'verified certificate authority' | 'verified certificate and host name';

export type DatabaseChoice =
  | { engine: 'sqlite'; file: string; /** What to call it in logs and messages. */ display: string }
  | { engine: 'postgres'; display: string; tls: DatabaseTls; pool: PoolConfig };

export interface DatabaseUrlContext {
  dataDir: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  source: DatabaseUrlSource;
}

const SQLITE = 'sqlite:';
const POSTGRES = /^postgres(ql)?:\/\//i;
const SSL_MODES = new Map<string, DatabaseTls>([
  ['disable', 'off'],
  ['prefer', 'encrypted, server not verified'],
  ['require', 'encrypted, server not verified'],
  ['verify-ca', 'verified certificate authority'],
  ['verify-full', 'verified certificate and host name'],
]);

function invalid(message: string, hint: string, cause?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { hint, retryable: false, issues: [{ path: ['database'], message }], cause });
}

export function parseDatabaseUrl(value: string | undefined, context: DatabaseUrlContext): DatabaseChoice {
  const text = value?.trim() ?? '';
  if (text === '' || text.toLowerCase().startsWith(SQLITE)) {
    const rest = text.slice(SQLITE.length).replace(/^\/\/(?=\/)/, '');
    const file = rest === '' ? dataPaths(context.dataDir).database : isAbsolute(rest) ? rest : resolve(context.cwd, rest);
    return { engine: 'sqlite', file, display: `sqlite:${file}` };
  }
  if (!POSTGRES.test(text)) {
    throw invalid(
      'The database must be sqlite:<path> or a postgres:// URL.',
      'Leave it out for the embedded database in the data folder, or give postgres://user@host:5432/guardian?sslmode=verify-full.',
    );
  }
  return postgresChoice(text, context);
}

function postgresChoice(text: string, context: DatabaseUrlContext): DatabaseChoice {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(text, { useLibpqCompat: true });
  } catch (cause) {
    // Its message may quote the URL, password and all: name only what kind of problem it is.
    const fileProblem = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' && cause.code.startsWith('E');
    throw invalid(
      fileProblem ? 'A certificate file the database URL names (sslrootcert, sslcert or sslkey) cannot be read.' : 'The PostgreSQL URL cannot be read.',
      fileProblem
        ? 'Check the path and that Guardian’s user may read it.'
        : 'Write it as postgres://user@host:5432/database?sslmode=verify-full&sslrootcert=/path/to/ca.pem (verify-ca needs sslrootcert).',
      cause,
    );
  }
  const host = options.host ?? '';
  const port = options.port ? Number(options.port) : 5432;
  const database = options.database ?? options.user ?? '';
  const user = options.user ?? '';
  if (!host || !user || !database || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(
      'The PostgreSQL URL must name a user, a host and a database.',
      'For example postgres://guardian@db.example.net:5432/guardian?sslmode=verify-full.',
    );
  }
  const sslMode = typeof options.sslmode === 'string' ? options.sslmode : 'disable';
  const tls = SSL_MODES.get(sslMode);
  if (!tls)
    throw invalid(
      `sslmode "${sslMode}" is not one PostgreSQL knows.`,
      'Use disable, require, verify-ca or verify-full (verify-full is the one that proves who the server is).',
    );

  const display = `postgres://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`;
  if (options.password && context.source === 'flag') {
    throw invalid(
      'A password in --database would show to every local user in the process list.',
      'Give the URL in GUARDIAN_DATABASE_URL instead, or keep the password in $CREDENTIALS_DIRECTORY/database-password or a pgpass file (PGPASSFILE).',
    );
  }
  if (options.password && context.source === 'config file') {
    throw invalid(
      'The database URL in the configuration file holds a password, and Guardian refuses one there whatever the file’s mode.',
      'Remove it from the URL and keep it in $CREDENTIALS_DIRECTORY/database-password (systemd: LoadCredential=database-password:/etc/guardian/db-password) or a pgpass file (PGPASSFILE, mode 0600).',
    );
  }
  const pool: PoolConfig = {
    host,
    port,
    user,
    database,
    password: options.password || passwordFor({ host, port: String(port), database, user }, context.env),
    ssl: tls === 'off' ? false : tlsOptions(options.ssl),
    application_name: 'guardian',
  };
  return { engine: 'postgres', display, tls, pool };
}

/** node-postgres's TLS options from what the URL said (sslrootcert read into `ca`; verify-ca skips the host name check). */
function tlsOptions(ssl: ReturnType<typeof parse>['ssl']): ConnectionOptions | true {
  if (typeof ssl !== 'object') return true;
  const { cert, ...rest } = ssl;
  return cert ? { ...rest, cert } : rest;
}

/** The password for a connection without one in its URL: systemd's credential, else the pgpass file's line for it. */
function passwordFor(connection: { host: string; port: string; database: string; user: string }, env: NodeJS.ProcessEnv): () => Promise<string> {
  return async () => {
    const credentials = env.CREDENTIALS_DIRECTORY;
    const file = credentials ? join(credentials, 'database-password') : '';
    if (file && existsSync(file)) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    const found = await new Promise<string | undefined>((done) => pgpass(connection, done));
    return found ?? '';
  };
}
