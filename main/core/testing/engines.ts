import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { AsyncDatabase, Dialect } from '../db/engine';
import { openDatabase } from '../db/open';
import { postgresEngine } from '../db/postgres/engine';
import { migratePostgres } from '../db/postgres/migrate';
import { openPostgresPool } from '../db/postgres/pool';
import { openSqliteEngine } from '../db/sqlite-engine';
import { silentLogger } from '../logging/logger';
import { postgresMigrationsDir } from '../paths';
import { SHARED_POSTGRES } from './postgres-global-setup';
import { dropDatabasesOn, postgresAt, TestPostgres, type PostgresServer } from './postgres';

/** A fresh database with Guardian's schema: the async layer on it, and another (a second process on the same database). */
export interface FreshDatabase {
  db: AsyncDatabase;
  another(): AsyncDatabase;
}

export interface Engines {
  /** The PostgreSQL server the file's databases are on: the run's, shared with other files, unless the file asked for its own. */
  readonly server: PostgresServer;
  /** The file's temp folder (removed after its tests), for other files a test writes. */
  readonly folder: string;
  /** `connections`: at most this many pooled connections on PostgreSQL (the pool's default otherwise). */
  fresh(engine: Dialect, options?: { connections?: number }): Promise<FreshDatabase>;
}

/** {@link Engines} on a server the file started for itself, which it may stop and restart. */
export interface OwnServerEngines extends Engines {
  readonly server: TestPostgres;
}

export interface PostgresOptions {
  /**
   * A PostgreSQL server of the file's own instead of the run's: only for a file that stops, kills
   * or restarts the server, which on the shared one would cut off every other file's databases.
   * It costs an initdb and a start (a second or two of CPU) per file.
   */
  ownServer?: boolean;
}

/** The run's PostgreSQL server (./postgres-global-setup.ts), started at the first ask; null under a config without that globalSetup. */
export async function sharedPostgres(): Promise<PostgresServer | null> {
  const socket = inject(SHARED_POSTGRES);
  if (!socket) return null;
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const asking = request({ socketPath: socket, path: '/', method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    asking.on('error', reject);
    asking.end();
  });
  if (answer.status !== 200) throw new Error(`the run's PostgreSQL server did not start: ${answer.body}`);
  return postgresAt((JSON.parse(answer.body) as { port: number }).port);
}

/**
 * The name of a database on `server` migrated to the schema of the migrations on disk, made once
 * per server and set of migrations, for CREATE DATABASE to copy: copying it costs a fraction of
 * running every migration again for each fresh database. Workers sharing a server take turns
 * through an advisory lock; the one finding none builds it and marks it a template when done (a
 * half-built one, left by a worker that died, is dropped and built again).
 */
export async function migratedTemplate(server: PostgresServer): Promise<string> {
  const migrations = createHash('sha256');
  for (const file of readdirSync(postgresMigrationsDir, { recursive: true, encoding: 'utf8' }).sort()) {
    if (/\.(sql|json)$/.test(file)) migrations.update(file).update(readFileSync(join(postgresMigrationsDir, file)));
  }
  const name = `guardian_migrated_${migrations.digest('hex').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    await admin.query("SELECT pg_advisory_lock(hashtext('guardian test template'))");
    const { rows } = await admin.query<{ done: boolean }>('SELECT datistemplate AS done FROM pg_database WHERE datname = $1', [name]);
    if (rows[0]?.done) return name;
    if (rows[0]) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const pool = openPostgresPool({ connectionString: server.url(name) }, silentLogger());
    try {
      await migratePostgres(pool, { migrationsDir: postgresMigrationsDir, logger: silentLogger(), name: 'test', now: () => 0 });
    } finally {
      await pool.end();
    }
    await admin.query(`ALTER DATABASE ${name} IS_TEMPLATE true`);
    return name;
  } finally {
    // Ending the session lets the lock go.
    await admin.end();
  }
}

/** The server of one file: the run's (its databases dropped at the end, connections and all) or, asked for or without a shared one, the file's own. */
function postgresForFile(options: PostgresOptions) {
  let own: TestPostgres | undefined;
  let shared: PostgresServer | undefined;
  const created: string[] = [];
  return {
    async start(): Promise<void> {
      const run = options.ownServer ? null : await sharedPostgres();
      if (!run) {
        own = await TestPostgres.start();
        return;
      }
      shared = {
        port: run.port,
        url: (database) => run.url(database),
        async createDatabase(template) {
          const url = await run.createDatabase(template);
          created.push(url);
          return url;
        },
      };
    },
    server(): PostgresServer {
      const server = own ?? shared;
      if (!server) throw new Error('the PostgreSQL server is there from beforeAll on: ask for a database inside a test or hook');
      return server;
    },
    end(): void {
      own?.destroy();
      // Not awaited: the next file need not wait for the drops, and the server goes at the end of
      // the run anyway, with whatever a worker ending mid-drop left on it.
      if (shared) void dropDatabasesOn(shared, created.splice(0)).catch(() => undefined);
    },
  };
}

/**
 * A PostgreSQL server for the tests of one file, there from beforeAll: the run's shared one, or with
 * `ownServer` one the file starts and destroys. Call it at the top level of the file.
 */
export function usePostgres(options: PostgresOptions & { ownServer: true }): { readonly server: TestPostgres };
export function usePostgres(options?: PostgresOptions): { readonly server: PostgresServer };
export function usePostgres(options: PostgresOptions = {}): { readonly server: PostgresServer } {
  const postgres = postgresForFile(options);
  beforeAll(postgres.start);
  afterAll(postgres.end);
  return {
    get server() {
      return postgres.server();
    },
  };
}

/**
 * Fresh, migrated databases on both engines for the tests of one file (docs/architecture.md §11):
 * SQLite files in a temp folder, and databases on the run's PostgreSQL server (or, with
 * `ownServer`, on one the file starts for itself: main/core/testing/postgres.ts). Every engine
 * `fresh` opens is closed after the file's tests. Call it at the top level of the file.
 */
export function useEngines(prefix: string, options: PostgresOptions & { ownServer: true }): OwnServerEngines;
export function useEngines(prefix: string, options?: PostgresOptions): Engines;
export function useEngines(prefix: string, options: PostgresOptions = {}): Engines {
  const postgres = postgresForFile(options);
  let template: Promise<string> | undefined;
  const opened: AsyncDatabase[] = [];
  const open = (db: AsyncDatabase) => {
    opened.push(db);
    return db;
  };
  let folder = '';
  beforeAll(async () => {
    await postgres.start();
    folder = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    // Closing disables each engine's AsyncLocalStorage, which would slow every later await in this
    // worker; a test that left a transaction open must not hold the file up, hence the bound.
    const closing = opened.splice(0).map((db) =>
      Promise.resolve()
        .then(() => db.close())
        .catch(() => undefined),
    );
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 2_000))]);
    postgres.end();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  return {
    get server() {
      return postgres.server();
    },
    get folder() {
      return folder;
    },
    async fresh(engine: Dialect, options: { connections?: number } = {}): Promise<FreshDatabase> {
      if (engine === 'sqlite') {
        const file = join(mkdtempSync(join(folder, 'db-')), 'guardian.db');
        openDatabase({ file, backupsDir: join(folder, 'backups'), logger: silentLogger(), now: () => 0 }).close();
        return { db: open(openSqliteEngine(file)), another: () => open(openSqliteEngine(file)) };
      }
      const server = postgres.server();
      template ??= migratedTemplate(server);
      const connectionString = await server.createDatabase(await template);
      const pool = openPostgresPool({ connectionString }, silentLogger(), options.connections ? { max: options.connections, connectTimeoutMs: 2000 } : {});
      const another = () => open(postgresEngine(openPostgresPool({ connectionString }, silentLogger()), 'postgres://test'));
      return { db: open(postgresEngine(pool, 'postgres://test')), another };
    },
  };
}
