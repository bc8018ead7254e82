import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AppError } from '@shared/api/errors';
import type { Logger } from '../../logging/logger';

/**
 * The connection pool to PostgreSQL (docs/architecture.md §4): node-postgres with bounded waits (a
 * connection in 10 s, a statement in 30 s), TCP keep-alive, 64-bit integers read as numbers
 * (every bigint Guardian stores, epoch milliseconds and sequence numbers, is below 2^53) and JSON
 * left as text, as SQLite gives it, for the stores' mappers to parse the same way on both. A
 * connection that breaks, idle or in use, is logged, never fatal: the pool opens another when asked.
 */

const { INT8, JSON: JSON_TYPE, JSONB } = pg.types.builtins;
const asText = (value: string) => value;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? Number : oid === JSON_TYPE || oid === JSONB ? asText : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PostgresPoolOptions {
  /** Connections at most (10). */
  max?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export function openPostgresPool(config: pg.PoolConfig, logger: Logger, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    ...config,
    // Named apart from every other process's connections: how a change it made itself is told from
    // another's (change-feed.ts), and which process is which in pg_stat_activity.
    application_name: `${config.application_name ?? 'guardian'} ${process.pid}.${randomBytes(3).toString('hex')}`,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    keepAlive: true,
    types: TYPES,
  });
  pool.on('error', (error) => logger.warn({ reason: reasonOf(error) }, 'a database connection broke while idle; the next query opens another'));
  // The pool listens to a connection only while it is idle. One taken out for a transaction that
  // breaks between its statements (the server restarting while the caller awaits something else)
  // would raise an 'error' nobody hears, which ends the process: heard here, it is logged, and the
  // transaction's next statement fails DB_UNAVAILABLE (its connection is not given out again).
  const whileInUse = (error: Error) =>
    logger.warn({ reason: reasonOf(error) }, 'a database connection broke while in use; what runs on it fails and the next query opens another');
  pool.on('acquire', (client) => client.on('error', whileInUse));
  pool.on('release', (_error, client) => client.removeListener('error', whileInUse));
  return pool;
}

const codeOf = (error: unknown) => (typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '');
/** node-postgres's own words when the socket under a query or an idle connection closes. */
const CONNECTION_CLOSED = /Connection terminated|not queryable|terminating connection/i;

/**
 * Whether `error` is about reaching the database (a socket error, the server shutting down, no
 * connection in time) rather than about a statement: only those become DB_UNAVAILABLE.
 */
export function isConnectionFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : '';
  return /^(E[A-Z]+|57P0\d|08\d{3})$/.test(codeOf(error)) || CONNECTION_CLOSED.test(message) || /timeout exceeded when trying to connect/i.test(message);
}

/** What went wrong reaching the database, in words, never quoting the URL (it may hold the password). */
function reasonOf(error: unknown): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'ECONNRESET':
    case '57P01':
    case '57P02':
    case '57P03':
      return 'the server closed the connection (shutting down or restarting)';
    case '28P01':
    case '28000':
      return 'the server refused the user name or password';
    case '3D000':
      return 'the database does not exist';
    default:
      if (/timeout/i.test(message)) return 'the connection timed out';
      if (CONNECTION_CLOSED.test(message)) return 'the server closed the connection (shutting down or restarting)';
      if (/password|SASL|SCRAM/i.test(message)) return 'the server asked for a password Guardian was not given';
      if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) return `TLS failed: ${message.replace(/postgres(ql)?:\/\/\S+/gi, '')}`;
      return code || 'an unexpected error';
  }
}

const CREDENTIALS = /user name or password|asked for a password|does not exist|TLS failed/;

/** The error a caller gets when the database cannot be used: retryable when it is down, not when Guardian's credentials or TLS are wrong. */
export function databaseUnavailable(error: unknown, display: string): AppError {
  if (error instanceof AppError) return error;
  const reason = reasonOf(error);
  const permanent = CREDENTIALS.test(reason);
  return new AppError('DB_UNAVAILABLE', `The database ${display} cannot be used: ${reason}.`, {
    hint: permanent
      ? 'Check the user, the password (URL, $CREDENTIALS_DIRECTORY/database-password or PGPASSFILE), the database name and sslrootcert.'
      : 'Check that PostgreSQL is running and reachable from here; try again once it is.',
    retryable: !permanent,
    cause: error,
  });
}
