import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { AsyncDatabase, Dialect } from '../db/engine';
import { openDatabase } from '../db/open';
import { postgresEngine } from '../db/postgres/engine';
import { migratePostgres } from '../db/postgres/migrate';
import { openPostgresPool } from '../db/postgres/pool';
import { openSqliteEngine } from '../db/sqlite-engine';
import { silentLogger } from '../logging/logger';
import { postgresMigrationsDir } from '../paths';
import { TestPostgres } from './postgres';

/** A fresh database with Guardian's schema: the async layer on it, and another (a second process on the same database). */
export interface FreshDatabase {
  db: AsyncDatabase;
  another(): AsyncDatabase;
}

export interface Engines {
  /** The PostgreSQL server this file started (to stop and restart it). */
  readonly server: TestPostgres;
  /** The file's temp folder (removed after its tests), for other files a test writes. */
  readonly folder: string;
  fresh(engine: Dialect): Promise<FreshDatabase>;
}

/**
 * Fresh, migrated databases on both engines for the tests of one file (docs/architecture.md §11):
 * SQLite files in a temp folder, and databases on a real PostgreSQL server the file starts for
 * itself (main/core/testing/postgres.ts). Call it at the top level of the file.
 */
export function useEngines(prefix: string): Engines {
  let server: TestPostgres | undefined;
  let folder = '';
  beforeAll(async () => {
    server = await TestPostgres.start();
    folder = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    server?.destroy();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  const started = (): TestPostgres => {
    if (!server) throw new Error('useEngines: the PostgreSQL server starts in beforeAll; ask for a database inside a test or hook');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get folder() {
      return folder;
    },
    async fresh(engine: Dialect): Promise<FreshDatabase> {
      if (engine === 'sqlite') {
        const file = join(mkdtempSync(join(folder, 'db-')), 'guardian.db');
        openDatabase({ file, backupsDir: join(folder, 'backups'), logger: silentLogger(), now: () => 0 }).close();
        return { db: openSqliteEngine(file), another: () => openSqliteEngine(file) };
      }
      const connectionString = await started().createDatabase();
      const pool = openPostgresPool({ connectionString }, silentLogger());
      await migratePostgres(pool, { migrationsDir: postgresMigrationsDir, logger: silentLogger(), name: 'test', now: () => 0 });
      const another = () => postgresEngine(openPostgresPool({ connectionString }, silentLogger()), 'postgres://test');
      return { db: postgresEngine(pool, 'postgres://test'), another };
    },
  };
}
