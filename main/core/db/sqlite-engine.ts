import Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type { AsyncDatabase, Queryable, Row } from './engine';

/**
 * The async data layer on SQLite (docs/architecture.md §4): two connections to one WAL file. The
 * writer runs every transaction and every write, one at a time behind an async lock, so an await
 * inside a transaction cannot let another writer's statements into it. The reader answers reads
 * outside a transaction at once, from the last committed state.
 */

const dialect = new SQLiteSyncDialect();

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; a flag becomes 0 or 1. */
function bindable(value: unknown): unknown {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

function render(query: SQL): { sql: string; params: unknown[] } {
  const { sql, params } = dialect.sqlToQuery(query);
  return { sql, params: params.map(bindable) };
}

function queryable(connection: Database.Database): Queryable {
  const statement = (query: SQL) => {
    const { sql, params } = render(query);
    return { prepared: connection.prepare(sql), params };
  };
  return {
    dialect: 'sqlite',
    async all<T>(query: SQL, map: (row: Row) => T): Promise<T[]> {
      const { prepared, params } = statement(query);
      return (prepared.all(...params) as Row[]).map(map);
    },
    async get<T>(query: SQL, map: (row: Row) => T): Promise<T | undefined> {
      const { prepared, params } = statement(query);
      const row = prepared.get(...params) as Row | undefined;
      return row === undefined ? undefined : map(row);
    },
    async run(query: SQL): Promise<{ changes: number }> {
      const { prepared, params } = statement(query);
      return { changes: prepared.run(...params).changes };
    },
  };
}

/** A FIFO async lock: `hold(work)` runs work once every earlier holder is done. */
class TurnLock {
  private tail: Promise<void> = Promise.resolve();

  hold<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(work);
    this.tail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }
}

/** Opens the async layer on a SQLite file that already has its schema (openDatabase migrates it). */
export function openSqliteEngine(file: string): AsyncDatabase {
  const writer = new Database(file, { fileMustExist: true });
  const reader = new Database(file, { fileMustExist: true, readonly: true });
  for (const connection of [writer, reader]) connection.pragma('busy_timeout = 5000');
  writer.pragma('foreign_keys = ON');
  const writes = queryable(writer);
  const reads = queryable(reader);
  const lock = new TurnLock();

  return {
    dialect: 'sqlite',
    all: (query, map) => reads.all(query, map),
    get: (query, map) => reads.get(query, map),
    run: (query) => lock.hold(() => writes.run(query)),
    transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      return lock.hold(async () => {
        writer.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(writes);
          writer.exec('COMMIT');
          return result;
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
      });
    },
    async snapshot<T>(work: (reads: Queryable) => Promise<T>): Promise<T> {
      // A connection of its own: the shared reader must keep seeing the latest commits. In WAL mode
      // a read transaction's first statement fixes what it sees until it ends.
      const connection = new Database(file, { fileMustExist: true, readonly: true });
      try {
        connection.exec('BEGIN');
        return await work(queryable(connection));
      } finally {
        if (connection.inTransaction) connection.exec('COMMIT');
        connection.close();
      }
    },
    async close(): Promise<void> {
      await lock.hold(async () => undefined);
      reader.close();
      writer.close();
    },
  };
}
