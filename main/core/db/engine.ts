import type { SQL } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';

/**
 * The async data layer both engines share (docs/architecture.md §4). A store writes its SQL once, as a
 * drizzle `sql` template (values become parameters: `?` on SQLite, `$1` on PostgreSQL), and reads
 * rows through its own mapper, which turns each engine's raw values (SQLite's 0/1, PostgreSQL's
 * booleans; JSON as text from both) into the domain's types: no casts.
 *
 * `transaction(async (tx) => …)` holds on both engines: everything `tx` runs commits together, or
 * nothing does when the work throws, even after awaiting. On SQLite, writers take turns behind an
 * async lock, so an await inside one transaction never lets another request's statements in; reads
 * outside a transaction use a connection of their own and never wait for it, seeing only what
 * is committed. On PostgreSQL each transaction has a pooled connection of its own. `snapshot`
 * reads one consistent state across many statements (a copy of the whole database).
 */

export type Dialect = 'sqlite' | 'postgres';
/** One row as the driver returns it: column name → raw value. */
export type Row = Readonly<Record<string, unknown>>;

export interface Queryable {
  readonly dialect: Dialect;
  /** Every row, each through `map`. */
  all<T>(query: SQL, map: (row: Row) => T): Promise<T[]>;
  /** The first row through `map`, or undefined. */
  get<T>(query: SQL, map: (row: Row) => T): Promise<T | undefined>;
  /** A statement that returns no rows; how many rows it changed. */
  run(query: SQL): Promise<{ changes: number }>;
  /**
   * `run` for a hot path: the statement's text written once with `?` for each parameter (the
   * PostgreSQL engine numbers them), prepared once, then given only its values. Rendering a
   * template costs more than a small INSERT itself; write anything else as a template.
   */
  execute(text: string, params: readonly unknown[]): Promise<{ changes: number }>;
  /**
   * `execute` once for each row of values, in order: a health tick's hundreds of rows. On SQLite
   * the prepared statement runs row after row with no promise each, and the event loop is handed
   * back between slices of rows, so a big batch never stalls it; on PostgreSQL, where a batch is
   * better one `unnest` statement, it is `execute` per row.
   */
  executeMany(text: string, rows: readonly (readonly unknown[])[]): Promise<void>;
  /** `get` for a hot path (a request's credential), written as `execute` is: fixed text, `?` per parameter. */
  lookup<T>(text: string, params: readonly unknown[], map: (row: Row) => T): Promise<T | undefined>;
}

export interface AsyncDatabase extends Queryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Like `transaction`, but the transaction begins at `work`'s first write (reads before it see
   * what is committed), so slow work before it (hashing a password, waiting on the network) holds
   * no writer up on SQLite and no pooled connection on PostgreSQL. The router runs a handler that
   * asks for it this way (docs/architecture.md §4).
   */
  transactionFromFirstWrite<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` in a transaction of its own once the caller's has ended (at once when there is
   * none): for what a call that is about to fail must leave behind (its audit event, a failed
   * sign-in), which its own rollback would undo. On SQLite it goes ahead of the writers already
   * waiting. Never await it inside a transaction: it runs after it.
   */
  next<T>(work: () => T | Promise<T>): Promise<T>;
  /** Runs `work`'s reads on one consistent snapshot: what others commit meanwhile is not seen. Writes are refused. */
  snapshot<T>(work: (reads: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `work` outside the caller's transaction, once that transaction has ended (committed or
   * rolled back; at once when there is none): for background work started from inside a call (a
   * job), whose statements must not join the call's transaction and must see what it committed.
   * Each statement of `work` then takes a turn of its own. Never await it inside a transaction:
   * it waits for that transaction's end.
   */
  detached<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `after` once the caller's transaction has committed (at once when there is none), and
   * never when it rolls back: for what a store keeps in memory beside the database (a cache, a
   * count not yet written), which must not run ahead of what others can read. On SQLite it runs
   * before the next writer's turn begins.
   */
  afterCommit(after: () => void): void;
  /**
   * A number that moves once another process has committed a change this one may keep in memory:
   * on SQLite any commit by another connection (`data_version`); on PostgreSQL a change to the
   * tables the health engine holds, as their triggers tell it (postgres/change-feed.ts). This
   * process's own writes never move it. Throws when the database cannot be reached.
   */
  outsideChangeMark(): Promise<number>;
  /** Resolves when the database answers a trivial query now; throws DB_UNAVAILABLE (PostgreSQL) or the driver's error when it does not: /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Writes something nobody waits for (when a session was last seen, a key last used) outside the
 * caller's transaction, once it has ended; a failure goes to the stamper's `failed`, never to the caller.
 */
export type Stamp = (what: string, work: () => Promise<unknown>) => void;

/** A {@link Stamp} whose owner can wait for what it has written so far. */
export interface Stamper extends Stamp {
  /**
   * Resolves once every write stamped before the call has landed or failed: the core's close
   * awaits it, so a last-used time recorded just before a stop is written, not lost to a closed pool.
   */
  settled(): Promise<void>;
}

export function stamper(db: Pick<AsyncDatabase, 'detached'>, failed: (what: string, error: unknown) => void): Stamper {
  const inFlight = new Set<Promise<void>>();
  const stamp = (what: string, work: () => Promise<unknown>): void => {
    const write = db.detached(work).then(
      () => undefined,
      (error: unknown) => failed(what, error),
    );
    inFlight.add(write);
    void write.then(() => inFlight.delete(write));
  };
  return Object.assign(stamp, {
    settled: async () => {
      await Promise.all(inFlight);
    },
  });
}

/** Whether `error` is a unique index refusing a row, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * Awaits a write whose unique key was checked free before it: when another writer (a second
 * process, another node) took the key in between, the refusal is `conflict()`, the error the check
 * gives, not an internal error.
 */
export async function unlessTaken<T>(write: Promise<T>, conflict: () => Error): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}

/** A value a store passes as a parameter, the same on both engines: JSON columns get JSON text. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value);
}

function badRow(column: string, expected: string, value: unknown): AppError {
  return new AppError('INTERNAL', `The database returned ${typeof value} for ${column}, where ${expected} was expected.`, {
    hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
    retryable: false,
  });
}

/** Readers for a mapper: each checks the raw value's type, so a row that is not what the schema says fails loudly. */
export const read = {
  text(row: Row, column: string): string {
    const value = row[column];
    if (typeof value !== 'string') throw badRow(column, 'text', value);
    return value;
  },
  textOrNull(row: Row, column: string): string | null {
    const value = row[column];
    return value === null || value === undefined ? null : read.text(row, column);
  },
  number(row: Row, column: string): number {
    const value = row[column];
    if (typeof value === 'bigint') return Number(value);
    if (typeof value !== 'number') throw badRow(column, 'a number', value);
    return value;
  },
  numberOrNull(row: Row, column: string): number | null {
    const value = row[column];
    return value === null || value === undefined ? null : read.number(row, column);
  },
  /** SQLite stores a flag as 0 or 1, PostgreSQL as a boolean. */
  boolean(row: Row, column: string): boolean {
    const value = row[column];
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    throw badRow(column, 'a flag', value);
  },
  /** JSON arrives as text from both engines (the PostgreSQL pool leaves jsonb unparsed). */
  json(row: Row, column: string): unknown {
    const value = row[column];
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') throw badRow(column, 'JSON text', value);
    return JSON.parse(value) as unknown;
  },
  /** A blob (SQLite) or bytea (PostgreSQL) column, or null. */
  bytesOrNull(row: Row, column: string): Buffer | null {
    const value = row[column];
    if (value === null || value === undefined) return null;
    if (!Buffer.isBuffer(value)) throw badRow(column, 'bytes', value);
    return value;
  },
  /** A JSON column holding a list of strings. */
  strings(row: Row, column: string): string[] {
    const value = read.json(row, column);
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw badRow(column, 'a JSON list of strings', value);
    return value;
  },
};
