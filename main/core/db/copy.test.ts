import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { Server } from '@shared/api/servers';
import type { VerifyReport } from '@shared/api/audit';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { silentLogger } from '../logging/logger';
import { success, useTempCore } from '../testing/harness';
import { usePostgres } from '../testing/engines';
import { copyDatabase, type CopyProgress } from './copy';
import { parseDatabaseUrl, type DatabaseChoice } from './database-url';

/**
 * `guardian db copy` on real data (docs/storage.md): a Guardian planted through its own API on
 * SQLite goes to a real PostgreSQL and back into a new data folder, where it opens, its vault
 * unlocks with the same passphrase, its sealed secrets are byte for byte what they were and its
 * audit chain verifies. A target holding anything is refused, untouched.
 */

const PASSPHRASE = 'the vault passphrase, long enough';
const CALL = { origin: 'test' } as const;
const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));

const postgres = usePostgres();
// The Guardian planted is a SQLite file whatever engine the run's cores are on: the copy goes from it to
// PostgreSQL and back, so each run proves both engines.
const env = useTempCore({ prefix: 'guardian-copy-', scope: 'all', lazy: true, engine: 'sqlite' });

const choose = (url: string): DatabaseChoice => parseDatabaseUrl(url, { dataDir: env.dataDir, cwd: env.dataDir, env: {}, source: 'environment' });
const options = (onProgress?: (progress: CopyProgress) => void) => ({
  logger: silentLogger(),
  now: Date.now,
  backupsDir: join(env.dataDir, 'backups'),
  onProgress,
});

/**
 * Every row of a table in a SQLite file, in key order. JSON columns are parsed (toEqual ignores key order): PostgreSQL's jsonb keeps the value, not the key order (only the
 * audit log's details must keep their canonical text, and they are compared as text).
 */
function rowsOf(file: string, table: string, order: string, jsonColumns: string[] = []): Record<string, unknown>[] {
  const sqlite = new Database(file, { readonly: true });
  try {
    const rows = sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all() as Record<string, unknown>[];
    return rows.map((row) => ({ ...row, ...Object.fromEntries(jsonColumns.map((column) => [column, JSON.parse(String(row[column]))])) }));
  } finally {
    sqlite.close();
  }
}

async function plant(core: Core): Promise<void> {
  for (const [name, tags] of [
    ['web-1', ['web', 'eu']],
    ['db-ünïcode', ['db']],
    ['cache', []],
  ] as const) {
    await call<Server>(core, 'servers.create', { name, host: `${name.replace(/[^a-z0-9-]/g, '')}.example.net`, tags: [...tags], notes: `notes of ${name} ✓` });
  }
  await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
  await call(core, 'secrets.create', { name: 'root password', value: { kind: 'password', password: 'hunter2-copied' } });
  await core.accounts.create(null, {
    username: 'alice',
    displayName: 'Alice',
    password: 'a long password for alice',
    role: 'operator',
    mustChangePassword: true,
  });
  await call(core, 'monitoring.updateSettings', { rawRetentionDays: 3, maxChecksPerHost: 6 });
}

describe('guardian db copy', () => {
  it('moves a whole Guardian from SQLite to PostgreSQL and back, everything intact', async () => {
    const core = await env.start();
    await plant(core);
    const servers = (await call<{ items: Server[] }>(core, 'servers.list', {})).items;
    await env.stop();
    const sourceFile = join(env.dataDir, 'guardian.db');
    const source = choose(`sqlite:${sourceFile}`);
    const auditRows = rowsOf(sourceFile, 'audit_events', 'seq');

    const postgresUrl = await postgres.server.createDatabase();
    const progress: CopyProgress[] = [];
    // Another process writes to the source while the copy runs: the copy is of one snapshot, and verifies as one.
    const writer = new Database(sourceFile);
    const toPostgres = await copyDatabase(
      source,
      choose(postgresUrl),
      options((each) => {
        progress.push(each);
        if (each.table === 'audit_events' && each.copied === 0) {
          writer
            .prepare(
              "INSERT INTO servers (id, name, host, port, environment, tags, notes, created_at, updated_at) VALUES ('late', 'late', 'late.example.net', 22, '', '[]', '', 0, 0)",
            )
            .run();
        }
      }),
    );
    writer.prepare("DELETE FROM servers WHERE id = 'late'").run();
    writer.close();
    expect(toPostgres.audit).toMatchObject({ intact: true, events: auditRows.length });
    expect(toPostgres.tables).toContainEqual({ table: 'servers', rows: 3 });
    expect(toPostgres.tables).toContainEqual({ table: 'secrets', rows: 1 });
    expect(toPostgres.tables).toContainEqual({ table: 'audit_events', rows: auditRows.length });
    expect(progress).toContainEqual({ table: 'servers', copied: 3, total: 3 });
    // Parents before children: a check's server is there before the check.
    expect(progress.findIndex((each) => each.table === 'servers')).toBeLessThan(progress.findIndex((each) => each.table === 'checks'));

    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const alice = await client.query<{ must_change_password: boolean; disabled: boolean }>(
        "SELECT must_change_password, disabled FROM users WHERE username = 'alice'",
      );
      expect(alice.rows).toEqual([{ must_change_password: true, disabled: false }]);
      const tags = await client.query<{ tags: string[] }>("SELECT tags FROM servers WHERE name = 'web-1'");
      expect(tags.rows[0]?.tags).toEqual(['eu', 'web']);
      // The identities continue after the copied ids.
      const next = await client.query<{ seq: string }>(
        "INSERT INTO audit_checkpoints (at, last_seq, last_hash, removed, by) VALUES (0, 0, 'x', 0, 'test') RETURNING id AS seq",
      );
      expect(Number(next.rows[0]?.seq)).toBe(1);
      await client.query('DELETE FROM audit_checkpoints');
      const message = await client.query<{ id: string }>("INSERT INTO health_messages (text) VALUES ('after the copy') RETURNING id");
      const before = await client.query<{ max: string | null }>("SELECT max(id) AS max FROM health_messages WHERE text <> 'after the copy'");
      expect(Number(message.rows[0]?.id)).toBeGreaterThan(Number(before.rows[0]?.max ?? 0));
      await client.query("DELETE FROM health_messages WHERE text = 'after the copy'");
    } finally {
      await client.end();
    }

    const refused = await copyDatabase(source, choose(postgresUrl), options()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    expect((refused as AppError).message).toMatch(/^The target postgres:\/\/postgres@127\.0\.0\.1:\d+\/guardian_[0-9a-f]+ already holds data: .*servers \(3\)/);

    env.switchToNewDataDir();
    const copiedFile = join(env.dataDir, 'guardian.db');
    const back = await copyDatabase(choose(postgresUrl), choose(`sqlite:${copiedFile}`), options());
    expect(back.audit).toEqual(toPostgres.audit);
    expect(rowsOf(copiedFile, 'secrets', 'id', ['server_ids'])).toEqual(rowsOf(sourceFile, 'secrets', 'id', ['server_ids']));
    expect(rowsOf(copiedFile, 'vault_slots', 'id', ['params'])).toEqual(rowsOf(sourceFile, 'vault_slots', 'id', ['params']));
    // The audit log's details keep their canonical text, which the chain hashes.
    expect(rowsOf(copiedFile, 'audit_events', 'seq')).toEqual(auditRows);

    const again = await env.start();
    expect((await call<{ items: Server[] }>(again, 'servers.list', {})).items).toEqual(servers);
    await call(again, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } });
    expect((await call<{ items: { name: string }[] }>(again, 'secrets.list', {})).items.map((secret) => secret.name)).toEqual(['root password']);
    expect(await call(again, 'monitoring.settings', {})).toMatchObject({ rawRetentionDays: 3, maxChecksPerHost: 6 });
    const verification = await call<Job>(again, 'audit.verify', {});
    const report = (await again.jobs.waitFor(verification.id)).result as VerifyReport;
    expect(report.intact).toBe(true);
    // The search index was rebuilt: the copied events are found by their fields.
    const found = await call<{ items: { action: string }[] }>(again, 'audit.list', { action: 'secrets.create' });
    expect(found.items.map((event) => event.action)).toEqual(['secrets.create']);
  });

  it('refuses to copy a database onto itself', async () => {
    const same = choose(`sqlite:${join(env.dataDir, 'guardian.db')}`);
    await expect(copyDatabase(same, same, options())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
