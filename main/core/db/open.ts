import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { AppError } from '@shared/api/errors';
import type { DatabaseEngine } from '@shared/api/system';
import { createPrivateFile, makePrivateDir, tightenFile } from '../file-modes';
import type { Logger } from '../logging/logger';
import { migrationsDir as defaultMigrationsDir } from '../paths';
export interface OpenedDatabase {
  sqlite: Database.Database;
  /** The engine and its version, for /system/info, /readyz and /metrics. */
  engine: DatabaseEngine;
  /** Where the pre-migration copy went, when a migration ran on an existing file. */
  backupFile: string | null;
  close(): void;
}

export interface OpenOptions {
  file: string;
  backupsDir: string;
  logger: Logger;
  now: () => number;
  migrationsDir?: string;
}

function unreadable(file: string, cause: unknown): AppError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new AppError('DB_UNREADABLE', `The database file ${file} cannot be read (${detail}).`, {
    hint: `Restore a copy from the backups folder next to it, or move the file aside to start with an empty database.`,
    retryable: false,
    cause,
  });
}

/**
 * Opens the database, refusing one written by a newer Guardian, and applies pending migrations
 * inside one transaction after copying the previous file to the backups folder.
 * The schema version is SQLite's user_version: the number of migrations applied.
 */
export function openDatabase(options: OpenOptions): OpenedDatabase {
  const { file, logger } = options;
  const migrations = readMigrationFiles({ migrationsFolder: options.migrationsDir ?? defaultMigrationsDir });
  const existed = existsSync(file);

  let sqlite: Database.Database;
  let applied: number;
  try {
    // Made 0600 before SQLite sees it: SQLite gives its -wal and -shm files the database's mode.
    if (existed) tightenFile(file);
    else createPrivateFile(file);
    sqlite = new Database(file, { fileMustExist: false });
  } catch (cause) {
    throw unreadable(file, cause);
  }
  try {
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // Touch the schema so a file that is not a database (or is damaged at its start) fails here.
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
    applied = sqlite.pragma('user_version', { simple: true }) as number;
  } catch (cause) {
    sqlite.close();
    throw unreadable(file, cause);
  }

  if (applied > migrations.length) {
    sqlite.close();
    throw new AppError(
      'DB_NEWER_VERSION',
      `The database ${file} was written by a newer Guardian (schema ${applied}, this version knows ${migrations.length}).`,
      { hint: 'Upgrade Guardian, or point it at another data folder with --data-dir.', retryable: false },
    );
  }

  // Only now, once the file is known to be ours: switching to WAL rewrites the file header.
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    // Left by an earlier Guardian with the modes of its day.
    tightenFile(`${file}-wal`);
    tightenFile(`${file}-shm`);
  } catch (cause) {
    sqlite.close();
    throw unreadable(file, cause);
  }

  let backupFile: string | null = null;
  const pending = migrations.slice(applied);
  if (pending.length > 0) {
    if (existed && applied > 0) {
      makePrivateDir(options.backupsDir);
      backupFile = join(options.backupsDir, `guardian-schema${applied}-${options.now()}.db`);
      // VACUUM INTO fills an empty file as it is, mode included.
      createPrivateFile(backupFile);
      sqlite.prepare('VACUUM INTO ?').run(backupFile);
      logger.info({ backupFile, from: applied, to: migrations.length }, 'database backed up before migration');
    }
    const migrate = sqlite.transaction(() => {
      // Another process opening the same new file (two CLI commands at once, or one beside
      // `serve`) may have migrated it between the read above and this write lock.
      const done = sqlite.pragma('user_version', { simple: true }) as number;
      if (done >= migrations.length) return;
      for (const migration of migrations.slice(done)) {
        for (const statement of migration.sql) {
          if (statement.trim()) sqlite.exec(statement);
        }
      }
      sqlite.pragma(`user_version = ${migrations.length}`);
    });
    try {
      migrate.immediate();
    } catch (cause) {
      sqlite.close();
      throw new AppError('DB_UNREADABLE', `Migrating the database ${file} failed; it was left as it was.`, {
        hint: backupFile ? `A copy from before the attempt is at ${backupFile}.` : 'Report this with the log file.',
        retryable: false,
        cause,
      });
    }
    logger.info({ file, from: applied, to: migrations.length }, 'database migrated');
  }

  const { version } = sqlite.prepare('SELECT sqlite_version() AS version').get() as { version: string };
  return {
    sqlite,
    engine: { engine: 'sqlite', version },
    backupFile,
    close() {
      if (!sqlite.open) return;
      try {
        sqlite.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        sqlite.close();
      }
    },
  };
}
