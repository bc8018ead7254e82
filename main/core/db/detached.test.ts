import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEngines } from '../testing/engines';
import { jsonParam, read, stamper, type AsyncDatabase, type Row } from './engine';

/**
 * `detached` on both engines (docs/architecture.md §4): background work started inside a call (a
 * job) writes in turns of its own, after the call's transaction has ended, and a rollback of that
 * call never takes the background work's writes with it.
 */

const engines = useEngines('guardian-detached-');

const settingKey = (row: Row) => read.text(row, 'key');
const put = (key: string) => sql`INSERT INTO settings (key, value) VALUES (${key}, ${jsonParam(true)})`;
const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe.each(['sqlite', 'postgres'] as const)('detached work on %s', (engine) => {
  let database: AsyncDatabase;
  const keys = () => database.all(sql`SELECT key FROM settings ORDER BY key`, settingKey);

  beforeAll(async () => {
    database = (await engines.fresh(engine)).db;
  });

  afterAll(async () => {
    await database?.close();
  });

  it('starts once the transaction it was started in has committed, sees its rows, and writes in a transaction of its own', async () => {
    let background: Promise<string[]> | undefined;
    await database.transaction(async (tx) => {
      await tx.run(put('call'));
      background = database.detached(async () => {
        const seen = await keys();
        // Not the call's transaction: this write survives the rollback of the one below.
        await database.run(put('background'));
        return seen;
      });
      // The call goes on after starting it; the background work has not begun yet.
      await pause();
      expect(await tx.all(sql`SELECT key FROM settings ORDER BY key`, settingKey)).toEqual(['call']);
    });
    expect(await background).toEqual(['call']);
    expect(await keys()).toEqual(['background', 'call']);
  });

  it('leaves its writes standing when the call that started it rolls back', async () => {
    let background: Promise<{ changes: number }> | undefined;
    await expect(
      database.transaction(async (tx) => {
        await tx.run(put('doomed'));
        background = database.detached(() => database.run(put('kept')));
        throw new Error('the call fails');
      }),
    ).rejects.toThrow('the call fails');
    expect(await background).toEqual({ changes: 1 });
    expect(await keys()).toContain('kept');
    expect(await keys()).not.toContain('doomed');
  });

  it('runs at once outside a transaction', async () => {
    expect(await database.detached(async () => (await keys()).length)).toBeGreaterThan(0);
  });

  it('stamps a last-used time nobody waits for, and tells its owner once every write so far has landed or failed', async () => {
    const failures: string[] = [];
    const stamp = stamper(database, (what) => failures.push(what));
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let settled = false;
    await database.transaction(async (tx) => {
      await tx.run(put('stamping call'));
      stamp('a held-up write', async () => {
        await held;
        await database.run(put('stamped'));
      });
      stamp('a failing write', () => database.run(sql`INSERT INTO no_such_table (key) VALUES (1)`));
    });
    const waited = stamp.settled().then(() => (settled = true));
    await pause();
    expect(settled).toBe(false);
    release();
    await waited;
    expect(await keys()).toContain('stamped');
    expect(failures).toEqual(['a failing write']);
    await stamp.settled();
  });
});
