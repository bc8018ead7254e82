import { AsyncLocalStorage } from 'node:async_hooks';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import type { AsyncDatabase, Queryable, Row } from '../engine';
import { ChangeFeed } from './change-feed';
import { databaseUnavailable, isConnectionFailure } from './pool';

/**
 * The async data layer on PostgreSQL (docs/architecture.md §4): statements outside a transaction go
 * to the pool, each transaction gets a pooled connection of its own. A connection that cannot be
 * had, or breaks, is DB_UNAVAILABLE naming the database (never its password).
 */

const dialect = new PgDialect();

/** A connection that failed becomes DB_UNAVAILABLE; a statement's own error (a duplicate key) stays as it is. */
function rewrap(error: unknown, display: string): unknown {
  return isConnectionFailure(error) ? databaseUnavailable(error, display) : error;
}

const numberedTexts = new Map<string, string>();

/** `?` placeholders as PostgreSQL's `$1, $2, …` (the texts are Guardian's own: no `?` inside a literal). */
function numbered(text: string): string {
  let converted = numberedTexts.get(text);
  if (converted === undefined) {
    let n = 0;
    converted = text.replace(/\?/g, () => `$${++n}`);
    numberedTexts.set(text, converted);
  }
  return converted;
}

function queryable(client: pg.Pool | pg.PoolClient, display: string): Queryable {
  const execute = async (query: SQL) => {
    const { sql, params } = dialect.sqlToQuery(query);
    try {
      return await client.query<Record<string, unknown>>(sql, params);
    } catch (error) {
      throw rewrap(error, display);
    }
  };
  return {
    dialect: 'postgres',
    async all<T>(query: SQL, map: (row: Row) => T): Promise<T[]> {
      return (await execute(query)).rows.map(map);
    },
    async get<T>(query: SQL, map: (row: Row) => T): Promise<T | undefined> {
      const [row] = (await execute(query)).rows;
      return row === undefined ? undefined : map(row);
    },
    async run(query: SQL): Promise<{ changes: number }> {
      return { changes: (await execute(query)).rowCount ?? 0 };
    },
    async execute(text: string, params: readonly unknown[]): Promise<{ changes: number }> {
      try {
        return { changes: (await client.query(numbered(text), [...params])).rowCount ?? 0 };
      } catch (error) {
        throw rewrap(error, display);
      }
    },
    async executeMany(text: string, rows: readonly (readonly unknown[])[]): Promise<void> {
      for (const params of rows) await this.execute(text, params);
    },
    async lookup<T>(text: string, params: readonly unknown[], map: (row: Row) => T): Promise<T | undefined> {
      let rows: Row[];
      try {
        rows = (await client.query<Record<string, unknown>>(numbered(text), [...params])).rows;
      } catch (error) {
        throw rewrap(error, display);
      }
      const [row] = rows;
      return row === undefined ? undefined : map(row);
    },
  };
}

/** One transaction: open while its work runs; its connection taken at once, or at its first write. */
interface Open {
  /** Its statements: reads go to the pool until the transaction has begun, writes begin it. */
  tx: Queryable;
  /** Its connection once BEGIN has run; null while a transaction that begins at its first write has not written. */
  client: Queryable | null;
  raw: pg.PoolClient | null;
  /** While its connection is being taken and BEGIN run. */
  beginning: Promise<Queryable> | null;
  open: boolean;
  savepoints: number;
  /** Resolves once it has committed or rolled back: what `detached` work waits for. */
  ended: Promise<void>;
  end: () => void;
  /** What runs once it has committed (afterCommit), in order; dropped when it rolls back. */
  committed: (() => void)[];
}

/** The async layer over a pool (openPostgresPool); `display` names the database in errors. */
export function postgresEngine(pool: pg.Pool, display: string, options: { onAfterCommitFailed?: (error: unknown) => void } = {}): AsyncDatabase {
  const direct = queryable(pool, display);
  const current = new AsyncLocalStorage<Open>();
  /** Listening for other processes' changes, once asked (the health engine asks; `guardian db copy` never does). */
  let changes: ChangeFeed | undefined;
  /** The open transaction this work belongs to, if any. */
  const joined = (): Open | undefined => {
    const open = current.getStore();
    return open?.open ? open : undefined;
  };
  const here = (): Queryable => joined()?.tx ?? direct;

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw databaseUnavailable(error, display);
    }
  };

  /** The transaction's connection, taken and BEGIN run the first time it is needed. */
  const begun = (open: Open): Promise<Queryable> => {
    if (open.client) return Promise.resolve(open.client);
    open.beginning ??= (async () => {
      const raw = await connect();
      try {
        await raw.query('BEGIN');
      } catch (error) {
        raw.release(true);
        throw rewrap(error, display);
      }
      open.raw = raw;
      open.client = queryable(raw, display);
      return open.client;
    })();
    return open.beginning;
  };

  const newOpen = (): Open => {
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    const open: Open = { tx: direct, client: null, raw: null, beginning: null, open: true, savepoints: 0, ended, end, committed: [] };
    open.tx = {
      dialect: 'postgres',
      all: (query, map) => (open.client ?? direct).all(query, map),
      get: (query, map) => (open.client ?? direct).get(query, map),
      lookup: (text, params, map) => (open.client ?? direct).lookup(text, params, map),
      run: async (query) => (await begun(open)).run(query),
      execute: async (text, params) => (await begun(open)).execute(text, params),
      executeMany: async (text, rows) => (await begun(open)).executeMany(text, rows),
    };
    return open;
  };

  const savepoint = async <T>(outer: Open, work: (tx: Queryable) => Promise<T>): Promise<T> => {
    await begun(outer);
    const raw = outer.raw as pg.PoolClient;
    const name = `nested_${++outer.savepoints}`;
    const mark = outer.committed.length;
    await raw.query(`SAVEPOINT ${name}`);
    try {
      const result = await work(outer.tx);
      await raw.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await raw.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      // What the savepoint's work asked for after commit goes with it.
      outer.committed.length = mark;
      throw rewrap(error, display);
    }
  };

  /** A transaction of its own: its connection taken now, or at its first write (`fromFirstWrite`). */
  const ownTransaction = async <T>(work: (tx: Queryable) => Promise<T>, fromFirstWrite: boolean): Promise<T> => {
    const open = newOpen();
    let broken = false;
    try {
      if (!fromFirstWrite) await begun(open);
      const result = await current.run(open, () => work(open.tx));
      if (open.beginning) await open.beginning;
      if (open.raw) await open.raw.query('COMMIT');
      for (const after of open.committed.splice(0)) {
        try {
          after();
        } catch (error) {
          // Its own bug: the commit stands.
          options.onAfterCommitFailed?.(error);
        }
      }
      return result;
    } catch (error) {
      await open.beginning?.catch(() => undefined);
      if (open.raw) {
        await open.raw.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw rewrap(error, display);
    } finally {
      open.open = false;
      // A connection whose rollback failed is not given to the next caller.
      open.raw?.release(broken);
      open.end();
    }
  };

  const transaction = <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    const outer = joined();
    return outer ? savepoint(outer, work) : ownTransaction(work, false);
  };

  return {
    dialect: 'postgres',
    all: (query, map) => here().all(query, map),
    get: (query, map) => here().get(query, map),
    run: (query) => here().run(query),
    execute: (text, params) => here().execute(text, params),
    // All or none of the rows, as on SQLite.
    executeMany: (text, rows) => (joined() ? here().executeMany(text, rows) : ownTransaction((tx) => tx.executeMany(text, rows), false)),
    lookup: (text, params, map) => here().lookup(text, params, map),
    transaction,
    transactionFromFirstWrite: <T>(work: () => Promise<T>): Promise<T> => {
      const outer = joined();
      return outer ? savepoint(outer, work) : ownTransaction(work, true);
    },
    next<T>(work: () => T | Promise<T>): Promise<T> {
      const ended = joined()?.ended;
      // After the caller's transaction, in one of its own: PostgreSQL has no queue of writers to go ahead of.
      return current.exit(() => {
        const run = () => ownTransaction(async () => work(), false);
        return ended ? ended.then(run) : run();
      });
    },
    afterCommit(after: () => void): void {
      const open = joined();
      if (open) open.committed.push(after);
      else after();
    },
    detached<T>(work: () => Promise<T>): Promise<T> {
      const ended = joined()?.ended;
      // Outside the caller's transaction: its statements go to the pool, after that transaction has ended.
      return current.exit(() => (ended ? ended.then(work) : work()));
    },
    async snapshot<T>(work: (reads: Queryable) => Promise<T>): Promise<T> {
      const client = await connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return await work(queryable(client, display));
      } catch (error) {
        throw rewrap(error, display);
      } finally {
        await client.query('COMMIT').catch(() => undefined);
        client.release();
      }
    },
    outsideChangeMark: () => (changes ??= new ChangeFeed(pool.options, display)).mark(),
    async ping(): Promise<void> {
      await direct.lookup('SELECT 1 AS one', [], () => 1);
    },
    close: async () => {
      // Every live AsyncLocalStorage is asked about each new promise: a closed engine's must go.
      current.disable();
      await changes?.close();
      await pool.end();
    },
  };
}
