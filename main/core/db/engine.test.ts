import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import { silentLogger } from '../logging/logger';
import { useEngines } from '../testing/engines';
import { jsonParam, read, type AsyncDatabase, type Queryable, type Row } from './engine';
import { openDatabase } from './open';
import Database from 'better-sqlite3';
import { sqliteEngine } from './sqlite-engine';

/**
 * The async data layer's promises, on both engines (docs/architecture.md §4), against Guardian's own
 * tables: a transaction commits together or not at all, even after an await; reads outside it see
 * only what is committed and do not wait for it; on SQLite, writers take turns; the mappers read
 * each engine's raw values as the same domain values.
 */

// A server of this file's own: a test stops PostgreSQL and starts it again, which on the run's
// shared server would cut off every other file's databases.
const engines = useEngines('guardian-engine-', { ownServer: true });
const opened: AsyncDatabase[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});

const ENGINES = {
  sqlite: async () => (await engines.fresh('sqlite')).db,
  postgres: async () => (await engines.fresh('postgres')).db,
};

const settingValue = (row: Row) => ({ key: read.text(row, 'key'), value: read.json(row, 'value') });
const put = (key: string, value: unknown) => sql`INSERT INTO settings (key, value) VALUES (${key}, ${jsonParam(value)})`;
const keys = (database: Queryable) => database.all(sql`SELECT key, value FROM settings ORDER BY key`, settingValue);
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe.each(['sqlite', 'postgres'] as const)('the async data layer on %s', (engine) => {
  let database: AsyncDatabase;

  beforeAll(async () => {
    database = await ENGINES[engine]();
  });

  afterAll(async () => {
    await database?.close();
  });

  afterEach(async () => {
    await database.run(sql`DELETE FROM settings`);
  });

  it('commits everything a transaction did, across awaits, and the mapper reads JSON back as it was written', async () => {
    await database.transaction(async (tx) => {
      await tx.run(put('a', { nested: [1, 'two', true] }));
      await pause();
      await tx.run(put('b', 'plain text'));
    });
    expect(await keys(database)).toEqual([
      { key: 'a', value: { nested: [1, 'two', true] } },
      { key: 'b', value: 'plain text' },
    ]);
  });

  it('rolls everything back when the work throws after an await, and hands the error on', async () => {
    const failure = new AppError('CONFLICT', 'stop here', { hint: 'a test' });
    await expect(
      database.transaction(async (tx) => {
        await tx.run(put('a', 1));
        await pause();
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await keys(database)).toEqual([]);
    // The engine is usable again at once.
    await database.transaction((tx) => tx.run(put('after', 2)));
    expect(await keys(database)).toEqual([{ key: 'after', value: 2 }]);
  });

  it('joins the transaction a caller is inside without being handed it, and a nested transaction is a savepoint', async () => {
    await database.transaction(async () => {
      await database.run(put('outer', 1));
      await database
        .transaction(async () => {
          await database.run(put('inner', 1));
          // Inside the transaction a read sees its own uncommitted rows.
          expect((await keys(database)).map((row) => row.key)).toEqual(['inner', 'outer']);
          throw new Error('the inner part fails');
        })
        .catch(() => undefined);
      await database.run(put('after-inner', 1));
    });
    expect((await keys(database)).map((row) => row.key)).toEqual(['after-inner', 'outer']);
  });

  it('executes a statement written once with ? placeholders, with its values, inside a transaction or on its own', async () => {
    const text = 'INSERT INTO settings (key, value) VALUES (?, ?)';
    await expect(
      database.transaction(async () => {
        await database.execute(text, ['in-tx', jsonParam({ n: 1 })]);
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect(await database.execute(text, ['alone', jsonParam([1, 'two'])])).toEqual({ changes: 1 });
    expect(await keys(database)).toEqual([{ key: 'alone', value: [1, 'two'] }]);
  });

  it('executes one statement for many rows, in order, all or none inside a transaction or on its own', async () => {
    const text = 'INSERT INTO settings (key, value) VALUES (?, ?)';
    const rows = Array.from({ length: 600 }, (_row, i) => [`many-${String(i).padStart(3, '0')}`, jsonParam(i)]);
    await database.executeMany(text, rows);
    const written = await keys(database);
    expect(written).toHaveLength(600);
    expect(written[599]).toEqual({ key: 'many-599', value: 599 });
    // A duplicate in the middle: on its own, none of the rows stay; in a transaction, it rolls back.
    await expect(
      database.executeMany(text, [
        ['fresh-1', jsonParam(1)],
        ['many-001', jsonParam(2)],
        ['fresh-2', jsonParam(3)],
      ]),
    ).rejects.toThrow(/UNIQUE|duplicate key/i);
    await expect(
      database.transaction(async () => {
        await database.executeMany(text, [['fresh-3', jsonParam(1)]]);
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect((await keys(database)).filter((row) => row.key.startsWith('fresh'))).toEqual([]);
  });

  it('looks a row up by a text written once with ? placeholders: what is committed, or inside a transaction what it wrote', async () => {
    const text = 'SELECT key, value FROM settings WHERE key = ?';
    const row = (r: Row) => ({ key: read.text(r, 'key'), value: read.json(r, 'value') });
    expect(await database.lookup(text, ['looked-up'], row)).toBeUndefined();
    await database.transaction(async (tx) => {
      await tx.run(put('looked-up', 7));
      expect(await database.lookup(text, ['looked-up'], row)).toEqual({ key: 'looked-up', value: 7 });
    });
    expect(await database.lookup(text, ['looked-up'], row)).toEqual({ key: 'looked-up', value: 7 });
  });

  it('rolls back when a statement fails (a duplicate key), and the next transaction proceeds', async () => {
    await database.run(put('taken', 1));
    await expect(
      database.transaction(async (tx) => {
        await tx.run(put('new', 1));
        await tx.run(put('taken', 2));
      }),
    ).rejects.toThrow(/UNIQUE|duplicate key/i);
    expect((await keys(database)).map((row) => row.key)).toEqual(['taken']);
  });

  it('reads outside a transaction see only committed rows and do not wait for an open transaction', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = database.transaction(async (tx) => {
      await tx.run(put('uncommitted', 1));
      await held;
    });
    await pause();
    // Answered while the transaction is still open (it waits on `held`), without its row.
    expect(await keys(database)).toEqual([]);
    release();
    await open;
    expect((await keys(database)).map((row) => row.key)).toEqual(['uncommitted']);
  });

  it('a snapshot reads one consistent state while others commit, and refuses writes', async () => {
    await database.run(put('before', 1));
    const seen = await database.snapshot(async (reads) => {
      const first = await keys(reads);
      await database.run(put('meanwhile', 1));
      const second = await keys(reads);
      const write = await reads.run(put('inside', 1)).then(
        () => 'written',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      return { first: first.map((row) => row.key), second: second.map((row) => row.key), write };
    });
    expect(seen.first).toEqual(['before']);
    expect(seen.second).toEqual(['before']);
    expect(seen.write).toMatch(/readonly|read-only/i);
    expect((await keys(database)).map((row) => row.key)).toEqual(['before', 'meanwhile']);
  });

  it('a transaction that begins at its first write reads what others commit until then, then is all or nothing', async () => {
    let release = () => {};
    const slowPart = new Promise<void>((resolve) => (release = resolve));
    const seen: string[][] = [];
    const lazy = database.transactionFromFirstWrite(async () => {
      await slowPart; // hashing a password, say
      seen.push((await keys(database)).map((row) => row.key));
      await database.run(put('lazy-1', 0));
      seen.push((await keys(database)).map((row) => row.key));
      throw new Error('fails after writing');
    });
    await pause();
    // Another writer commits while the first is still in its slow part, holding nothing.
    await database.run(put('other', 1));
    release();
    await expect(lazy).rejects.toThrow('fails after writing');
    expect(seen).toEqual([['other'], ['lazy-1', 'other']]);
    expect((await keys(database)).map((row) => row.key)).toEqual(['other']);

    await database.transactionFromFirstWrite(async () => {
      await database.run(put('kept', 2));
      await database.transaction(async (tx) => tx.run(put('nested', 3)));
    });
    expect((await keys(database)).map((row) => row.key)).toEqual(['kept', 'nested', 'other']);
    // Work that never writes commits nothing and answers what it read.
    expect(await database.transactionFromFirstWrite(async () => (await keys(database)).length)).toBe(3);
  });

  it('keeps what `next` is given when the transaction it was asked from rolls back', async () => {
    let kept: Promise<unknown> | undefined;
    const call = database.transaction(async (tx) => {
      await tx.run(put('rolled back', 1));
      kept = database.next(() => database.run(put('kept by next', 2)));
      await pause();
      throw new Error('the call fails');
    });
    await expect(call).rejects.toThrow('the call fails');
    await kept;
    expect((await keys(database)).map((row) => row.key)).toEqual(['kept by next']);
  });

  it('gets one row or undefined, and counts the rows a statement changed', async () => {
    await database.run(put('one', 1));
    expect(await database.get(sql`SELECT key, value FROM settings WHERE key = ${'one'}`, settingValue)).toEqual({ key: 'one', value: 1 });
    expect(await database.get(sql`SELECT key, value FROM settings WHERE key = ${'none'}`, settingValue)).toBeUndefined();
    expect(await database.run(sql`DELETE FROM settings WHERE key IN (${'one'}, ${'none'})`)).toEqual({ changes: 1 });
  });

  it('reads flags and 64-bit times as booleans and numbers on either engine', async () => {
    const at = 1_767_225_600_000;
    await database.run(
      sql`INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
          VALUES (${'u1'}, ${'alice'}, ${'Alice'}, ${'admin'}, ${'hash'}, ${true}, ${false}, ${false}, ${at}, ${at})`,
    );
    const user = await database.get(sql`SELECT must_change_password, disabled, created_at, last_login_at FROM users WHERE id = ${'u1'}`, (row) => ({
      mustChange: read.boolean(row, 'must_change_password'),
      disabled: read.boolean(row, 'disabled'),
      createdAt: read.number(row, 'created_at'),
      lastLoginAt: read.numberOrNull(row, 'last_login_at'),
    }));
    expect(user).toEqual({ mustChange: true, disabled: false, createdAt: at, lastLoginAt: null });
    await database.run(sql`DELETE FROM users`);
  });

  it('a mapper refuses a value that is not what the schema says, with INTERNAL and a hint', async () => {
    await database.run(put('k', 1));
    const error = await database.get(sql`SELECT key, value FROM settings`, (row) => read.number(row, 'key')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'The database returned string for key, where a number was expected.' });
  });
});

describe('the async data layer on SQLite', () => {
  it('lets writers take turns: an await inside one transaction never lets another’s statements in', async () => {
    const database = await ENGINES.sqlite();
    opened.push(database);
    const order: string[] = [];
    const first = database.transaction(async (tx) => {
      order.push('first begins');
      await tx.run(put('first-1', 1));
      await pause();
      await pause();
      await tx.run(put('first-2', 1));
      order.push('first ends');
    });
    const second = database.transaction(async (tx) => {
      order.push('second begins');
      await tx.run(put('second', 1));
      order.push('second ends');
    });
    const single = database.run(put('single', 1)).then(() => order.push('single write'));
    await Promise.all([first, second, single]);
    expect(order).toEqual(['first begins', 'first ends', 'second begins', 'second ends', 'single write']);
    expect((await keys(database)).map((row) => row.key)).toEqual(['first-1', 'first-2', 'second', 'single']);
  });

  it('hands the event loop back between slices of a big batch, still holding its turn', async () => {
    const database = await ENGINES.sqlite();
    opened.push(database);
    const order: string[] = [];
    const rows = Array.from({ length: 2000 }, (_row, i) => [`batch-${i}`, jsonParam(i)]);
    const batch = database.transaction(async () => {
      await database.executeMany('INSERT INTO settings (key, value) VALUES (?, ?)', rows);
      order.push('batch written');
    });
    // A timer due at once, and another writer: the timer runs before the batch ends, the writer after.
    setImmediate(() => order.push('event loop turned'));
    const other = database.run(put('other', 1)).then(() => order.push('other writer'));
    await Promise.all([batch, other]);
    expect(order).toEqual(['event loop turned', 'batch written', 'other writer']);
    expect(await keys(database)).toHaveLength(2001);
  });

  it('refuses a read asked of a statement that returns no rows, as a bug with a hint, and runs nothing', async () => {
    const database = await ENGINES.sqlite();
    opened.push(database);
    await database.run(put('kept', 1));
    await expect(database.lookup('DELETE FROM settings WHERE key = ?', ['kept'], (row) => row)).rejects.toMatchObject({
      code: 'INTERNAL',
      hint: expect.stringContaining('bug in Guardian'),
    });
    expect((await keys(database)).map((row) => row.key)).toEqual(['kept']);
  });
});

describe('writers taking turns on the SQLite connection', () => {
  /** A migrated file, the layer over it, and a direct write on its writer connection (as a test planting rows makes). */
  async function shared(options: { strict?: boolean; onStrayWrite?: (sql: string) => void } = {}) {
    const file = join(mkdtempSync(join(engines.folder, 'shared-')), 'guardian.db');
    openDatabase({ file, backupsDir: join(engines.folder, 'backups'), logger: silentLogger(), now: () => 0 }).close();
    const connection = new Database(file);
    const layer = sqliteEngine(connection, file, { ...options, closeWriter: true });
    opened.push(layer);
    const putNow = (key: string) => connection.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(key, '1');
    return { layer, putNow };
  }

  it('a transaction that begins at its first write holds no one up before it, and is still all or nothing', async () => {
    const { layer } = await shared({ strict: true });
    let release = () => {};
    const slowPart = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const lazy = layer.transactionFromFirstWrite(async () => {
      await slowPart; // hashing a password, say
      order.push('lazy writes');
      await layer.run(put('lazy-1', 1));
      await pause();
      await layer.run(put('lazy-2', 1));
      throw new Error('fails after writing');
    });
    await pause();
    // Another writer goes ahead while the first is still in its slow part.
    await layer.transaction(async (tx) => {
      order.push('other writes');
      await tx.run(put('other', 1));
    });
    release();
    await expect(lazy).rejects.toThrow('fails after writing');
    expect(order).toEqual(['other writes', 'lazy writes']);
    expect((await keys(layer)).map((row) => row.key)).toEqual(['other']);
  });

  it('runs what `next` is given right after the current turn, ahead of the writers already waiting', async () => {
    const { layer } = await shared({ strict: true });
    const order: string[] = [];
    const waiting: Promise<unknown>[] = [];
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const call = layer.transaction(async (tx) => {
      entered();
      await pause();
      await tx.run(put('rolled back', 1));
      waiting.push(layer.next(async () => (order.push('next'), layer.run(put('kept by next', 1)))));
      throw new Error('the call fails');
    });
    await inside;
    // A writer that came while the call held the turn.
    waiting.push(layer.transaction(async (tx) => (order.push('queued before'), tx.run(put('queued', 1)))));
    await expect(call).rejects.toThrow('the call fails');
    await Promise.all(waiting);
    expect(order).toEqual(['next', 'queued before']);
    expect((await keys(layer)).map((row) => row.key)).toEqual(['kept by next', 'queued']);
  });

  it('refuses a write that did not wait for its turn, which would have landed in another caller’s transaction', async () => {
    const { layer, putNow } = await shared({ strict: true });
    let stray: unknown;
    // Work started outside the transaction's flow (a timer set before it) writes directly while it is open.
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        try {
          putNow('stray');
        } catch (error) {
          stray = error;
        }
        resolve();
      }, 10),
    );
    await layer.transaction(async () => {
      await layer.run(put('mine', 1));
      await timer;
    });
    expect(stray).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^A write ran while another writer held the database/) });
    expect((await keys(layer)).map((row) => row.key)).toEqual(['mine']);
    // With no turn held, a direct write is its own transaction, as before.
    putNow('alone');
    expect((await keys(layer)).map((row) => row.key)).toEqual(['alone', 'mine']);
  });

  it('outside the tests such a write is reported, not refused', async () => {
    const reported: string[] = [];
    const { layer, putNow } = await shared({ strict: false, onStrayWrite: (statement) => reported.push(statement) });
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void putNow('stray')), 10));
    await layer.transaction(() => timer);
    expect(reported).toEqual(['INSERT INTO settings (key, value) VALUES (?, ?)']);
  });
});

describe('the async data layer on PostgreSQL', () => {
  it('runs transactions side by side, each isolated from the other until it commits', async () => {
    const database = await ENGINES.postgres();
    opened.push(database);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = database.transaction(async (tx) => {
      await tx.run(put('first', 1));
      await held;
    });
    await pause();
    const seenBySecond = await database.transaction(async (tx) => {
      await tx.run(put('second', 1));
      return (await tx.all(sql`SELECT key, value FROM settings ORDER BY key`, settingValue)).map((row) => row.key);
    });
    expect(seenBySecond).toEqual(['second']);
    release();
    await first;
    expect((await keys(database)).map((row) => row.key)).toEqual(['first', 'second']);
  });

  it('a transaction that begins at its first write holds no pooled connection before it', async () => {
    const { db: database } = await engines.fresh('postgres', { connections: 1 });
    opened.push(database);
    let release = () => {};
    const slowPart = new Promise<void>((resolve) => (release = resolve));
    const lazy = database.transactionFromFirstWrite(async () => {
      await slowPart;
      await database.run(put('lazy', 1));
    });
    // The pool's one connection is free for others meanwhile (taken at once, this would wait forever).
    await database.run(put('other', 1));
    await database.transaction((tx) => tx.run(put('another', 1)));
    release();
    await lazy;
    expect((await keys(database)).map((row) => row.key)).toEqual(['another', 'lazy', 'other']);
  });

  it('a statement while PostgreSQL is down is a retryable DB_UNAVAILABLE; once it is back the same database answers', async () => {
    const database = await ENGINES.postgres();
    opened.push(database);
    await database.run(put('before', 1));
    engines.server.stop('immediate');
    try {
      const failure = await database.run(put('during', 1)).catch((error: unknown) => error);
      expect(failure).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
      await expect(database.ping()).rejects.toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
      const inTransaction = await database.transaction((tx) => tx.run(put('during', 1))).catch((error: unknown) => error);
      expect(inTransaction).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
    } finally {
      engines.server.restart();
    }
    await database.ping();
    await database.transaction((tx) => tx.run(put('after', 1)));
    expect((await keys(database)).map((row) => row.key)).toEqual(['after', 'before']);
  });
});
