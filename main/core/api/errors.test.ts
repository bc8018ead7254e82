import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { toAppError } from './errors';

/**
 * What a caller is told when something inside the core fails: a known failure keeps its code,
 * the database's own troubles become BUSY or UNAVAILABLE (retryable, saying what to do), and
 * anything else is INTERNAL with no detail. The errors here are SQLite's own, made for real.
 */

const folder = mkdtempSync(join(tmpdir(), 'guardian-errors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** What SQLite throws when `run` meets it, or a failure of the test when it throws nothing. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected SQLite to refuse');
}

/** Nothing of the cause reaches the caller: no SQL, no file name, no SQLite wording. */
function expectNoDetail(error: AppError, cause: unknown) {
  const shown = JSON.stringify(error.toShape('c-1'));
  expect(shown).not.toContain((cause as Error).message);
  expect(shown).not.toMatch(/SQLITE|sql|INSERT|guardian-errors/i);
}

describe('toAppError', () => {
  it('keeps an AppError as it is', () => {
    const known = new AppError('NOT_FOUND', 'There is no server with that id.', { hint: 'Refresh the list.' });
    expect(toAppError(known)).toBe(known);
  });

  it('answers BUSY, retryable, when another connection holds the database', () => {
    const path = join(folder, 'busy.db');
    const holder = new Database(path);
    const other = new Database(path, { timeout: 0 });
    holder.exec('CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)');
    const cause = thrownBy(() => other.exec('BEGIN IMMEDIATE'));
    holder.exec('ROLLBACK');
    holder.close();
    other.close();

    expect(cause).toMatchObject({ name: 'SqliteError', code: 'SQLITE_BUSY' });
    const error = toAppError(cause);
    expect(error).toMatchObject({ code: 'BUSY', message: 'The database is busy with other work.', hint: 'Try again in a moment.', retryable: true });
    expect(error.cause).toBe(cause);
    expectNoDetail(error, cause);
  });

  it('answers BUSY for a table locked by this connection', () => {
    const cause = new Database.SqliteError('database table is locked: servers', 'SQLITE_LOCKED');
    expect(toAppError(cause)).toMatchObject({ code: 'BUSY', retryable: true });
  });

  it('answers UNAVAILABLE, retryable, naming the disk, when the database cannot grow', () => {
    const db = new Database(join(folder, 'full.db'));
    db.exec('CREATE TABLE t (x BLOB)');
    const pages = (db.pragma('page_count', { simple: true }) as number) + 1;
    db.pragma(`max_page_count = ${pages}`);
    const cause = thrownBy(() => db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(1024 * 1024)));
    db.close();

    expect(cause).toMatchObject({ code: 'SQLITE_FULL' });
    const error = toAppError(cause);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      message: 'The database could not be written (disk full or failing).',
      hint: 'Free some disk space in the data folder, then try again.',
      retryable: true,
    });
    expectNoDetail(error, cause);
  });

  it.each(['SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC'])('answers UNAVAILABLE for a failing disk (%s)', (code) => {
    expect(toAppError(new Database.SqliteError('disk I/O error', code))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('answers INTERNAL, with no detail, for any other SQLite error (a broken constraint, a bad statement)', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (name TEXT UNIQUE)');
    db.exec("INSERT INTO t VALUES ('web-1')");
    const constraint = thrownBy(() => db.exec("INSERT INTO t VALUES ('web-1')"));
    const syntax = thrownBy(() => db.exec('SELEKT secret FROM t'));
    db.close();

    for (const cause of [constraint, syntax]) {
      const error = toAppError(cause);
      expect(error).toMatchObject({ code: 'INTERNAL', retryable: false });
      expect(error.hint).toContain('correlation id');
      expectNoDetail(error, cause);
    }
  });

  it('answers INTERNAL for an error that only looks like SQLite', () => {
    const lookalike = Object.assign(new Error('SQLITE_BUSY from a string'), { name: 'SqliteError', code: 5 });
    expect(toAppError(lookalike).code).toBe('INTERNAL');
    expect(toAppError({ name: 'SqliteError', code: 'SQLITE_BUSY', message: 'not an Error' }).code).toBe('INTERNAL');
    expect(toAppError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' })).code).toBe('INTERNAL');
  });

  it('answers INTERNAL for whatever else is thrown, keeping it only as the cause for the log', () => {
    for (const cause of [new TypeError("Cannot read properties of undefined (reading 'secret')"), 'a string', undefined]) {
      const error = toAppError(cause);
      expect(error).toMatchObject({ code: 'INTERNAL', message: 'Something went wrong inside Guardian.', retryable: false });
      expect(error.cause).toBe(cause);
    }
  });
});
