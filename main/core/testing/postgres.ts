/**
 * A real PostgreSQL server on 127.0.0.1 for tests of the PostgreSQL engine: Debian's `postgresql`
 * binaries, a cluster made by initdb in a temp folder, started by pg_ctl on a free port, with one
 * fresh database per caller. It stops cleanly (`fast`) or as if the machine lost power
 * (`immediate`), and starts again on the same port with its data, to prove what Guardian does when
 * its database goes away and comes back.
 *
 * A watchdog outlives whoever started the server: if that process dies without destroying it
 * (killed, crashed, Ctrl-C), the watchdog stops the server and deletes its folder, so no run leaves
 * a postgres behind. Most test files do not start one: they share the run's (./postgres-global-setup.ts).
 *
 * Only tests import this module; nothing in the product does.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from './free-port';

const POSTGRES_LIB = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin folder (Debian keeps each major version under /usr/lib/postgresql/<major>/bin), or null. */
function binDir(): string | null {
  if (!existsSync(POSTGRES_LIB)) return null;
  const majors = readdirSync(POSTGRES_LIB)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_LIB, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(POSTGRES_LIB, majors[0], 'bin') : null;
}

/**
 * The bin folder of PostgreSQL's server: installs Debian's `postgresql` when it is missing and we
 * are root with apt-get (as `.ci/run` does), else throws saying what to install.
 */
export function ensurePostgres(): string {
  const found = binDir();
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'ignore', env, timeout: 300_000 }).status === 0;
    if (install() || (spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 }).status === 0 && install())) {
      const installed = binDir();
      if (installed) return installed;
    }
  }
  throw new Error('these tests need a PostgreSQL server: install it with  sudo apt-get install -y postgresql');
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` account Debian's package creates. */
function asServerUser(command: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

function run(command: string, args: string[], timeout = 60_000): void {
  const [file, ...rest] = asServerUser(command, args) as [string, ...string[]];
  const result = spawnSync(file, rest, { encoding: 'utf8', timeout });
  if (result.status !== 0) throw new Error(`${command} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
}

/** {@link run} without blocking the event loop: the process owning the run's shared server answers workers while it starts. */
function runAsync(command: string, args: string[], timeout = 60_000): Promise<void> {
  const [file, ...rest] = asServerUser(command, args) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    execFile(file, rest, { encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed (${error.code ?? error.signal}): ${stderr || stdout}`));
      else resolve();
    });
  });
}

/**
 * Waits, detached (Ctrl-C's signal to the terminal's process group does not reach it), for its
 * stdin to close: a line first means the owner destroyed the server itself; end of file without one
 * means the owner died, so it stops the server as a crash would and deletes its folder. The kernel
 * closes the pipe however the owner ends, SIGKILL included.
 */
const WATCHDOG = 'if read -r _; then exit 0; fi; "$@" >/dev/null 2>&1; rm -rf -- "$GUARDIAN_PG_DIR"';

function watch(dir: string, stop: string[]): ChildProcess {
  const child = spawn('sh', ['-c', WATCHDOG, 'guardian-pg-watchdog', ...stop], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH, GUARDIAN_PG_DIR: dir },
  });
  // Neither keeps the owner alive: the owner ends when its work does, which is what the watchdog waits for.
  child.unref();
  child.stdin?.on('error', () => undefined);
  (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  return child;
}

/**
 * A new database on `server` (empty, or a copy of `template`), and its connection string. Its name
 * holds this process's id as well as random bytes: files in other workers create theirs on the same
 * server at the same time.
 */
export async function createDatabaseOn(server: Pick<PostgresServer, 'url'>, template?: string): Promise<string> {
  const name = `guardian_${process.pid.toString(16).padStart(8, '0')}${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`);
  return server.url(name);
}

/**
 * Drops the databases `urls` name on `server`, cutting off any connection still open to them (a
 * test's pool left open): a shared server keeps running after the file, its databases must not.
 */
export async function dropDatabasesOn(server: Pick<PostgresServer, 'url'>, urls: readonly string[]): Promise<void> {
  for (const url of urls) {
    const name = new URL(url).pathname.slice(1);
    if (!/^guardian_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
    await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/**
 * This process's admin session on each server, kept open: a suite that makes a database per test
 * (the permission matrix, 942 of them) spent most of each make and drop opening a connection. Its
 * socket holds the process open only while a query is on it (an idle session must not keep a
 * finished run alive, but a process whose last work is a CREATE DATABASE, a bench between two
 * engines, would otherwise end in the middle of it, silently, with code 0), and a session that
 * broke (the server restarted) is opened again at the next query.
 */
const adminSessions = new Map<string, Promise<pg.Client>>();
/** Queries on each admin session not yet answered: its socket is referenced while any is. */
const adminQueriesOn = new WeakMap<pg.Client, number>();
/**
 * The last query given to each admin session: the next waits for it. Concurrent tests ask at the
 * same moment, and node-postgres only queues a second query on a busy client with a deprecation
 * warning (pg 9 will refuse it).
 */
const adminTurns = new WeakMap<pg.Client, Promise<unknown>>();

async function adminQuery(server: Pick<PostgresServer, 'url'>, text: string): Promise<void> {
  const url = server.url();
  let session = adminSessions.get(url);
  if (!session) {
    const client = new pg.Client({ connectionString: url });
    session = client.connect().then(() => {
      if (client.connection.stream instanceof Socket) client.connection.stream.unref();
      client.on('error', () => adminSessions.delete(url));
      client.on('end', () => adminSessions.delete(url));
      return client;
    });
    adminSessions.set(url, session);
    session.catch(() => adminSessions.delete(url));
  }
  const client = await session;
  const socket = client.connection.stream instanceof Socket ? client.connection.stream : null;
  const pending = adminQueriesOn.get(client) ?? 0;
  adminQueriesOn.set(client, pending + 1);
  if (pending === 0) socket?.ref();
  try {
    const turn = (adminTurns.get(client) ?? Promise.resolve()).then(() => client.query(text));
    adminTurns.set(
      client,
      turn.catch(() => undefined),
    );
    await turn;
  } finally {
    const left = (adminQueriesOn.get(client) ?? 1) - 1;
    adminQueriesOn.set(client, left);
    if (left === 0) socket?.unref();
  }
}

function serverUid(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root, PostgreSQL needs the postgres account (the postgresql package creates it)');
  return { uid: Number(uid), gid: Number(gid) };
}

export interface TestPostgresOptions {
  /** The superuser's password: TCP connections must then give it (scram-sha-256); without one they are trusted. */
  password?: string;
  /** TLS on, with this certificate and key (PEM): the server still takes plain connections unless a client asks for TLS. */
  tls?: { cert: string; key: string };
}

/** What a test file needs of a PostgreSQL server, its own or the run's: where it listens, and new databases on it. */
export interface PostgresServer {
  readonly port: number;
  /** The connection string of `database` (by default `postgres`) as the superuser. */
  url(database?: string): string;
  /** A new database, empty or a copy of `template` (a database no one is connected to), and its connection string. */
  createDatabase(template?: string): Promise<string>;
}

/** The run's shared server as a worker sees it (./postgres-global-setup.ts): on 127.0.0.1, trusting TCP connections. */
export function postgresAt(port: number): PostgresServer {
  const server: PostgresServer = {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (template) => createDatabaseOn(server, template),
  };
  return server;
}

export class TestPostgres implements PostgresServer {
  private running = false;
  private watchdog: ChildProcess | undefined;

  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly options: TestPostgresOptions,
  ) {}

  /**
   * initdb + pg_ctl start: a cluster of its own in a temp folder, listening on 127.0.0.1 only. A
   * test file calls it only to stop, restart or configure (password, TLS) a server; otherwise it
   * shares the run's (./postgres-global-setup.ts).
   */
  static async start(options: TestPostgresOptions = {}): Promise<TestPostgres> {
    const bin = ensurePostgres();
    const dir = mkdtempSync(join(tmpdir(), 'guardian-pg-'));
    const owner = serverUid();
    const own = (path: string) => {
      if (owner) chownSync(path, owner.uid, owner.gid);
    };
    own(dir);
    const data = join(dir, 'data');
    const auth = ['--auth-local=trust', `--auth-host=${options.password ? 'scram-sha-256' : 'trust'}`];
    if (options.password) {
      writeFileSync(join(dir, 'password'), options.password, { mode: 0o600 });
      own(join(dir, 'password'));
      auth.push(`--pwfile=${join(dir, 'password')}`);
    }
    const server = new TestPostgres(bin, dir, await freePort(), options);
    server.watchdog = watch(dir, asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']));
    try {
      await runAsync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
      if (options.tls) {
        for (const [name, pem] of [
          ['server.crt', options.tls.cert],
          ['server.key', options.tls.key],
        ] as const) {
          writeFileSync(join(dir, name), pem, { mode: 0o600 });
          own(join(dir, name));
        }
      }
      await runAsync(...server.startCommand());
    } catch (error) {
      // pg_ctl may have started the server before it failed (a timeout): end of file tells the
      // watchdog to stop whatever runs there and delete the folder, as if this process had died.
      server.watchdog?.stdin?.end();
      throw error;
    }
    server.running = true;
    return server;
  }

  private startCommand(): [string, string[]] {
    // fsync off: a test cluster is thrown away, and it would cost seconds per file on a busy disk.
    // Autovacuum off: on the run's shared server it visits each of the many short-lived databases.
    const tls = this.options.tls ? ` -c ssl=on -c ssl_cert_file=${join(this.dir, 'server.crt')} -c ssl_key_file=${join(this.dir, 'server.key')}` : '';
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c autovacuum=off${tls}`;
    return [join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-w', '-t', '60', '-l', join(this.dir, 'server.log'), '-o', options, 'start']];
  }

  private startServer(): void {
    run(...this.startCommand());
    this.running = true;
  }

  /** The connection string of `database` as the superuser, with its password if it has one. */
  url(database = 'postgres'): string {
    const password = this.options.password ? `:${encodeURIComponent(this.options.password)}` : '';
    return `postgres://postgres${password}@127.0.0.1:${this.port}/${database}`;
  }

  /** A new database, empty or a copy of `template`, named at random, and its connection string. */
  createDatabase(template?: string): Promise<string> {
    return createDatabaseOn(this, template);
  }

  /** Stops the server: `fast` as an administrator would, `immediate` as a crash (clients are cut off mid-statement). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    if (!this.running) return;
    run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
    this.running = false;
  }

  /** Starts it again on the same port, with the data it had. */
  restart(): void {
    if (!this.running) this.startServer();
  }

  /** Stops it (as a crash: nothing is kept) and deletes its folder; its watchdog then leaves without doing anything. */
  destroy(): void {
    try {
      this.stop('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
      this.watchdog?.stdin?.end('destroyed\n');
      this.watchdog = undefined;
    }
  }
}
