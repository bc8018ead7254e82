import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { silentLogger } from '../../logging/logger';
import { postgresMigrationsDir } from '../../paths';
import { usePostgres } from '../../testing/engines';
import * as schema from '../schema.pg';
import { migratePostgres, type MigratePostgresOptions } from './migrate';

/**
 * Migrations on a real PostgreSQL server (docs/architecture.md §4): the committed migrations build
 * exactly the tables of schema.pg.ts; they run in one transaction under an advisory lock, so a
 * failure leaves nothing behind and two nodes starting at once do not collide; and a database
 * written by a newer Guardian is refused before anything is written.
 */

const NOW = 1_767_225_600_000;
const KNOWN = (JSON.parse(readFileSync(join(postgresMigrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
const TABLES: PgTable[] = Object.values(schema).filter((value) => is(value, PgTable));

const postgres = usePostgres();
let pools: pg.Pool[] = [];

afterEach(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  pools = [];
});

async function freshPool(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await postgres.server.createDatabase(), max: 2 });
  pools.push(pool);
  return pool;
}

const options = (overrides: Partial<MigratePostgresOptions> = {}): MigratePostgresOptions => ({
  migrationsDir: postgresMigrationsDir,
  logger: silentLogger(),
  name: 'postgres://127.0.0.1/test',
  now: () => NOW,
  ...overrides,
});

async function tablesOf(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  return rows.map((row) => row.name);
}

async function versionOf(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ version: number }>('SELECT version FROM guardian_schema');
  return rows[0]?.version ?? -1;
}

/** Columns a hand-written migration adds that the drizzle schema leaves out, as this engine's alone (the audit log's search vectors, migrations-pg 0003). */
const HAND_MADE_COLUMNS: Record<string, { name: string; type: string; nullable: 'YES' | 'NO' }[]> = {
  audit_events: [
    { name: 'search_facets', type: 'tsvector', nullable: 'YES' },
    { name: 'search_words', type: 'tsvector', nullable: 'YES' },
  ],
};

describe('PostgreSQL migrations', () => {
  it('build every table of the PostgreSQL schema with its columns, types, nullability, indexes and foreign keys', async () => {
    const pool = await freshPool();
    expect(await migratePostgres(pool, options())).toEqual({ from: 0, to: KNOWN });
    expect(await versionOf(pool)).toBe(KNOWN);
    expect(await tablesOf(pool)).toEqual([...TABLES.map((table) => getTableConfig(table).name), 'guardian_schema'].sort());

    for (const table of TABLES) {
      const config = getTableConfig(table);
      const columns = await pool.query<{ name: string; type: string; nullable: 'YES' | 'NO' }>(
        'SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name',
        [config.name],
      );
      const expected = [
        ...config.columns.map((column) => ({ name: column.name, type: column.getSQLType(), nullable: column.notNull ? 'NO' : 'YES' })),
        ...(HAND_MADE_COLUMNS[config.name] ?? []),
      ].sort((a, b) => a.name.localeCompare(b.name));
      expect(columns.rows, config.name).toEqual(expected);

      const indexes = await pool.query<{ name: string }>('SELECT indexname AS name FROM pg_indexes WHERE tablename = $1', [config.name]);
      const present = new Set(indexes.rows.map((row) => row.name));
      for (const index of config.indexes) expect(present, `${config.name}: index ${index.config.name}`).toContain(index.config.name);

      const keys = await pool.query<{ count: string }>(
        "SELECT count(*) AS count FROM information_schema.table_constraints WHERE table_name = $1 AND constraint_type = 'FOREIGN KEY'",
        [config.name],
      );
      expect(Number(keys.rows[0]?.count), `${config.name}: foreign keys`).toBe(config.foreignKeys.length);
    }
  });

  it('migrating a database that is up to date changes nothing', async () => {
    const pool = await freshPool();
    await migratePostgres(pool, options());
    expect(await migratePostgres(pool, options({ now: () => NOW + 1 }))).toEqual({ from: KNOWN, to: KNOWN });
    const { rows } = await pool.query<{ migrated_at: string }>('SELECT migrated_at FROM guardian_schema');
    expect(Number(rows[0]?.migrated_at)).toBe(NOW);
  });

  it('two nodes starting at once: one migrates, the other waits on the lock and finds nothing to do', async () => {
    const url = await postgres.server.createDatabase();
    const first = new pg.Pool({ connectionString: url, max: 1 });
    const second = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(first, second);
    const results = await Promise.all([migratePostgres(first, options()), migratePostgres(second, options())]);
    expect(results.map((result) => result.from).sort()).toEqual([0, KNOWN]);
    expect(results.every((result) => result.to === KNOWN)).toBe(true);
    expect(await versionOf(first)).toBe(KNOWN);
  });

  it('refuses a database written by a newer Guardian with DB_NEWER_VERSION, before anything is written', async () => {
    const pool = await freshPool();
    await pool.query('CREATE TABLE guardian_schema (one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL, migrated_at bigint NOT NULL)');
    await pool.query('INSERT INTO guardian_schema (version, migrated_at) VALUES ($1, 1)', [KNOWN + 1]);

    const refusal = await migratePostgres(pool, options()).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('DB_NEWER_VERSION');
    expect((refusal as AppError).message).toContain(`schema ${KNOWN + 1}, this version knows ${KNOWN}`);
    expect((refusal as AppError).hint).toMatch(/Upgrade Guardian/);
    expect(await tablesOf(pool)).toEqual(['guardian_schema']);
    expect(await versionOf(pool)).toBe(KNOWN + 1);
  });

  it('a migration that fails leaves the database as it was: no table of the earlier migrations either', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'guardian-pg-migrations-'));
    try {
      cpSync(postgresMigrationsDir, folder, { recursive: true });
      const journalFile = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
      journal.entries.push({ ...journal.entries[0], idx: KNOWN, tag: '9999_broken' } as { idx: number; tag: string });
      writeFileSync(journalFile, JSON.stringify(journal));
      writeFileSync(
        join(folder, '9999_broken.sql'),
        'CREATE TABLE half_done (id integer);\n--> statement-breakpoint\nALTER TABLE no_such_table ADD COLUMN x integer;',
      );
      const pool = await freshPool();

      const failure = await migratePostgres(pool, options({ migrationsDir: folder })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AppError);
      expect((failure as AppError).code).toBe('DB_UNREADABLE');
      expect((failure as AppError).message).toBe('Migrating the database postgres://127.0.0.1/test failed; it was left as it was.');
      expect(await tablesOf(pool)).toEqual([]);

      expect(await migratePostgres(pool, options())).toEqual({ from: 0, to: KNOWN });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
