import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { AppError } from '@shared/api/errors';
import type { AsyncDatabase, Queryable, Row } from './engine';
import { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer';

/**
 * The async data layer on SQLite (docs/architecture.md §4): two connections to one WAL file. The
 * writer runs every transaction and every write, one at a time behind an async lock, so an await
 * inside a transaction cannot let another writer's statements into it. The reader answers reads
 * outside a transaction at once, from the last committed state.
 *
 * Whose turn it is travels with the work (AsyncLocalStorage): a store called anywhere inside
 * `transaction(…)` (the router's, say) joins that transaction without being handed it, and a
 * nested `transaction` becomes a savepoint. Work that outlives its transaction (a job started by an
 * audited call) finds the turn over and waits for a turn of its own.
 *
 * A write made on the writer connection directly (a test planting rows through it) while another
 * turn holds the lock would land inside somebody else's transaction: the connection refuses it
 * under GUARDIAN_STRICT_WRITES=1 (the tests) and logs it otherwise.
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

/** Prepared statements kept per connection: a store's query text is fixed, only its parameters change. */
const STATEMENTS_KEPT = 500;

/** A prepared statement, and for one that returns rows the names of its columns. */
interface Kept {
  statement: Database.Statement;
  columns: string[] | null;
}

/**
 * Rows come from SQLite as arrays (`raw`) and become objects here, by the statement's column
 * names: better-sqlite3 building each row's object itself costs a third more (20 servers of 10
 * columns: 63 µs against 48), and every listing and request reads rows.
 */
function rowOf(columns: readonly string[], values: readonly unknown[]): Row {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i] as string] = values[i];
  return row;
}

function queryable(connection: Database.Database): Queryable {
  const prepared = new Map<string, Kept>();
  const kept = (sql: string): Kept => {
    let found = prepared.get(sql);
    if (!found) {
      const statement = connection.prepare(sql);
      const columns = statement.reader ? statement.columns().map((column) => column.name) : null;
      if (columns) statement.raw(true);
      found = { statement, columns };
      // The oldest goes first: Map keeps insertion order.
      if (prepared.size >= STATEMENTS_KEPT) prepared.delete(prepared.keys().next().value as string);
      prepared.set(sql, found);
    }
    return found;
  };
  /** The column names of a statement that returns rows; reading with one that returns none is a bug. */
  const columnsOf = ({ statement, columns }: Kept): string[] => {
    if (columns) return columns;
    throw new AppError('INTERNAL', `A read was asked of a statement that returns no rows (${statement.source.slice(0, 80)}).`, {
      hint: 'This is a bug in Guardian: report it with the log file.',
      retryable: false,
    });
  };
  const rows = <T>(found: Kept, params: readonly unknown[], map: (row: Row) => T): T[] => {
    const columns = columnsOf(found);
    return (found.statement.all(...params) as unknown[][]).map((values) => map(rowOf(columns, values)));
  };
  const first = <T>(found: Kept, params: readonly unknown[], map: (row: Row) => T): T | undefined => {
    const columns = columnsOf(found);
    const values = found.statement.get(...params) as unknown[] | undefined;
    return values === undefined ? undefined : map(rowOf(columns, values));
  };
  return {
    dialect: 'sqlite',
    async all<T>(query: SQL, map: (row: Row) => T): Promise<T[]> {
      const { sql, params } = render(query);
      return rows(kept(sql), params, map);
    },
    async get<T>(query: SQL, map: (row: Row) => T): Promise<T | undefined> {
      const { sql, params } = render(query);
      return first(kept(sql), params, map);
    },
    async run(query: SQL): Promise<{ changes: number }> {
      const { sql, params } = render(query);
      return { changes: kept(sql).statement.run(...params).changes };
    },
    async execute(text: string, params: readonly unknown[]): Promise<{ changes: number }> {
      return { changes: kept(text).statement.run(...params.map(bindable)).changes };
    },
    async executeMany(text: string, rows: readonly (readonly unknown[])[]): Promise<void> {
      const { statement } = kept(text);
      for (let i = 0; i < rows.length; i++) {
        // The turn stays held meanwhile: other writers wait, readers and the network go on.
        if (i > 0 && i % SLICE_ROWS === 0) await new Promise((resolve) => setImmediate(resolve));
        statement.run(...(rows[i] ?? []).map(bindable));
      }
    },
    async lookup<T>(text: string, params: readonly unknown[], map: (row: Row) => T): Promise<T | undefined> {
      return first(kept(text), params.map(bindable), map);
    },
  };
}

/**
 * One writer's turn at the connection. `pending`: a transaction that begins at its first write
 * (it holds nothing until then); `open`: it holds the lock and its BEGIN has run; `over`: done.
 */
interface Turn {
  state: 'waiting' | 'pending' | 'open' | 'over';
  /** Savepoints opened inside it so far, for unique names. */
  savepoints: number;
  /** While a pending turn waits for the lock. */
  opening: Promise<void> | null;
  /** Resolves once the turn is over (committed or rolled back): what `detached` work waits for. */
  ended: Promise<void>;
  end: () => void;
  /** What runs once it has committed (afterCommit), in order; dropped when it rolls back. */
  committed: (() => void)[];
}

function newTurn(state: 'waiting' | 'pending'): Turn {
  let end = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { state, savepoints: 0, opening: null, ended, end, committed: [] };
}

/** Marks `turn` over and lets the work waiting for its end go. */
function over(turn: Turn): void {
  turn.state = 'over';
  turn.end();
}

/** A FIFO lock that knows whose turn it is, and lets a turn go ahead of those already waiting. */
class TurnLock {
  holder: Turn | null = null;
  private readonly queue: (() => void)[] = [];
  private readonly front: (() => void)[] = [];

  /** Calls `start` (synchronously) once `turn` holds the lock: at once when it is free. */
  acquire(turn: Turn, start: () => void, ahead = false): void {
    const take = () => {
      this.holder = turn;
      start();
    };
    // Free means nobody waits either: release hands the lock straight to the next in line.
    if (this.holder === null) take();
    else (ahead ? this.front : this.queue).push(take);
  }

  /** Takes the lock now if it is free. */
  tryAcquire(turn: Turn): boolean {
    if (this.holder !== null) return false;
    this.holder = turn;
    return true;
  }

  private handingOn = false;

  /**
   * Hands the lock to the next in line. A synchronous turn runs to its end inside its start and
   * releases again: those are run one after another here, not by recursion.
   */
  release(): void {
    this.holder = null;
    if (this.handingOn) return;
    this.handingOn = true;
    try {
      while (this.holder === null) {
        const next = this.front.shift() ?? this.queue.shift();
        if (!next) break;
        next();
      }
    } finally {
      this.handingOn = false;
    }
  }
}

/** The async layer on SQLite. */
export interface SqliteDatabase extends AsyncDatabase {
  readonly dialect: 'sqlite';
}

/** Rows `executeMany` writes between two turns of the event loop: about half a millisecond of SQLite's work. */
const SLICE_ROWS = 256;

export interface SqliteEngineOptions {
  /** Told about a write that ran while another turn held the lock (when not refused outright). */
  onStrayWrite?: (sql: string) => void;
  /** Told about work run after a commit (afterCommit) that threw. */
  onAfterCommitFailed?: (error: unknown) => void;
  /** Refuse such a write instead of letting it join another turn's transaction (GUARDIAN_STRICT_WRITES=1 by default). */
  strict?: boolean;
  /** How the write-ahead log is checkpointed off the event loop (wal-checkpointer.ts). */
  checkpoint?: WalCheckpointerOptions;
}

function strayWrite(sql: string): AppError {
  return new AppError('INTERNAL', `A write ran while another writer held the database (${sql.slice(0, 80)}).`, {
    hint: 'This is a bug in Guardian: report it with the log file.',
    retryable: false,
  });
}

/** Makes the connection check each write before it runs (`allowed` says whether it may). */
function guardWrites(connection: Database.Database, allowed: (sql: string) => void): void {
  const prepare = connection.prepare.bind(connection);
  connection.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.readonly) return statement;
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = statement[method].bind(statement) as (...params: unknown[]) => unknown;
      Object.defineProperty(statement, method, {
        value: (...params: unknown[]) => {
          allowed(source);
          return original(...params);
        },
      });
    }
    return statement;
  }) as typeof connection.prepare;
  const exec = connection.exec.bind(connection);
  connection.exec = ((source: string) => {
    allowed(source);
    return exec(source);
  }) as typeof connection.exec;
}

/**
 * The async layer over `writer`, a connection to `file` that already has its schema
 * (openDatabase opens and migrates it). Closing the layer closes its reader; the writer's owner
 * closes the writer (`closeWriter` hands it over).
 */
export function sqliteEngine(writer: Database.Database, file: string, options: SqliteEngineOptions & { closeWriter?: boolean } = {}): SqliteDatabase {
  const reader = new Database(file, { fileMustExist: true, readonly: true });
  reader.pragma('busy_timeout = 5000');
  const checkpointer = new WalCheckpointer(file, writer, options.checkpoint);
  const lock = new TurnLock();
  const turns = new AsyncLocalStorage<Turn>();
  const strict = options.strict ?? process.env.GUARDIAN_STRICT_WRITES === '1';
  // The engine's own BEGIN, COMMIT and ROLLBACK, past the guard: it runs them only in its own turn.
  const prepareControl = writer.prepare.bind(writer);
  const controls = new Map<string, Database.Statement>();
  const control = (statement: string) => {
    let kept = controls.get(statement);
    if (!kept) {
      kept = prepareControl(statement);
      controls.set(statement, kept);
    }
    kept.run();
  };
  /** Begins `turn`'s transaction once it holds the lock; when BEGIN fails (another process holds the file), the lock goes to the next. */
  const begin = (turn: Turn) => {
    try {
      control('BEGIN IMMEDIATE');
    } catch (error) {
      over(turn);
      lock.release();
      throw error;
    }
    turn.state = 'open';
  };
  guardWrites(writer, (sql) => {
    const current = turns.getStore();
    if (current !== undefined && lock.holder === current && current.state === 'open') return;
    // The first write of a transaction that begins there, written synchronously: it begins now if nobody holds the lock.
    if (current?.state === 'pending' && lock.tryAcquire(current)) return begin(current);
    // No turn is held: a write of its own, as it always was.
    if (lock.holder === null) return;
    if (strict) throw strayWrite(sql);
    options.onStrayWrite?.(sql);
  });
  const writes = queryable(writer);
  const reads = queryable(reader);

  /** The open turn this work belongs to, opening it first when it begins at its first write; undefined when there is none. */
  const ownTurn = async (): Promise<Turn | undefined> => {
    const turn = turns.getStore();
    if (turn?.state === 'pending') {
      turn.opening ??= new Promise<void>((resolve, reject) =>
        lock.acquire(turn, () => {
          if (turn.state !== 'pending') {
            lock.release(); // it ended while waiting
            resolve();
            return;
          }
          try {
            begin(turn);
            resolve();
          } catch (error) {
            reject(error);
          }
        }),
      );
      await turn.opening;
    }
    return turn?.state === 'open' ? turn : undefined;
  };
  const openTurn = (): Turn | undefined => {
    const turn = turns.getStore();
    return turn?.state === 'open' ? turn : undefined;
  };

  /** Takes the lock for `turn` (`ahead` of those waiting when asked) and begins its transaction, then `started`; a BEGIN that fails is `failed`. */
  const beginTurn = (turn: Turn, failed: (error: unknown) => void, started: () => void, ahead = false) =>
    lock.acquire(
      turn,
      () => {
        try {
          begin(turn);
        } catch (error) {
          failed(error);
          return;
        }
        started();
      },
      ahead,
    );

  /** Runs what `turn`'s work asked to run once it committed; one that throws is reported, not thrown. */
  const runCommitted = (turn: Turn) => {
    for (const after of turn.committed.splice(0)) {
      try {
        after();
      } catch (error) {
        options.onAfterCommitFailed?.(error);
      }
    }
  };

  /** Runs `work` as a turn of its own: a transaction from the start, or from its first write. */
  const ownTransaction = <T>(work: () => Promise<T>, how: { fromFirstWrite?: boolean; ahead?: boolean } = {}): Promise<T> => {
    const turn = newTurn(how.fromFirstWrite ? 'pending' : 'waiting');
    const run = () =>
      turns.run(turn, async () => {
        try {
          const result = await work();
          if (turn.state === 'open') control('COMMIT');
          // Over before they run: writes they start take a turn of their own, never the committed one's.
          over(turn);
          // Before the lock is handed on: the next writer already sees what these keep in memory.
          runCommitted(turn);
          return result;
        } catch (error) {
          if (turn.state === 'open' && writer.inTransaction) control('ROLLBACK');
          throw error;
        } finally {
          const held = lock.holder === turn;
          over(turn);
          if (held) lock.release();
        }
      });
    if (how.fromFirstWrite) return run();
    // Its work starts the moment it has the lock: no other code runs while it holds the lock idle.
    return new Promise<T>((resolve, reject) => beginTurn(turn, reject, () => void run().then(resolve, reject), how.ahead));
  };

  const savepoint = <T>(turn: Turn, work: () => Promise<T>): Promise<T> => {
    // A transaction inside a transaction: a savepoint, so its failure undoes only its own work.
    const name = `nested_${++turn.savepoints}`;
    const mark = turn.committed.length;
    control(`SAVEPOINT ${name}`);
    return (async () => work())().then(
      (result) => {
        control(`RELEASE ${name}`);
        return result;
      },
      (error: unknown) => {
        control(`ROLLBACK TO ${name}`);
        control(`RELEASE ${name}`);
        // What the savepoint's work asked for after commit goes with it.
        turn.committed.length = mark;
        throw error;
      },
    );
  };

  const transaction = async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    const turn = await ownTurn();
    return turn ? savepoint(turn, () => work(writes)) : ownTransaction(() => work(writes));
  };

  return {
    dialect: 'sqlite',
    all: (query, map) => (openTurn() ? writes : reads).all(query, map),
    get: (query, map) => (openTurn() ? writes : reads).get(query, map),
    run: async (query) => ((await ownTurn()) ? writes.run(query) : ownTransaction(() => writes.run(query))),
    execute: async (text, params) => ((await ownTurn()) ? writes.execute(text, params) : ownTransaction(() => writes.execute(text, params))),
    executeMany: async (text, rows) => ((await ownTurn()) ? writes.executeMany(text, rows) : ownTransaction(() => writes.executeMany(text, rows))),
    lookup: (text, params, map) => (openTurn() ? writes : reads).lookup(text, params, map),
    transaction,
    transactionFromFirstWrite: (work) => ownTransaction(work, { fromFirstWrite: true }),
    next: <T>(work: () => T | Promise<T>) => ownTransaction(async () => work(), { ahead: true }),
    afterCommit(after: () => void): void {
      const turn = turns.getStore();
      if (turn && turn.state !== 'over') turn.committed.push(after);
      else after();
    },
    detached<T>(work: () => Promise<T>): Promise<T> {
      const turn = turns.getStore();
      const ended = turn && turn.state !== 'over' ? turn.ended : undefined;
      // Outside every turn: its statements take turns of their own, after the caller's has ended.
      return turns.exit(() => (ended ? ended.then(work) : work()));
    },
    // A connection of its own: the shared reader must keep seeing the latest commits.
    snapshot: (work) => readSnapshot(file, work),
    async outsideChangeMark(): Promise<number> {
      return writer.pragma('data_version', { simple: true }) as number;
    },
    async ping(): Promise<void> {
      await reads.lookup('SELECT 1 AS one', [], () => 1);
    },
    async close(): Promise<void> {
      await ownTransaction(async () => undefined);
      // Every live AsyncLocalStorage is asked about each new promise: a closed engine's must go.
      turns.disable();
      await checkpointer.close();
      reader.close();
      if (options.closeWriter) writer.close();
    },
  };
}

/**
 * Runs `work`'s reads on one consistent snapshot of `file`, through a read-only connection of its
 * own (a report's worker thread): in WAL mode a read transaction's first statement fixes what it
 * sees until it ends. A file that cannot be opened throws before `work` runs.
 */
export async function readSnapshot<T>(file: string, work: (reads: Queryable) => Promise<T>): Promise<T> {
  const connection = new Database(file, { fileMustExist: true, readonly: true });
  try {
    connection.pragma('busy_timeout = 5000');
    connection.exec('BEGIN');
    return await work(queryable(connection));
  } finally {
    if (connection.inTransaction) connection.exec('COMMIT');
    connection.close();
  }
}

/** Opens the async layer on a SQLite file that already has its schema, with a writer of its own (guardian db copy). */
export function openSqliteEngine(file: string): SqliteDatabase {
  const writer = new Database(file, { fileMustExist: true });
  writer.pragma('busy_timeout = 5000');
  writer.pragma('foreign_keys = ON');
  return sqliteEngine(writer, file, { closeWriter: true });
}
