import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditFilter } from '@shared/api/audit';
import { openDatabase, type OpenedDatabase } from '../db/open';
import { silentLogger } from '../logging/logger';
import { migrationsDir } from '../paths';
import { searchExpression } from './search';

/**
 * The search index's tokens are written by a view in migration 0005 and asked for by
 * main/core/audit/search.ts: these prove the two agree, value by value, on a real database file,
 * including one upgraded from the schema before the index existed.
 */

let dir: string;
let opened: OpenedDatabase[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-audit-search-'));
  opened = [];
});

afterEach(() => {
  for (const database of opened) database.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(migrations = migrationsDir): Database.Database {
  const database = openDatabase({
    file: join(dir, 'guardian.db'),
    backupsDir: join(dir, 'backups'),
    logger: silentLogger(),
    now: () => 1,
    migrationsDir: migrations,
  });
  opened.push(database);
  return database.sqlite;
}

/** The shipped migrations up to and including `last` (the schema an older Guardian wrote). */
function migrationsUpTo(last: number): string {
  const folder = join(dir, `migrations-${last}`);
  cpSync(migrationsDir, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

type Event = [seq: number, actor: string, actorName: string | null, action: string, target: string | null, outcome: string, details: string];

const EVENTS: Event[] = [
  [1, 'user:alice-1', 'alice', 'servers.create', 'server:web 1', 'ok', '{"host":"web-1.example.net","name":"web 1"}'],
  [2, 'user:bob-2', 'Bob Ü (ops)', 'servers.update', 'server:web 1', 'CONFLICT', '{"notes":"rack 3 row 2"}'],
  [3, 'apiKey:k-9', 'ci key', 'servers.update', 'server:db', 'ok', '{"notes":"rack 3"}'],
  [4, 'anonymous', null, 'auth.login', null, 'AUTH_FAILED', '{"username":"alice"}'],
  [5, 'user:alice-1', 'Alice', 'servers.update', 'server:db', 'ok', '{"notes":"NEAR(\\"x\\" *)"}'],
];

function insert(sqlite: Database.Database, events: Event[], index: boolean): void {
  const row = sqlite.prepare(
    `INSERT INTO audit_events (seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details) VALUES (?, ?, ?, ?, 'test', ?, ?, ?, 'c', ?)`,
  );
  for (const [seq, actor, actorName, action, target, outcome, details] of events) row.run(seq, seq * 1000, actor, actorName, action, target, outcome, details);
  if (index) sqlite.prepare('INSERT INTO audit_search (rowid, facets, details) SELECT seq, facets, details FROM audit_search_source').run();
}

function find(sqlite: Database.Database, filter: AuditFilter): number[] {
  const expression = searchExpression(filter);
  if (expression === null) throw new Error('no search expression');
  return (sqlite.prepare('SELECT rowid FROM audit_search WHERE audit_search MATCH ? ORDER BY rowid').all(expression) as { rowid: number }[]).map(
    (r) => r.rowid,
  );
}

function expectFinds(sqlite: Database.Database): void {
  expect(find(sqlite, { actor: 'alice' })).toEqual([1]);
  expect(find(sqlite, { actor: 'Alice' })).toEqual([5]);
  expect(find(sqlite, { actor: 'user:alice-1' })).toEqual([1, 5]);
  expect(find(sqlite, { actor: 'Bob Ü (ops)' })).toEqual([2]);
  expect(find(sqlite, { actor: 'anonymous' })).toEqual([4]);
  expect(find(sqlite, { target: 'server:web 1' })).toEqual([1, 2]);
  expect(find(sqlite, { target: 'server:web' })).toEqual([]);
  expect(find(sqlite, { action: 'servers.update', target: 'server:db' })).toEqual([3, 5]);
  expect(find(sqlite, { action: 'servers.update', outcome: 'error' })).toEqual([2]);
  expect(find(sqlite, { outcome: 'AUTH_FAILED' })).toEqual([4]);
  expect(find(sqlite, { outcome: 'error' })).toEqual([2, 4]);
  expect(find(sqlite, { q: 'rack 3' })).toEqual([2, 3]);
  expect(find(sqlite, { q: 'web-1.example.net' })).toEqual([1]);
  expect(find(sqlite, { q: 'rack 3', actor: 'ci key' })).toEqual([3]);
  // FTS syntax in the words is only text; the field tokens are not words.
  expect(find(sqlite, { q: 'NEAR("x" *)' })).toEqual([5]);
  expect(find(sqlite, { q: Buffer.from('alice').toString('hex') })).toEqual([]);
}

describe('the audit search index', () => {
  it('finds every field exactly and every word, whatever the value holds', () => {
    const sqlite = open();
    insert(sqlite, EVENTS, true);
    expectFinds(sqlite);
  });

  it('forgets an event when retention deletes it', () => {
    const sqlite = open();
    insert(sqlite, EVENTS, true);
    sqlite.prepare('DELETE FROM audit_events WHERE seq <= 2').run();
    expect(find(sqlite, { target: 'server:web 1' })).toEqual([]);
    expect(find(sqlite, { q: 'rack 3' })).toEqual([3]);
  });

  it('indexes the events of a database written before it existed', () => {
    const older = open(migrationsUpTo(4));
    insert(older, EVENTS, false);
    opened.pop()?.close();
    const upgraded = open();
    expectFinds(upgraded);
  });

  it('has nothing to search for a time range or "ok" alone', () => {
    expect(searchExpression({ from: 1, to: 2 })).toBeNull();
    expect(searchExpression({ outcome: 'ok' })).toBeNull();
    expect(searchExpression({ q: ' -- ' })).toBeNull();
  });
});
