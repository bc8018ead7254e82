import { AppError } from '@shared/api/errors';
import type { DatabaseEngine } from '@shared/api/system';
import type { Logger } from '../logging/logger';
import { postgresMigrationsDir } from '../paths';
import type { DatabaseChoice } from './database-url';
import type { AsyncDatabase } from './engine';
import { openDatabase, type OpenedDatabase } from './open';
import { postgresEngine } from './postgres/engine';
import { migratePostgres } from './postgres/migrate';
import { databaseUnavailable, openPostgresPool } from './postgres/pool';
import { sqliteEngine, type SqliteEngineOptions } from './sqlite-engine';

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

export async function openCoreDatabase(choice: DatabaseChoice, options: ConnectOptions): Promise<CoreDatabase> {
  const { logger } = options;
  if (choice.engine === 'sqlite') {
    const opened = openDatabase({ file: choice.file, backupsDir: options.backupsDir, logger, now: options.now });
    const data = sqliteEngine(opened.sqlite, choice.file, { onStrayWrite: options.onStrayWrite, onAfterCommitFailed: options.onAfterCommitFailed });
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
