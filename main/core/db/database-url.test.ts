import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { makeTestCerts, type TestCerts } from '../health/checks/testing/certs';
import { TestPostgres } from '../testing/postgres';
import { parseDatabaseUrl, type DatabaseChoice, type DatabaseUrlContext } from './database-url';

/**
 * Choosing the database (docs/architecture.md §4): sqlite:<path> or a postgres:// URL, the password
 * never from a flag, from systemd's credential or a pgpass file otherwise, and TLS as sslmode says,
 * proven against a real PostgreSQL that asks for a password and speaks TLS.
 */

const PASSWORD = 'canary-db-password-7f3a91';
let server: TestPostgres;
let certs: TestCerts;
let dir: string;

beforeAll(async () => {
  certs = makeTestCerts();
  // A server of this file's own, not the run's shared one (main/core/testing/engines.ts): it asks
  // for a password and speaks TLS with this file's certificates.
  server = await TestPostgres.start({ password: PASSWORD, tls: certs.valid });
  dir = mkdtempSync(join(tmpdir(), 'guardian-db-url-'));
  writeFileSync(join(dir, 'ca.pem'), certs.valid.cert);
  writeFileSync(join(dir, 'other-ca.pem'), certs.other.cert);
});

afterAll(() => {
  server?.destroy();
  certs?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const context = (overrides: Partial<DatabaseUrlContext> = {}): DatabaseUrlContext => ({
  dataDir: '/var/lib/guardian',
  cwd: '/home/admin',
  env: {},
  source: 'environment',
  ...overrides,
});

function refusal(value: string, overrides: Partial<DatabaseUrlContext> = {}): AppError {
  try {
    parseDatabaseUrl(value, context(overrides));
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${value} was accepted`);
}

function postgres(choice: DatabaseChoice) {
  if (choice.engine !== 'postgres') throw new Error(`expected PostgreSQL, got ${choice.engine}`);
  return choice;
}

/** Connects as the choice says and answers whether the session is encrypted. */
async function connect(choice: DatabaseChoice): Promise<{ ssl: boolean }> {
  const client = new pg.Client(postgres(choice).pool);
  await client.connect();
  try {
    const { rows } = await client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return { ssl: rows[0]?.ssl ?? false };
  } finally {
    await client.end();
  }
}

const url = (query = '', auth = 'postgres') => `postgres://${auth}@127.0.0.1:${server.port}/postgres${query}`;

describe('choosing SQLite', () => {
  it.each([
    [undefined, '/var/lib/guardian/guardian.db'],
    ['', '/var/lib/guardian/guardian.db'],
    ['sqlite:', '/var/lib/guardian/guardian.db'],
    ['sqlite:/srv/guardian/main.db', '/srv/guardian/main.db'],
    ['sqlite:///srv/guardian/main.db', '/srv/guardian/main.db'],
    ['sqlite:data/main.db', '/home/admin/data/main.db'],
    ['SQLITE:/srv/x.db', '/srv/x.db'],
  ])('%s is the file %s', (value, file) => {
    expect(parseDatabaseUrl(value, context())).toEqual({ engine: 'sqlite', file, display: `sqlite:${file}` });
  });
});

describe('choosing PostgreSQL', () => {
  it('refuses what is neither, saying what to write', () => {
    const error = refusal('mysql://root@db/guardian');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('The database must be sqlite:<path> or a postgres:// URL.');
    expect(error.hint).toContain('postgres://user@host:5432/guardian?sslmode=verify-full');
  });

  it('refuses a URL without a user or a host', () => {
    expect(refusal('postgres:///guardian').code).toBe('VALIDATION_FAILED');
    expect(refusal('postgres://db.example.net/guardian').message).toBe('The PostgreSQL URL must name a user, a host and a database.');
  });

  it('refuses a password in --database, which every local user could read in ps, and never repeats it', () => {
    const error = refusal(url('', `postgres:${PASSWORD}`), { source: 'flag' });
    expect(error.message).toBe('A password in --database would show to every local user in the process list.');
    expect(error.hint).toContain('GUARDIAN_DATABASE_URL');
    expect(JSON.stringify({ ...error.toShape('c'), cause: String(error.cause) })).not.toContain(PASSWORD);
  });

  it('refuses a password in the configuration file’s URL, in its user part or its query, and never repeats it', () => {
    for (const value of [url('', `postgres:${PASSWORD}`), `${url()}?password=${PASSWORD}`]) {
      const error = refusal(value, { source: 'config file' });
      expect(error.message).toMatch(/configuration file holds a password, and Guardian refuses one there whatever the file’s mode/);
      expect(error.hint).toContain('$CREDENTIALS_DIRECTORY/database-password');
      expect(error.hint).toContain('PGPASSFILE');
      expect(JSON.stringify({ ...error.toShape('c'), cause: String(error.cause) })).not.toContain(PASSWORD);
    }
  });

  it('takes the password from a URL in the environment, and names the database without it', async () => {
    const choice = parseDatabaseUrl(url('', `postgres:${PASSWORD}`), context());
    expect(choice.display).toBe(`postgres://postgres@127.0.0.1:${server.port}/postgres`);
    expect(postgres(choice).tls).toBe('off');
    expect(await connect(choice)).toEqual({ ssl: false });
  });

  it('takes the password from $CREDENTIALS_DIRECTORY/database-password (systemd LoadCredential), its newline dropped', async () => {
    const credentials = mkdtempSync(join(dir, 'credentials-'));
    writeFileSync(join(credentials, 'database-password'), `${PASSWORD}\n`, { mode: 0o600 });
    const choice = parseDatabaseUrl(url(), context({ env: { CREDENTIALS_DIRECTORY: credentials }, source: 'flag' }));
    expect(await connect(choice)).toEqual({ ssl: false });
  });

  it('takes the password from the pgpass file PGPASSFILE names', async () => {
    const file = join(dir, 'pgpass');
    writeFileSync(file, `# host:port:database:user:password\n127.0.0.1:${server.port}:*:postgres:${PASSWORD}\n`, { mode: 0o600 });
    const before = process.env.PGPASSFILE;
    process.env.PGPASSFILE = file;
    try {
      expect(await connect(parseDatabaseUrl(url(), context({ source: 'flag' })))).toEqual({ ssl: false });
    } finally {
      if (before === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = before;
    }
  });

  it('without a password from anywhere, the server refuses the connection', async () => {
    const before = process.env.PGPASSFILE;
    process.env.PGPASSFILE = join(dir, 'no-such-pgpass');
    try {
      await expect(connect(parseDatabaseUrl(url(), context({ source: 'flag' })))).rejects.toThrow(/password/);
    } finally {
      if (before === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = before;
    }
  });

  it('sslmode=verify-full with the server’s CA: an encrypted session with a server proven to be the one named', async () => {
    const choice = parseDatabaseUrl(url(`?sslmode=verify-full&sslrootcert=${join(dir, 'ca.pem')}`, `postgres:${PASSWORD}`), context());
    expect(postgres(choice).tls).toBe('verified certificate and host name');
    expect(await connect(choice)).toEqual({ ssl: true });
  });

  it('sslmode=verify-full refuses a server whose certificate another CA signed', async () => {
    const choice = parseDatabaseUrl(url(`?sslmode=verify-full&sslrootcert=${join(dir, 'other-ca.pem')}`, `postgres:${PASSWORD}`), context());
    await expect(connect(choice)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });

  it('sslmode=require encrypts without proving the server', async () => {
    const choice = parseDatabaseUrl(url('?sslmode=require', `postgres:${PASSWORD}`), context());
    expect(postgres(choice).tls).toBe('encrypted, server not verified');
    expect(await connect(choice)).toEqual({ ssl: true });
  });

  it('refuses an unknown sslmode, verify-ca without a CA, and a CA file it cannot read, without repeating the password', () => {
    expect(refusal(url('?sslmode=sometimes')).message).toBe('sslmode "sometimes" is not one PostgreSQL knows.');
    expect(refusal(url('?sslmode=verify-ca')).hint).toContain('verify-ca needs sslrootcert');
    const unreadable = refusal(url(`?sslmode=verify-full&sslrootcert=${join(dir, 'missing.pem')}`, `postgres:${PASSWORD}`));
    expect(unreadable.message).toBe('A certificate file the database URL names (sslrootcert, sslcert or sslkey) cannot be read.');
    expect(JSON.stringify(unreadable.toShape('c'))).not.toContain(PASSWORD);
  });
});
