import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { silentLogger } from '../logging/logger';
import { migrationsDir } from '../paths';

// Migration 0006 gives existing API keys an owner: the data of a Guardian from before it,
// migrated by the shipped migrations.

const NOW = 1_767_225_600_000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-apikey-owners-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped migrations up to (not including) 0006, as the previous Guardian shipped them. */
function migrationsBefore0006(): string {
  const folder = join(dir, 'before-0006');
  cpSync(migrationsDir, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < '0006');
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

const open = (folder?: string) =>
  openDatabase({
    file: join(dir, 'guardian.db'),
    backupsDir: join(dir, 'backups'),
    logger: silentLogger(),
    now: () => NOW,
    ...(folder ? { migrationsDir: folder } : {}),
  });

describe('migration 0006 (API key owners)', () => {
  it('gives each existing key to the person behind it, keeps CLI keys as system keys, and revokes keys whose maker is gone', () => {
    const before = open(migrationsBefore0006());
    before.sqlite
      .prepare(
        `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
         VALUES ('u-ada', 'ada', 'Ada', 'admin', 'unused', 0, 0, 0, 0, 0)`,
      )
      .run();
    const key = before.sqlite.prepare(
      `INSERT INTO api_keys (id, name, prefix, token_hash, role, created_by, created_at, revoked_at) VALUES (?, ?, 'gdn_x', ?, 'admin', ?, 0, ?)`,
    );
    const keys: [id: string, createdBy: string, revokedAt: number | null][] = [
      ['by-ada', 'user:u-ada', null],
      ['by-gone', 'user:u-gone', null],
      ['by-cli', 'system:local-owner', null],
      ['by-adas-key', 'apiKey:by-ada', null],
      ['by-adas-keys-key', 'apiKey:by-adas-key', null],
      ['by-cli-key', 'apiKey:by-cli', null],
      ['by-lost-key', 'apiKey:no-such-key', null],
      ['revoked-before', 'user:u-gone', 5],
    ];
    for (const [id, createdBy, revokedAt] of keys) key.run(id, id, `hash-${id}`, createdBy, revokedAt);
    before.close();

    const after = open();
    const rows = after.sqlite.prepare('SELECT id, owner_id, revoked_at FROM api_keys ORDER BY id').all() as {
      id: string;
      owner_id: string | null;
      revoked_at: number | null;
    }[];
    after.close();

    const state = Object.fromEntries(rows.map((row) => [row.id, { owner: row.owner_id, revoked: row.revoked_at !== null }]));
    expect(state).toEqual({
      'by-ada': { owner: 'u-ada', revoked: false },
      'by-adas-key': { owner: 'u-ada', revoked: false },
      'by-adas-keys-key': { owner: 'u-ada', revoked: false },
      'by-cli': { owner: null, revoked: false },
      'by-cli-key': { owner: null, revoked: false },
      'by-gone': { owner: null, revoked: true },
      'by-lost-key': { owner: null, revoked: true },
      'revoked-before': { owner: null, revoked: true },
    });
    expect(rows.find((row) => row.id === 'revoked-before')?.revoked_at).toBe(5);
  });

  it('deletes an account’s keys with the account', () => {
    const database = open();
    database.sqlite
      .prepare(
        `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
         VALUES ('u-ada', 'ada', 'Ada', 'admin', 'unused', 0, 0, 0, 0, 0)`,
      )
      .run();
    database.sqlite
      .prepare(
        `INSERT INTO api_keys (id, name, prefix, token_hash, role, created_by, owner_id, created_at) VALUES ('k', 'k', 'gdn_x', 'h', 'admin', 'user:u-ada', 'u-ada', 0)`,
      )
      .run();
    database.sqlite.prepare(`DELETE FROM users WHERE id = 'u-ada'`).run();
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM api_keys').get()).toEqual({ n: 0 });
    database.close();
  });
});
