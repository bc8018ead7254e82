import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { makePrivateDir } from '../file-modes';
import type { Logger } from '../logging/logger';
import { migrationsDir, postgresMigrationsDir } from '../paths';
import type { DatabaseChoice, DatabaseTls } from './database-url';
import { openDatabase } from './open';
import { migratePostgres } from './postgres/migrate';
import { databaseUnavailable, openPostgresPool } from './postgres/pool';

/**
 * What an administrator asks of a database before pointing Guardian at it (`guardian db check`,
 * `guardian db migrate`; docs/architecture.md §4): which engine and version, how the connection is
 * protected, and whether its schema is this Guardian's, older (migrations pending), newer, or not
 * there yet.
 */

export type SchemaState = 'up to date' | 'not created' | 'migrations pending' | 'newer than this Guardian';

export interface DatabaseReport {
  engine: 'sqlite' | 'postgres';
  /** The engine's own version: SQLite's library, or the PostgreSQL server's. */
  version: string;
  database: string;
  tls: DatabaseTls | 'not applicable (a local file)';
  schema: { applied: number; known: number; state: SchemaState };
}

const knownMigrations = (engine: DatabaseChoice['engine']) =>
  readMigrationFiles({ migrationsFolder: engine === 'sqlite' ? migrationsDir : postgresMigrationsDir }).length;

function schemaState(applied: number, known: number): DatabaseReport['schema'] {
  const state: SchemaState =
    applied === 0 ? 'not created' : applied < known ? 'migrations pending' : applied > known ? 'newer than this Guardian' : 'up to date';
  return { applied, known, state };
}

export async function inspectDatabase(choice: DatabaseChoice, logger: Logger): Promise<DatabaseReport> {
  const known = knownMigrations(choice.engine);
  if (choice.engine === 'sqlite') {
    const library = new Database(':memory:');
    const version = (library.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    library.close();
    let applied = 0;
    if (existsSync(choice.file)) {
      // Read-only: looking must not create, migrate or switch the file's journal mode.
      const sqlite = new Database(choice.file, { readonly: true, fileMustExist: true });
      try {
        applied = sqlite.pragma('user_version', { simple: true }) as number;
      } finally {
        sqlite.close();
      }
    }
    return { engine: 'sqlite', version, database: choice.display, tls: 'not applicable (a local file)', schema: schemaState(applied, known) };
  }
  const pool = openPostgresPool(choice.pool, logger, { max: 1 });
  try {
    const { rows } = await pool.query<{ version: string; ssl: boolean | null; known: boolean }>(
      "SELECT current_setting('server_version') AS version, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl, to_regclass('guardian_schema') IS NOT NULL AS known",
    );
    const row = rows[0];
    let applied = 0;
    if (row?.known) applied = (await pool.query<{ version: number }>('SELECT version FROM guardian_schema')).rows[0]?.version ?? 0;
    return {
      engine: 'postgres',
      version: row?.version ?? 'unknown',
      database: choice.display,
      tls: row?.ssl ? choice.tls : 'off',
      schema: schemaState(applied, known),
    };
  } catch (error) {
    throw databaseUnavailable(error, choice.display);
  } finally {
    await pool.end();
  }
}

/** Brings the database to this Guardian's schema, as a start does: SQLite backs the file up first; PostgreSQL migrates under its advisory lock. */
export async function migrateDatabase(
  choice: DatabaseChoice,
  options: { logger: Logger; backupsDir: string; now: () => number },
): Promise<{ from: number; to: number; backupFile: string | null }> {
  if (choice.engine === 'sqlite') {
    const before = (await inspectDatabase(choice, options.logger)).schema.applied;
    makePrivateDir(dirname(choice.file));
    const opened = openDatabase({ file: choice.file, backupsDir: options.backupsDir, logger: options.logger, now: options.now });
    opened.close();
    return { from: before, to: knownMigrations('sqlite'), backupFile: opened.backupFile };
  }
  const pool = openPostgresPool(choice.pool, options.logger, { max: 1 });
  try {
    const { from, to } = await migratePostgres(pool, { migrationsDir: postgresMigrationsDir, logger: options.logger, name: choice.display, now: options.now });
    return { from, to, backupFile: null };
  } catch (error) {
    throw databaseUnavailable(error, choice.display);
  } finally {
    await pool.end();
  }
}
