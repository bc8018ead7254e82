/**
 * Test support for suites that drive a real core: a throwaway data dir with a core over it,
 * a session sink that records what a transport would hold, answers unwrapped as success or
 * failure, and an owner signed in the way a window or a browser would be.
 *
 * Only tests import this module; nothing in the product does.
 */
import { accessSync, chmodSync, constants, copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { AppErrorShape } from '@shared/api/errors';
import type { Principal } from '@shared/permissions';
import type { CallResult } from '../api/router';
import { createCore, type Core, type CoreOptions } from '../app';
import type { Argon2Cost } from '../auth/passwords';
import type { SessionSink } from '../auth/signin';
import type { Dialect } from '../db/engine';
import { openDatabase } from '../db/open';
import { silentLogger } from '../logging/logger';
import { dataPaths } from '../paths';
import { migratedTemplate, sharedPostgres, usePostgres } from './engines';
import { dropDatabasesOn, type PostgresServer } from './postgres';

/** The origin a local window or browser calls from. */
export const LOCAL_ORIGIN = 'http:127.0.0.1';

/** A vault scrypt cost cheap enough for tests (the product's default takes seconds per key). */
export const CHEAP_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

/**
 * An argon2id cost cheap enough for tests: the smallest the library takes (8 KiB per lane), one
 * pass. What ships (DEFAULT_ARGON2, about 50 ms a hash here) is proven by passwords.test.ts and,
 * in the built CLI, by main/headless/shipped-costs.test.ts.
 */
export const CHEAP_ARGON2: Argon2Cost = { memoryCost: 8, timeCost: 1, parallelism: 1 };

/** The costs every test core gets unless its test gives others: tests of the costs themselves pass the product's. */
export const CHEAP_COSTS = { vaultScryptCost: CHEAP_SCRYPT, passwordCost: CHEAP_ARGON2 } as const;

// ---------------------------------------------------------------------------------------------
// Answers

/** The error of a failed call; throws (failing the test) if the call succeeded. */
export function failure(result: CallResult): AppErrorShape {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** The value of a successful call, as `T`; throws (failing the test) with the error if it failed. */
export function success<T = unknown>(result: CallResult): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error)}`);
  return result.value as T;
}

/**
 * A picker of the named fields of an error, for comparing what a caller sees of two answers
 * (the correlation id is unique per call, and some messages name what was asked for):
 * `const visible = visibleParts('code', 'hint'); expect(visible(a)).toEqual(visible(b));`
 */
export function visibleParts<K extends keyof AppErrorShape>(...keys: K[]): (error: AppErrorShape) => Pick<AppErrorShape, K> {
  return (error) => Object.fromEntries(keys.map((key) => [key, error[key]])) as Pick<AppErrorShape, K>;
}

// ---------------------------------------------------------------------------------------------
// Sessions

/** A session sink as a transport holds one: the current token, its expiry, and how often it was cleared. */
export class RecordingSink implements SessionSink {
  token: string | undefined;
  expiresAt: number | undefined;
  cleared = 0;

  establish(token: string, expiresAt: number): void {
    this.token = token;
    this.expiresAt = expiresAt;
  }

  clear(): void {
    this.cleared += 1;
    this.token = undefined;
  }
}

export interface Credentials {
  username: string;
  password: string;
}

export interface SignInOptions {
  /** `auth.login` (the default) or `auth.setup` for the first owner. */
  method?: 'auth.login' | 'auth.setup';
  /** Where the call comes from; {@link LOCAL_ORIGIN} unless given. */
  origin?: string;
  userAgent?: string;
  /** The sink the session goes to; a new {@link RecordingSink} unless given. */
  sink?: RecordingSink;
}

/**
 * Calls `auth.login` (or `auth.setup`) anonymously, as a fresh tab would, and returns the answer
 * and the sink, whatever the answer: for tests of refused sign-ins.
 */
export async function attemptSignIn(
  core: Core,
  input: Credentials & { code?: string },
  { method = 'auth.login', origin = LOCAL_ORIGIN, userAgent, sink = new RecordingSink() }: SignInOptions = {},
): Promise<{ result: CallResult; sink: RecordingSink }> {
  const result = await core.router.call(null, method, input, { origin, session: sink, userAgent });
  return { result, sink };
}

/** Signs in (or sets up the first owner), which must succeed; the principal of the new session and its sink. */
export async function signIn(core: Core, credentials: Credentials, options: SignInOptions = {}): Promise<{ principal: Principal; sink: RecordingSink }> {
  const method = options.method ?? 'auth.login';
  const { result, sink } = await attemptSignIn(core, credentials, options);
  success(result);
  const principal = (await core.signIn.authenticate(sink.token ?? ''))?.principal;
  if (!principal) throw new Error(`no session after ${method}`);
  return { principal, sink };
}

/** Creates the first owner through `auth.setup`, signed in: the principal of its session and the sink holding it. */
export function setupOwner(core: Core, credentials: Credentials, options: Omit<SignInOptions, 'method'> = {}) {
  return signIn(core, credentials, { ...options, method: 'auth.setup' });
}

// ---------------------------------------------------------------------------------------------
// A core over a throwaway data dir

/**
 * The engine a test core runs on when its suite names none: SQLite, or PostgreSQL when the run
 * asks with GUARDIAN_TEST_ENGINE=postgres (the Vitest project that runs every suite of a core on
 * PostgreSQL too: vitest.config.ts, docs/architecture.md §11).
 */
export const DEFAULT_TEST_ENGINE: Dialect = process.env.GUARDIAN_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** True when this run's test cores are on PostgreSQL: a test of SQLite's own file skips itself with it, saying why. */
export const ON_POSTGRES = DEFAULT_TEST_ENGINE === 'postgres';

/** What a test core is opened with: anything createCore takes but the data dir; headless, silent and with {@link CHEAP_COSTS} unless said. */
export type TestCoreOptions = Partial<Omit<CoreOptions, 'dataDir'>>;

export interface TempCoreOptions extends TestCoreOptions {
  /** Prefix of the temporary data dir's name, to tell the suites' dirs apart. */
  prefix?: string;
  /**
   * The engine the core runs on: SQLite in the data dir (the default) or a fresh, migrated
   * PostgreSQL database of its own (docs/architecture.md §4), made on {@link postgresServer}
   * or else on the run's shared server. Unnamed, {@link DEFAULT_TEST_ENGINE}.
   */
  engine?: Dialect;
  /** The PostgreSQL server the core's database is made on (a file's own server, which it may stop); read when a core starts. */
  postgresServer?: () => PostgresServer;
}

/** A data dir of its own and the core open over it (if any). */
export interface TempCore {
  /** The data dir the next core opens over. */
  readonly dataDir: string;
  /** The core open now; throws if none is. */
  readonly core: Core;
  /** Opens a core over the data dir with the defaults and `overrides`; it becomes {@link core}. */
  start(overrides?: TestCoreOptions): Promise<Core>;
  /** Closes the open core, if any, and opens another over the same data dir. */
  restart(overrides?: TestCoreOptions): Promise<Core>;
  /** Closes the open core, if any, keeping the data dir. */
  stop(): Promise<void>;
  /** Moves to a new, empty data dir for the next {@link start}; the old one is removed with the rest at {@link close}. */
  switchToNewDataDir(): string;
  /**
   * Makes the next {@link start} open a copy of what `source` holds (its core stopped): its data
   * dir's files copied into this one and, on PostgreSQL, a new database copied from its database
   * (dropped at {@link close}). How a file plants once what many tests start from.
   */
  seedFrom(source: TempCore): Promise<void>;
  /** Closes the open core and removes every data dir it used. */
  close(): Promise<void>;
  /** The connection string of the PostgreSQL database the core runs on (kept across restarts, new with a new data dir); null on SQLite. */
  readonly databaseUrl: string | null;
}

/**
 * Where test data dirs go: memory (/dev/shm) where the machine has it, else the temp dir. What
 * a test proves of a core does not depend on the disk, and SQLite's syncs (switching a new file
 * to WAL, the checkpoint on close) took a third of opening and closing a test core on a disk.
 */
function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** This process's migrated, empty database (see {@link ScratchCore.start}); removed when the process exits. */
let template: string | undefined;
function migratedSqliteTemplate(): string {
  if (template && existsSync(template)) return template;
  const dir = mkdtempSync(join(scratchRoot(), 'guardian-template-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const paths = dataPaths(dir);
  openDatabase({ file: paths.database, backupsDir: paths.backups, logger: silentLogger(), now: Date.now }).close();
  template = paths.database;
  return template;
}

class ScratchCore implements TempCore {
  private readonly dirs: string[] = [];
  private current: Core | undefined;
  private postgresTemplate: Promise<string> | undefined;
  private sharedServer: Promise<PostgresServer> | undefined;
  /** The databases made on the run's server, dropped at {@link close}. */
  private readonly databases: string[] = [];
  /** The databases copied by {@link seedFrom}, one per test in the files using it: dropped at {@link close}, on the server they are on. */
  private readonly seeded: { server: PostgresServer; url: string }[] = [];
  dataDir: string;
  databaseUrl: string | null = null;

  constructor(private readonly options: TempCoreOptions) {
    this.dataDir = this.switchToNewDataDir();
  }

  get core(): Core {
    if (!this.current) throw new Error('no core is open: call start() first');
    return this.current;
  }

  async start(overrides: TestCoreOptions = {}): Promise<Core> {
    const { prefix: _prefix, engine = DEFAULT_TEST_ENGINE, postgresServer, ...defaults } = this.options;
    let onDatabase: Pick<CoreOptions, 'database'> = {};
    if (engine === 'postgres') {
      // A database of its own, copied from one migrated once per server (as useEngines makes them).
      const server = await this.databaseServer();
      this.postgresTemplate ??= migratedTemplate(server);
      if (!this.databaseUrl) {
        this.databaseUrl = await server.createDatabase(await this.postgresTemplate);
        if (!postgresServer) this.databases.push(this.databaseUrl);
      }
      onDatabase = { database: { url: this.databaseUrl, source: 'environment' } };
    } else {
      // A new data dir starts from a copy of a database migrated once per process: running every
      // migration again cost most of a test core's start. A file a test put there is left as it is.
      const { database } = dataPaths(this.dataDir);
      if (!existsSync(database)) {
        copyFileSync(migratedSqliteTemplate(), database);
        chmodSync(database, 0o600);
      }
    }
    this.current = await createCore({
      dataDir: this.dataDir,
      logger: silentLogger(),
      mode: 'headless',
      ...CHEAP_COSTS,
      ...onDatabase,
      ...defaults,
      ...overrides,
    });
    return this.current;
  }

  async restart(overrides: TestCoreOptions = {}): Promise<Core> {
    await this.stop();
    return this.start(overrides);
  }

  async stop(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  async seedFrom(source: TempCore): Promise<void> {
    cpSync(source.dataDir, this.dataDir, { recursive: true });
    if ((this.options.engine ?? DEFAULT_TEST_ENGINE) !== 'postgres') return;
    if (!source.databaseUrl) throw new Error('seedFrom: the source has no PostgreSQL database to copy (start and stop its core first)');
    const server = await this.databaseServer();
    this.databaseUrl = await server.createDatabase(new URL(source.databaseUrl).pathname.slice(1));
    this.seeded.push({ server, url: this.databaseUrl });
  }

  /** The server this core's PostgreSQL databases are made on. */
  private async databaseServer(): Promise<PostgresServer> {
    return this.options.postgresServer ? this.options.postgresServer() : this.runServer();
  }

  /** The run's shared PostgreSQL server, for a core made outside {@link useTempCore} (which registers the file's own hooks). */
  private async runServer(): Promise<PostgresServer> {
    this.sharedServer ??= sharedPostgres().then((server) => {
      if (!server) throw new Error('a test core on PostgreSQL needs a server: run under vitest.config.ts (its globalSetup starts one) or pass postgresServer');
      return server;
    });
    return this.sharedServer;
  }

  switchToNewDataDir(): string {
    this.dataDir = mkdtempSync(join(scratchRoot(), this.options.prefix ?? 'guardian-test-'));
    this.dirs.push(this.dataDir);
    this.databaseUrl = null;
    return this.dataDir;
  }

  async close(): Promise<void> {
    await this.stop();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    const databases = this.databases.splice(0);
    if (databases.length > 0 && this.sharedServer) await dropDatabasesOn(await this.sharedServer, databases);
    for (const { server, url } of this.seeded.splice(0)) await dropDatabasesOn(server, [url]);
  }
}

/** A new data dir with a core open over it; the caller closes it. */
export async function tempCore(options: TempCoreOptions = {}): Promise<TempCore> {
  const temp = new ScratchCore(options);
  await temp.start();
  return temp;
}

export interface UseTempCoreOptions extends TempCoreOptions {
  /** A fresh core for each test (the default), or one for the whole file. */
  scope?: 'each' | 'all';
  /** Leave opening the core to the test ({@link TempCore.start}), with options of its own. */
  lazy?: boolean;
}

/**
 * Registers hooks that give each test (or, with `scope: 'all'`, the file) a new data dir and,
 * unless `lazy`, a core open over it; afterwards the core is closed and the dir removed. The
 * answer always speaks for the current test's core. Hooks a file registers after this call run
 * after the core is open (and, on the way out, before it is closed).
 */
export function useTempCore(options: UseTempCoreOptions = {}): TempCore {
  const { scope = 'each', lazy = false, ...rest } = options;
  // On PostgreSQL without a server of the file's own, the run's shared one (its databases dropped after the file).
  const shared = (rest.engine ?? DEFAULT_TEST_ENGINE) === 'postgres' && !rest.postgresServer ? usePostgres() : undefined;
  const coreOptions: TempCoreOptions = shared ? { ...rest, postgresServer: () => shared.server } : rest;
  let temp: ScratchCore | undefined;
  const live = (): ScratchCore => {
    if (!temp) throw new Error('useTempCore: there is no data dir outside a test');
    return temp;
  };
  const [before, after] = scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach];
  before(async () => {
    temp = new ScratchCore(coreOptions);
    if (!lazy) await temp.start();
  });
  after(async () => {
    await temp?.close();
    temp = undefined;
  });
  return {
    get dataDir() {
      return live().dataDir;
    },
    get core() {
      return live().core;
    },
    get databaseUrl() {
      return live().databaseUrl;
    },
    start: (overrides) => live().start(overrides),
    restart: (overrides) => live().restart(overrides),
    stop: () => live().stop(),
    switchToNewDataDir: () => live().switchToNewDataDir(),
    seedFrom: (source) => live().seedFrom(source),
    close: () => live().close(),
  };
}
