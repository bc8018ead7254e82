import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Pool } from 'pg';
import { AppError } from '@shared/api/errors';
import type { Logger } from '../../logging/logger';

/**
 * Brings a PostgreSQL database to this Guardian's schema (docs/architecture.md §4). The migrations
 * are drizzle-kit's for PostgreSQL (main/core/db/migrations-pg), applied the way SQLite's are:
 *
 * - all pending ones in one transaction: PostgreSQL's DDL is transactional, so a failure leaves
 *   the database exactly as it was;
 * - under a transaction-scoped advisory lock, so two nodes starting at once do not collide: the
 *   second waits, then finds nothing left to do;
 * - the schema version (the number of migrations applied, SQLite's user_version) kept in
 *   `guardian_schema`; a database written by a newer Guardian is refused before anything is
 *   written.
 */

/** The advisory lock every Guardian takes to migrate: one key for the whole database. */
const MIGRATION_LOCK = "hashtext('guardian.migrate')";

export interface PostgresMigrationResult {
  /** The schema version before: the number of migrations applied. */
  from: number;
  to: number;
}

export interface MigratePostgresOptions {
  migrationsDir: string;
  logger: Logger;
  /** How to name the database in messages: its URL without the password. */
  name: string;
  now: () => number;
}

export async function migratePostgres(pool: Pool, options: MigratePostgresOptions): Promise<PostgresMigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder: options.migrationsDir });
  const client = await pool.connect();
  let from = 0;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    const { rows } = await client.query<{ known: boolean }>("SELECT to_regclass('guardian_schema') IS NOT NULL AS known");
    if (rows[0]?.known) {
      const version = await client.query<{ version: number }>('SELECT version FROM guardian_schema');
      from = version.rows[0]?.version ?? 0;
    }
    if (from > migrations.length) {
      throw new AppError(
        'DB_NEWER_VERSION',
        `The database ${options.name} was written by a newer Guardian (schema ${from}, this version knows ${migrations.length}).`,
        { hint: 'Upgrade Guardian on this node, or point it at another database with --database.', retryable: false },
      );
    }
    if (from === migrations.length) {
      await client.query('COMMIT');
      return { from, to: from };
    }
    // One row, always: the CHECK keeps a second from ever appearing.
    await client.query(
      'CREATE TABLE IF NOT EXISTS guardian_schema (one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL, migrated_at bigint NOT NULL)',
    );
    for (const migration of migrations.slice(from)) {
      for (const statement of migration.sql) {
        if (statement.trim()) await client.query(statement);
      }
    }
    await client.query(
      'INSERT INTO guardian_schema (one, version, migrated_at) VALUES (true, $1, $2) ON CONFLICT (one) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at',
      [migrations.length, options.now()],
    );
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (cause instanceof AppError) throw cause;
    throw new AppError('DB_UNREADABLE', `Migrating the database ${options.name} failed; it was left as it was.`, {
      hint: 'Nothing was changed (the migration runs in one transaction). Report this with the log file.',
      retryable: false,
      cause,
    });
  } finally {
    client.release();
  }
  options.logger.info({ database: options.name, from, to: migrations.length }, 'database migrated');
  return { from, to: migrations.length };
}
