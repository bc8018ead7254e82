import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useEngines } from '../testing/engines';
import type { AsyncDatabase, Dialect } from './engine';

/**
 * What tells a process that another one changed what it keeps in memory (docs/architecture.md §4):
 * `outsideChangeMark` moves for another process's committed writes and never for its own, on both
 * engines: SQLite's data_version, PostgreSQL's triggers and the change feed listening to them.
 */

const engines = useEngines('guardian-outside-changes-');

const setting = (db: AsyncDatabase, key: string) =>
  db.execute('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, '{"n":1}']);

describe.each<Dialect>(['sqlite', 'postgres'])('the outside change mark on %s', (engine) => {
  it('moves for another process’s committed write, not for its own nor for another’s rolled back', async () => {
    const { db, another } = await engines.fresh(engine);
    const other = another();
    const start = await db.outsideChangeMark();

    await setting(db, 'mine');
    await db.transaction(() => setting(db, 'mine too'));
    expect(await db.outsideChangeMark()).toBe(start);

    await other
      .transaction(async () => {
        await setting(other, 'never');
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    // A notification goes out on commit: give one that should not exist the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await db.outsideChangeMark()).toBe(start);

    await setting(other, 'theirs');
    await expect.poll(() => db.outsideChangeMark(), { timeout: 5_000 }).not.toBe(start);
  });
});

describe('the change feed on PostgreSQL', () => {
  it('ignores writes to tables no process keeps in memory', async () => {
    const { db, another } = await engines.fresh('postgres');
    const start = await db.outsideChangeMark();
    const other = another();
    await other.run(sql`CREATE TABLE scratch (n integer)`);
    await other.run(sql`INSERT INTO scratch VALUES (1)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await db.outsideChangeMark()).toBe(start);
  });

  it('counts its listening connection cut and opened again as a change: what was told meanwhile is lost', async () => {
    const { db, another } = await engines.fresh('postgres');
    const start = await db.outsideChangeMark();
    const cut = await another().get(
      sql`SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN guardian_changes'`,
      (row) => Number(row.n),
    );
    expect(cut).toBe(1);
    await expect.poll(() => db.outsideChangeMark(), { timeout: 5_000 }).toBe(start + 1);
  });
});
