import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, type TestCerts } from '@core/health/checks/testing/certs';
import { migrationsDir, postgresMigrationsDir } from '@core/paths';
import { TestPostgres } from '@core/testing/postgres';
import { DB_NOT_READY_EXIT } from './cli-db';
import { cleanUp, CLI_TEST_TIMEOUT_MS, runCli, tempDir } from './testing/guardian';
import { onDataDir } from './testing/in-process';

/**
 * `guardian db check` and `guardian db migrate`, run as an administrator runs them (the built CLI),
 * on a SQLite file and on a real PostgreSQL that asks for a password and speaks TLS.
 */

const PASSWORD = 'canary-cli-db-password-41c9';
const migrationsIn = (folder: string) => (JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
const SQLITE_KNOWN = migrationsIn(migrationsDir);
const POSTGRES_KNOWN = migrationsIn(postgresMigrationsDir);

let server: TestPostgres;
let certs: TestCerts;
let files: string;

beforeAll(async () => {
  certs = makeTestCerts();
  // A server of this file's own, not the run's shared one (main/core/testing/engines.ts): it asks
  // for a password and speaks TLS with this file's certificates, and a test stops and restarts it.
  server = await TestPostgres.start({ password: PASSWORD, tls: certs.valid });
  files = tempDir('guardian-cli-db-');
  writeFileSync(join(files, 'ca.pem'), certs.valid.cert);
});

afterAll(async () => {
  server?.destroy();
  certs?.dispose();
  await cleanUp();
});

/** A new database on the test server, and its URL with the password and verify-full TLS. */
async function freshUrl(): Promise<{ url: string; withoutPassword: string }> {
  const url = new URL(await server.createDatabase());
  url.searchParams.set('sslmode', 'verify-full');
  url.searchParams.set('sslrootcert', join(files, 'ca.pem'));
  const withoutPassword = new URL(url);
  withoutPassword.password = '';
  return { url: url.toString(), withoutPassword: withoutPassword.toString() };
}

const dbEnv = (url: string) => ({ GUARDIAN_DATABASE_URL: url });

describe.concurrent('guardian db on SQLite', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('check says the file is not created yet; migrate creates it; check then finds it up to date', async () => {
    const dataDir = join(tempDir('guardian-cli-db-sqlite-'), 'not-yet');
    const before = await runCli(['db', 'check', '--data-dir', dataDir]);
    expect(before.code).toBe(DB_NOT_READY_EXIT);
    expect(before.stdout).toMatch(/^engine {4}SQLite 3\.\d+/m);
    expect(before.stdout).toContain(`database  sqlite:${join(dataDir, 'guardian.db')}`);
    expect(before.stdout).toContain(`schema    0 of ${SQLITE_KNOWN} migrations: not created`);
    expect(before.stdout).toContain('guardian db migrate creates its tables');

    const migrated = await runCli(['db', 'migrate', '--data-dir', dataDir]);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toBe(`sqlite:${join(dataDir, 'guardian.db')}: migrated from schema 0 to ${SQLITE_KNOWN}\n`);

    const after = await runCli(['db', 'check', '--data-dir', dataDir, '--json']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ engine: 'sqlite', schema: { applied: SQLITE_KNOWN, known: SQLITE_KNOWN, state: 'up to date' } });
  });

  it('refuses what is neither SQLite nor PostgreSQL, saying what to write', async () => {
    const result = await runCli(['db', 'check', '--database', 'mysql://root@db/guardian']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: The database must be sqlite:<path> or a postgres:// URL.');
    expect(result.stderr).toContain('hint: ');
  });
});

// Each test has a database of its own on the one server; the last one stops the server, so it runs alone.
describe('guardian db on PostgreSQL', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it.concurrent('check names the server’s version, the verified TLS and an empty schema; migrate creates it; check then finds it up to date', async () => {
    const { url } = await freshUrl();
    const before = await runCli(['db', 'check'], { env: dbEnv(url) });
    expect(before.code).toBe(DB_NOT_READY_EXIT);
    expect(before.stdout).toMatch(/^engine {4}PostgreSQL 1\d\.\d+/m);
    expect(before.stdout).toContain('tls       verified certificate and host name');
    expect(before.stdout).toContain(`schema    0 of ${POSTGRES_KNOWN} migrations: not created`);

    const migrated = await runCli(['db', 'migrate'], { env: dbEnv(url) });
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(
      new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:${server.port}/guardian_[0-9a-f]+: migrated from schema 0 to ${POSTGRES_KNOWN}\\n$`),
    );
    const again = await runCli(['db', 'migrate'], { env: dbEnv(url) });
    expect(again.stdout).toContain(`already up to date (schema ${POSTGRES_KNOWN})`);

    const after = await runCli(['db', 'check', '--json'], { env: dbEnv(url) });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ engine: 'postgres', tls: 'verified certificate and host name', schema: { state: 'up to date' } });
    for (const output of [before, migrated, again, after]) expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });

  it.concurrent('refuses a password on the command line without repeating it, and takes it from systemd’s credential instead', async () => {
    const { url, withoutPassword } = await freshUrl();
    const refused = await runCli(['db', 'check', '--database', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: A password in --database would show to every local user in the process list.');
    expect(refused.stdout + refused.stderr).not.toContain(PASSWORD);

    const credentials = mkdtempSync(join(files, 'credentials-'));
    writeFileSync(join(credentials, 'database-password'), `${PASSWORD}\n`, { mode: 0o600 });
    const checked = await runCli(['db', 'check', '--database', withoutPassword], { env: { CREDENTIALS_DIRECTORY: credentials } });
    expect(checked.code).toBe(DB_NOT_READY_EXIT);
    expect(checked.stdout).toContain('migrations: not created');
  });

  it.concurrent('says a database a newer Guardian wrote is newer, and migrate refuses it without writing', async () => {
    const { url } = await freshUrl();
    expect((await runCli(['db', 'migrate'], { env: dbEnv(url) })).code).toBe(0);
    const client = new pg.Client({ connectionString: url.split('?')[0] });
    await client.connect();
    await client.query('UPDATE guardian_schema SET version = version + 1');

    const checked = await runCli(['db', 'check'], { env: dbEnv(url) });
    expect(checked.code).toBe(DB_NOT_READY_EXIT);
    expect(checked.stdout).toContain(`${POSTGRES_KNOWN + 1} of ${POSTGRES_KNOWN} migrations: newer than this Guardian`);
    const refused = await runCli(['db', 'migrate'], { env: dbEnv(url) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`was written by a newer Guardian (schema ${POSTGRES_KNOWN + 1}, this version knows ${POSTGRES_KNOWN})`);
    expect((await client.query<{ version: number }>('SELECT version FROM guardian_schema')).rows[0]?.version).toBe(POSTGRES_KNOWN + 1);
    await client.end();
  });

  it.concurrent('copy moves the data folder’s Guardian into an empty PostgreSQL, table by table, and refuses to copy onto data', async () => {
    const dataDir = tempDir('guardian-cli-db-copy-');
    // As `guardian servers add` adds them (cli.test.ts runs that command), in this process.
    await onDataDir(dataDir, async (call) => {
      for (const name of ['web-1', 'web-2']) await call('servers.create', { name, host: `${name}.example.net` });
    });
    const { url } = await freshUrl();

    const copied = await runCli(['db', 'copy', '--data-dir', dataDir], { env: dbEnv(url) });
    expect(copied.stderr).toContain('servers: 2 of 2\n');
    expect(copied.stdout).toMatch(
      new RegExp(
        `^copied \\d+ rows in \\d+ tables from sqlite:${join(dataDir, 'guardian.db')} to postgres://postgres@127\\.0\\.0\\.1:\\d+/guardian_[0-9a-f]+; every table's rows counted on the target; audit chain intact \\(\\d+ events, head [0-9a-f]{64}\\)\\n$`,
      ),
    );
    expect(copied.code).toBe(0);

    const again = await runCli(['db', 'copy', '--data-dir', dataDir], { env: dbEnv(url) });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: The target postgres:\/\/\S+ already holds data: .*servers \(2\)/m);
    expect(again.stderr).toContain('hint: A copy goes into an empty database only');
    for (const output of [copied, again]) expect(output.stdout + output.stderr).not.toContain(PASSWORD);
  });

  it('when PostgreSQL is down, says it cannot be reached and to try again, and comes back with it', async () => {
    const { url } = await freshUrl();
    server.stop('immediate');
    try {
      const down = await runCli(['db', 'check'], { env: dbEnv(url) });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/^error: The database postgres:\/\/postgres@127\.0\.0\.1:\d+\/guardian_[0-9a-f]+ cannot be used: connection refused\.$/m);
      expect(down.stderr).toContain('hint: Check that PostgreSQL is running and reachable from here; try again once it is.');
      expect(down.stdout + down.stderr).not.toContain(PASSWORD);
    } finally {
      server.restart();
    }
    expect((await runCli(['db', 'check'], { env: dbEnv(url) })).code).toBe(DB_NOT_READY_EXIT);
  });
});
