import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEngines } from '../testing/engines';
import { jsonParam, read, type AsyncDatabase } from './engine';

/**
 * `afterCommit` on both engines (docs/architecture.md §4): what a store keeps in memory beside the
 * database (a cache, a count not yet written) changes once its transaction has committed, never
 * when it rolls back, and on SQLite before the next writer's turn begins.
 */

const engines = useEngines('guardian-after-commit-');

const put = (key: string) => sql`INSERT INTO settings (key, value) VALUES (${key}, ${jsonParam(true)})`;
const count = (row: Parameters<typeof read.number>[0]) => read.number(row, 'n');

describe.each(['sqlite', 'postgres'] as const)('afterCommit on %s', (engine) => {
  let database: AsyncDatabase;

  beforeAll(async () => {
    database = (await engines.fresh(engine)).db;
  });

  afterAll(async () => {
    await database?.close();
  });

  it('runs at once outside a transaction, and inside one only once it has committed, in order', async () => {
    const ran: string[] = [];
    database.afterCommit(() => ran.push('outside'));
    expect(ran).toEqual(['outside']);
    await database.transaction(async (tx) => {
      await tx.run(put('a'));
      database.afterCommit(() => ran.push('first'));
      database.afterCommit(() => ran.push('second'));
      expect(ran).toEqual(['outside']);
    });
    expect(ran).toEqual(['outside', 'first', 'second']);
  });

  it('never runs for a transaction that rolls back, nor for a savepoint that does while the rest commits', async () => {
    const ran: string[] = [];
    await expect(
      database.transaction(async (tx) => {
        await tx.run(put('b'));
        database.afterCommit(() => ran.push('rolled back'));
        throw new Error('the audit event could not be written');
      }),
    ).rejects.toThrow('audit event');
    await database.transaction(async (tx) => {
      await tx.run(put('c'));
      database.afterCommit(() => ran.push('kept'));
      await expect(
        database.transaction(async (inner) => {
          await inner.run(put('d'));
          database.afterCommit(() => ran.push('savepoint rolled back'));
          throw new Error('one row failed');
        }),
      ).rejects.toThrow('one row failed');
      await database.transaction(async (inner) => {
        await inner.run(put('e'));
        database.afterCommit(() => ran.push('savepoint kept'));
      });
    });
    expect(ran).toEqual(['kept', 'savepoint kept']);
    expect(await database.get(sql`SELECT count(*) AS n FROM settings WHERE key IN ('b', 'c', 'd', 'e')`, count)).toBe(2);
  });

  it('writes one starts take a turn of their own once the commit is done, never the committed transaction', async () => {
    let started: Promise<unknown> | undefined;
    const first = database.transaction(async (tx) => {
      await tx.run(put('i'));
      database.afterCommit(() => {
        started = database.transaction(async (inner) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          await inner.run(put('j'));
        });
      });
    });
    // A writer waiting meanwhile begins its own transaction when the first has committed.
    const second = database.transaction(async (tx) => {
      await tx.run(put('l'));
    });
    await Promise.all([first, second]);
    await started;
    expect(await database.get(sql`SELECT count(*) AS n FROM settings WHERE key IN ('i', 'j', 'l')`, count)).toBe(3);
  });

  it('a throwing one does not undo the commit, and the others still run', async () => {
    const ran: string[] = [];
    await database.transaction(async (tx) => {
      await tx.run(put('f'));
      database.afterCommit(() => {
        throw new Error('a cache bug');
      });
      database.afterCommit(() => ran.push('after the bug'));
    });
    expect(ran).toEqual(['after the bug']);
    expect(await database.get(sql`SELECT count(*) AS n FROM settings WHERE key = 'f'`, count)).toBe(1);
  });
});

describe('afterCommit on sqlite', () => {
  it('runs before the next writer waiting for the lock begins', async () => {
    const { db } = await engines.fresh('sqlite');
    try {
      let kept = 0;
      let seenByNext: number | undefined;
      const first = db.transaction(async (tx) => {
        await tx.run(put('g'));
        await new Promise((resolve) => setTimeout(resolve, 20));
        db.afterCommit(() => kept++);
      });
      // Waits for the lock; what it sees in memory when its turn begins is what afterCommit left.
      const next = db.transaction(async (tx) => {
        seenByNext = kept;
        await tx.run(put('h'));
      });
      await Promise.all([first, next]);
      expect(seenByNext).toBe(1);
    } finally {
      await db.close();
    }
  });
});
