import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { silentLogger } from '../logging/logger';
import { migrationsDir } from '../paths';
import { openDatabase, type OpenedDatabase, type OpenOptions } from './open';

const NOW = 1_767_225_600_000;
const KNOWN_MIGRATIONS = (JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

let dir: string;
let opened: OpenedDatabase[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-db-'));
  opened = [];
});

afterEach(() => {
  for (const database of opened) database.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = () => join(dir, 'guardian.db');
const backupsDir = () => join(dir, 'backups');

function open(options: Partial<OpenOptions> = {}): OpenedDatabase {
  const database = openDatabase({ file: file(), backupsDir: backupsDir(), logger: silentLogger(), now: () => NOW, ...options });
  opened.push(database);
  return database;
}

function openError(options: Partial<OpenOptions> = {}): AppError {
  try {
    open(options);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('openDatabase succeeded where it should have refused');
}

function tables(sqlite: Database.Database): string[] {
  return (sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map(
    (row) => row.name,
  );
}

/** A copy of the shipped migrations plus `extra` ones, as a later Guardian would ship them. */
function migrationsWith(name: string, extra: { tag: string; sql: string }[]): string {
  const folder = join(dir, name);
  cpSync(migrationsDir, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Record<string, unknown>[] };
  for (const migration of extra) {
    writeFileSync(join(folder, `${migration.tag}.sql`), migration.sql);
    journal.entries.push({ idx: journal.entries.length, version: '6', when: NOW, tag: migration.tag, breakpoints: true });
  }
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe('openDatabase', () => {
  it('creates a fresh database with every migration applied, WAL and foreign keys on', () => {
    const { sqlite, backupFile } = open();
    expect(sqlite.pragma('user_version', { simple: true })).toBe(KNOWN_MIGRATIONS);
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tables(sqlite)).toEqual(expect.arrayContaining(['audit_events', 'jobs', 'servers']));
    expect(backupFile).toBeNull();
  });

  it('reopens an up-to-date database without making a backup and keeps its data', () => {
    const first = open();
    first.sqlite.prepare(`INSERT INTO jobs (id, kind, title, status, done, created_by, created_at) VALUES ('j1', 'k', 't', 'succeeded', 0, 'u', 1)`).run();
    first.close();

    const again = open();
    expect(again.backupFile).toBeNull();
    expect(existsSync(backupsDir()) ? readdirSync(backupsDir()) : []).toEqual([]);
    expect(again.sqlite.prepare('SELECT id FROM jobs').all()).toEqual([{ id: 'j1' }]);
  });

  it.each([
    ['WAL', 'wal'],
    ['rollback-journal', 'delete'],
  ])('refuses a %s database written by a newer Guardian and leaves its bytes untouched', (_label, journalMode) => {
    const newer = new Database(file());
    newer.pragma(`journal_mode = ${journalMode}`);
    newer.exec('CREATE TABLE from_the_future (id INTEGER PRIMARY KEY)');
    newer.pragma(`user_version = ${KNOWN_MIGRATIONS + 5}`);
    newer.close();
    const before = readFileSync(file());

    const error = openError();

    expect(error.code).toBe('DB_NEWER_VERSION');
    expect(error.message).toContain(file());
    expect(error.message).toContain(`schema ${KNOWN_MIGRATIONS + 5}`);
    expect(readFileSync(file()).equals(before)).toBe(true);
    expect(existsSync(backupsDir())).toBe(false);
  });

  it('refuses a file that is not a database with DB_UNREADABLE naming the file, and leaves it alone', () => {
    const garbage = Buffer.from('This is my shopping list, not a database. '.repeat(200));
    writeFileSync(file(), garbage);

    const error = openError();

    expect(error.code).toBe('DB_UNREADABLE');
    expect(error.message).toContain(file());
    expect(error.hint).toMatch(/backup/i);
    expect(readFileSync(file()).equals(garbage)).toBe(true);
  });

  it('backs up a database of an older schema before migrating it, then applies the new migration', () => {
    const older = migrationsWith('older', []);
    const newer = migrationsWith('newer', [
      {
        tag: '0099_labels',
        sql: 'CREATE TABLE `labels` (`id` text PRIMARY KEY NOT NULL);--> statement-breakpoint\nCREATE INDEX `labels_id` ON `labels` (`id`);',
      },
    ]);
    const first = open({ migrationsDir: older });
    first.sqlite.prepare(`INSERT INTO jobs (id, kind, title, status, done, created_by, created_at) VALUES ('kept', 'k', 't', 'succeeded', 0, 'u', 1)`).run();
    first.close();

    const migrated = open({ migrationsDir: newer });

    expect(migrated.sqlite.pragma('user_version', { simple: true })).toBe(KNOWN_MIGRATIONS + 1);
    expect(tables(migrated.sqlite)).toContain('labels');
    expect(migrated.sqlite.prepare('SELECT id FROM jobs').all()).toEqual([{ id: 'kept' }]);

    expect(migrated.backupFile).toBe(join(backupsDir(), `guardian-schema${KNOWN_MIGRATIONS}-${NOW}.db`));
    expect(readdirSync(backupsDir())).toEqual([`guardian-schema${KNOWN_MIGRATIONS}-${NOW}.db`]);
    const backup = new Database(migrated.backupFile ?? '', { readonly: true });
    try {
      expect(backup.pragma('user_version', { simple: true })).toBe(KNOWN_MIGRATIONS);
      expect(tables(backup)).not.toContain('labels');
      expect(backup.prepare('SELECT id FROM jobs').all()).toEqual([{ id: 'kept' }]);
    } finally {
      backup.close();
    }
  });

  it('keeps the database, its -wal and -shm files and the pre-migration backup to its user (0600, backups folder 0700)', () => {
    const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
    const older = migrationsWith('older', []);
    const newer = migrationsWith('newer', [{ tag: '0099_labels', sql: 'CREATE TABLE `labels` (`id` text PRIMARY KEY NOT NULL);' }]);
    open({ migrationsDir: older }).close();
    // An earlier Guardian left them readable by everyone.
    chmodSync(file(), 0o644);
    const migrated = open({ migrationsDir: newer });
    migrated.sqlite.prepare('INSERT INTO labels (id) VALUES (?)').run('written');

    const made = [file(), `${file()}-wal`, `${file()}-shm`, migrated.backupFile ?? ''];
    expect(made.map((path) => [path, modeOf(path)])).toEqual(made.map((path) => [path, '600']));
    expect(modeOf(backupsDir())).toBe('700');
  });

  it('leaves the database exactly as it was when a migration fails half-way', () => {
    const older = migrationsWith('older', []);
    const broken = migrationsWith('broken', [
      {
        tag: '0099_broken',
        sql: 'CREATE TABLE `half_done` (`id` text);--> statement-breakpoint\nALTER TABLE `servers` ADD `region` text;--> statement-breakpoint\nCREATE TABLE oops (;',
      },
    ]);
    open({ migrationsDir: older }).close();

    const error = openError({ migrationsDir: broken });

    expect(error.code).toBe('DB_UNREADABLE');
    expect(error.message).toContain('left as it was');
    expect(error.hint).toContain(backupsDir());
    const after = open({ migrationsDir: older });
    expect(after.sqlite.pragma('user_version', { simple: true })).toBe(KNOWN_MIGRATIONS);
    expect(tables(after.sqlite)).not.toContain('half_done');
    const columns = (after.sqlite.prepare('PRAGMA table_info(servers)').all() as { name: string }[]).map((column) => column.name);
    expect(columns).not.toContain('region');
  });
});
