import { AppError } from '@shared/api/errors';
import type { DatabaseEngine } from '@shared/api/system';
import { silentLogger, type Logger } from '../logging/logger';
import { postgresMigrationsDir } from '../paths';
import { parseDatabaseUrl, type DatabaseChoice } from './database-url';
import type { AsyncDatabase, Queryable } from './engine';
import { openDatabase, type OpenedDatabase } from './open';
import { readSnapshot, sqliteEngine, type SqliteEngineOptions } from './sqlite-engine';

/**
 * The database a core runs on (docs/architecture.md §4, docs/storage.md), opened and brought to
 * this Guardian's schema before anything reads it: the SQLite file in the data folder (backed up
 * before a migration) or a PostgreSQL database (migrated in one transaction under an advisory lock,
 * so two nodes starting at once do not collide). Either way, one written by a newer Guardian is
 * refused before anything is written.
 */

export interface CoreDatabase {
  /** The async layer every domain reads and writes through. */
  data: AsyncDatabase;
  /** The engine and its version, for /system/info, /readyz and /metrics. */
  engine: DatabaseEngine;
  /** The database as messages and logs name it (never with a password). */
  display: string;
  /** On SQLite, the file's own connection (its checkpoint, what changed since); null on PostgreSQL. */
  sqlite: OpenedDatabase | null;
  close(): Promise<void>;
}

export interface ConnectOptions {
  logger: Logger;
  now: () => number;
  /** Where SQLite's pre-migration copies go. */
  backupsDir: string;
  /** Told about work run after a commit that threw (a cache's bug). */
  onAfterCommitFailed: (error: unknown) => void;
  /** SQLite's own: told about a write that did not wait for its turn. */
  onStrayWrite?: SqliteEngineOptions['onStrayWrite'];
  /** PostgreSQL connections at most. */
  connections?: number;
}

/**
 * The PostgreSQL side, loaded when a core first runs on it: a process on SQLite (the desktop app,
 * most CLI commands) never loads node-postgres, which was a tenth of a command's start.
 */
async function postgresParts() {
  const [pool, migrate, engine] = await Promise.all([import('./postgres/pool'), import('./postgres/migrate'), import('./postgres/engine')]);
  return { ...pool, ...migrate, ...engine };
}

export async function openCoreDatabase(choice: DatabaseChoice, options: ConnectOptions): Promise<CoreDatabase> {
  const { logger } = options;
  if (choice.engine === 'sqlite') {
    const opened = openDatabase({ file: choice.file, backupsDir: options.backupsDir, logger, now: options.now });
    const data = sqliteEngine(opened.sqlite, choice.file, {
      onStrayWrite: options.onStrayWrite,
      onAfterCommitFailed: options.onAfterCommitFailed,
      checkpoint: { onError: (err) => logger.warn({ err }, 'the write-ahead log is checkpointed by the writer again: its worker failed') },
    });
    return {
      data,
      engine: opened.engine,
      display: choice.display,
      sqlite: opened,
      async close() {
        await data.close();
        opened.close();
      },
    };
  }
  const { openPostgresPool, migratePostgres, postgresEngine, databaseUnavailable } = await postgresParts();
  const pool = openPostgresPool(choice.pool, logger, { max: options.connections ?? 10 });
  try {
    await migratePostgres(pool, { migrationsDir: postgresMigrationsDir, logger, name: choice.display, now: options.now });
    const { rows } = await pool.query<{ version: string }>("SELECT current_setting('server_version') AS version");
    const data = postgresEngine(pool, choice.display, { onAfterCommitFailed: options.onAfterCommitFailed });
    logger.info({ database: choice.display, tls: choice.tls }, 'database opened');
    return {
      data,
      engine: { engine: 'postgres', version: rows[0]?.version ?? 'unknown' },
      display: choice.display,
      sqlite: null,
      close: () => data.close(),
    };
  } catch (cause) {
    await pool.end().catch(() => undefined);
    // A newer schema or a failed migration says so; anything else is not reaching the database.
    throw cause instanceof AppError ? cause : databaseUnavailable(cause, choice.display);
  }
}

/**
 * Where a core's database is, as a worker thread is told it (a report reads on a connection of its
 * own): the URL (`sqlite:<absolute path>`, or the postgres:// URL as it was given, its password only
 * ever from the environment, systemd's credential or pgpass) and the data folder.
 */
export interface DatabaseLocation {
  url: string;
  dataDir: string;
}

/** The location of `choice`, opened from the URL `given` (the postgres:// URL as it came). */
export function locationOf(choice: DatabaseChoice, given: string | undefined, dataDir: string): DatabaseLocation {
  return { url: choice.engine === 'sqlite' ? `sqlite:${choice.file}` : (given ?? ''), dataDir };
}

/**
 * Runs `work`'s reads on one consistent snapshot of the database at `location`, through a
 * connection of its own that is closed after. A SQLite file that cannot be read is DB_UNREADABLE
 * naming it; a PostgreSQL that does not answer, DB_UNAVAILABLE.
 */
export async function readSnapshotAt<T>(location: DatabaseLocation, work: (reads: Queryable) => Promise<T>): Promise<T> {
  const choice = parseDatabaseUrl(location.url, { dataDir: location.dataDir, cwd: process.cwd(), env: process.env, source: 'environment' });
  if (choice.engine === 'sqlite') {
    let started = false;
    try {
      return await readSnapshot(choice.file, (reads) => {
        started = true;
        return work(reads);
      });
    } catch (cause) {
      if (started) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new AppError('DB_UNREADABLE', `The database file ${choice.file} cannot be read (${detail}).`, {
        hint: 'Check that the data folder is still there and readable, then try again.',
        retryable: false,
        cause,
      });
    }
  }
  const { openPostgresPool, postgresEngine } = await postgresParts();
  const data = postgresEngine(openPostgresPool(choice.pool, silentLogger(), { max: 1 }), choice.display);
  try {
    return await data.snapshot(work);
  } finally {
    await data.close();
  }
}
