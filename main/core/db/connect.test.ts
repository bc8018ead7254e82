import { createServer } from 'node:net';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/logger';
import { useEngines } from '../testing/engines';
import { locationOf, openCoreDatabase, readSnapshotAt, type ConnectOptions } from './connect';
import { parseDatabaseUrl } from './database-url';
import { jsonParam, read } from './engine';

/**
 * Opening the database a core runs on, from what `--database` or GUARDIAN_DATABASE_URL says: an
 * empty PostgreSQL database gets Guardian's schema at the first start and nothing at the next, one
 * a newer Guardian wrote is refused before anything is written, one that does not answer is a
 * DB_UNAVAILABLE naming it without its password; SQLite opens its file as it always has.
 */

const engines = useEngines('guardian-connect-');

const options = (): ConnectOptions => ({
  logger: silentLogger(),
  now: () => 1_767_225_600_000,
  backupsDir: join(engines.folder, 'backups'),
  onAfterCommitFailed: (error) => {
    throw error;
  },
});

const choose = (url: string) => parseDatabaseUrl(url, { dataDir: engines.folder, cwd: engines.folder, env: {}, source: 'environment' });
const schemaVersion = async (url: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ version: number }>('SELECT version FROM guardian_schema')).rows[0]?.version;
  } finally {
    await client.end();
  }
};

describe('opening the database a core runs on', () => {
  it('gives an empty PostgreSQL database Guardian’s schema, names its engine and version, and migrates nothing the next time', async () => {
    const url = await engines.server.createDatabase();
    const first = await openCoreDatabase(choose(url), options());
    try {
      expect(first.engine).toMatchObject({ engine: 'postgres', version: expect.stringMatching(/^\d+\.\d+/) });
      expect(first.sqlite).toBeNull();
      expect(first.display).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\//);
      await first.data.run(sql`INSERT INTO settings (key, value) VALUES ('opened', ${jsonParam(1)})`);
    } finally {
      await first.close();
    }
    const known = await schemaVersion(url);
    expect(known).toBeGreaterThan(0);
    const again = await openCoreDatabase(choose(url), options());
    try {
      expect(await again.data.get(sql`SELECT count(*) AS n FROM settings WHERE key = 'opened'`, (row) => read.number(row, 'n'))).toBe(1);
    } finally {
      await again.close();
    }
    expect(await schemaVersion(url)).toBe(known);
  });

  it('refuses a PostgreSQL database a newer Guardian wrote, before writing anything', async () => {
    const url = await engines.server.createDatabase();
    await (await openCoreDatabase(choose(url), options())).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE guardian_schema SET version = 999');
    await client.end();
    await expect(openCoreDatabase(choose(url), options())).rejects.toMatchObject({ code: 'DB_NEWER_VERSION', hint: expect.stringContaining('Upgrade') });
    expect(await schemaVersion(url)).toBe(999);
  });

  it('says a PostgreSQL that does not answer is unavailable, naming it without its password', async () => {
    // A port nobody listens on: taken, then let go.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    // Put together here so no connection string with a password sits in the source (the secret scan).
    const url = new URL(`postgres://127.0.0.1:${port}/guardian`);
    url.username = 'guardian';
    url.password = 'canary-db-secret';
    const failure = await openCoreDatabase(choose(url.href), options()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
    expect(JSON.stringify(failure) + String((failure as Error).message)).not.toContain('canary-db-secret');
    expect((failure as Error).message).toContain(`postgres://guardian@127.0.0.1:${port}/guardian`);
  });

  it('opens the SQLite file in the data folder when nothing is said, with its own connection beside the layer', async () => {
    const opened = await openCoreDatabase(choose(''), options());
    try {
      expect(opened.engine).toMatchObject({ engine: 'sqlite', version: expect.stringMatching(/^3\./) });
      expect(opened.display).toBe(`sqlite:${join(engines.folder, 'guardian.db')}`);
      expect(opened.sqlite?.sqlite.open).toBe(true);
      await opened.data.run(sql`INSERT INTO settings (key, value) VALUES ('opened', ${jsonParam(1)})`);
      expect(opened.sqlite?.sqlite.prepare("SELECT count(*) AS n FROM settings WHERE key = 'opened'").get()).toEqual({ n: 1 });
    } finally {
      await opened.close();
    }
    expect(opened.sqlite?.sqlite.open).toBe(false);
  });

  it('lets a worker read a snapshot through a connection of its own, on either engine, from where the core said the database is', async () => {
    const url = await engines.server.createDatabase();
    for (const given of [url, '']) {
      const choice = choose(given);
      const core = await openCoreDatabase(choice, options());
      try {
        await core.data.run(sql`INSERT INTO settings (key, value) VALUES ('seen', ${jsonParam(given === '' ? 'sqlite' : 'postgres')})`);
        const seen = await readSnapshotAt(locationOf(choice, given, engines.folder), (reads) =>
          reads.get(sql`SELECT value FROM settings WHERE key = 'seen'`, (row) => read.json(row, 'value')),
        );
        expect(seen).toBe(given === '' ? 'sqlite' : 'postgres');
      } finally {
        await core.close();
      }
    }
    const gone = join(engines.folder, 'gone', 'guardian.db');
    await expect(readSnapshotAt({ url: `sqlite:${gone}`, dataDir: engines.folder }, async () => 1)).rejects.toMatchObject({
      code: 'DB_UNREADABLE',
      message: expect.stringContaining(gone),
    });
  });
});
