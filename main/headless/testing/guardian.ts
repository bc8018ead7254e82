import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@shared/permissions';
import { packageRoot } from '@core/paths';
import { onDataDir } from './in-process';
import { freshBuiltCli } from './built-cli';

/**
 * Runs the real `guardian` CLI as a child process, as built (out/main/cli.js, see built-cli.ts),
 * the way a script or a service manager would: no in-process shortcuts, and the product's own
 * argon2 and scrypt costs. Every child started here is tracked so a test file's afterAll can stop
 * what a failing test left behind.
 */

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

// Last resort if a test runner dies without running afterAll: no orphaned servers.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function spawnCli(args: readonly string[], env?: NodeJS.ProcessEnv, stdin?: string, nodeArgs: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, freshBuiltCli(), ...args], {
    cwd: packageRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  // A child that exits without reading all of it must not fail the test with EPIPE.
  child.stdin?.on('error', () => {});
  child.stdin?.end(stdin);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** The child's end once its output is read too: 'exit' can come before the last of stdout and stderr. */
function endOf(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A fresh folder under the system temp dir, removed by `cleanUp()`. */
export function tempDir(prefix = 'guardian-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * How many commands run, or serves start, at once in this worker; the others wait for a turn, and
 * their time limit starts with it. A Node start is a second of CPU: a test that fires a dozen side
 * by side gains nothing on a machine of a few cores, and its last ones would spend their time limit
 * queued for the CPU. A serve gives its turn back once it listens.
 */
const COMMANDS_AT_ONCE = Math.max(2, availableParallelism());
let commandsRunning = 0;
const commandsWaiting: (() => void)[] = [];

async function commandTurn(): Promise<() => void> {
  if (commandsRunning >= COMMANDS_AT_ONCE) await new Promise<void>((resolve) => commandsWaiting.push(resolve));
  else commandsRunning++;
  return () => {
    const next = commandsWaiting.shift();
    if (next) next();
    else commandsRunning--;
  };
}

/** Runs one CLI command to its end (killed after `timeoutMs`); `stdin` is piped in, then closed. */
/**
 * How long a test that runs the built CLI (or starts serve) may take: each command is a fresh Node
 * process, and a test runs a dozen. Quiet, such a test takes 10-40 s; on a loaded two-core machine
 * (the whole suite beside other work) one took 90 s. The limit is there to end a hang, not to time.
 */
export const CLI_TEST_TIMEOUT_MS = 240_000;

export async function runCli(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliResult> {
  const done = await commandTurn();
  try {
    return await runCommand(args, options);
  } finally {
    done();
  }
}

async function runCommand(args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: string }): Promise<CliResult> {
  const child = spawnCli(args, options.env, options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const exit = await withTimeout(endOf(child), timeoutMs, () => `guardian ${args.join(' ')}\n${stderr}`);
    return { ...exit, stdout, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * An owner API key in the data dir, made in this process exactly as `guardian apikey create
 * --role owner` makes one (the same router call, from the CLI's origin): one Node start less per
 * server a test runs. cli-accounts.test.ts runs the command itself.
 */
export async function bootstrapOwnerKey(dataDir: string): Promise<string> {
  return onDataDir(dataDir, async (call) => (await call('apikeys.create', { name: 'tests', role: 'owner' })).token);
}

/**
 * An account in the data dir, made in this process exactly as `guardian user add --password-stdin`
 * makes one (the same router call, from the CLI's origin, the product's argon2 cost): for tests that
 * need an account, not the command. cli-accounts.test.ts runs the command itself.
 */
export async function addAccount(dataDir: string, account: { username: string; password: string; role: Role }): Promise<void> {
  await onDataDir(dataDir, (call) => call('users.create', account));
}

export interface Guardian {
  /** e.g. `http://127.0.0.1:43121/`, as printed on the first line of standard output. */
  url: string;
  /** An owner API key made before the start, as `guardian apikey create` makes one (null when asked for none). */
  token: string | null;
  /** `Authorization: Bearer …` for raw fetch calls (empty without a token). */
  auth(): Record<string, string>;
  dataDir: string;
  child: ChildProcess;
  /** The path resolved against `url` (`api/v1/servers` → `http://…/api/v1/servers`). */
  at(path: string): URL;
  /** fetch with a JSON body when `body` is given; the parsed JSON response. */
  request<T = unknown>(verb: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: T }>;
  /** The one-time first-run setup token `serve` wrote to the data dir (null once used or when an owner exists). */
  setupToken(): string | null;
  /** Everything written to standard error so far. */
  stderr(): string;
  /** Resolves once standard error contains `text` (bounded). */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** Sends the signal and waits for the process to end (bounded). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/**
 * `guardian serve --data-dir DIR --port 0 …` as a child process; resolves once it has printed
 * its URL. Rejects (and kills the child) if it exits first or does not start in time.
 */
export async function startGuardian(
  options: {
    dataDir?: string;
    args?: readonly string[];
    timeoutMs?: number;
    apiKey?: boolean;
    env?: NodeJS.ProcessEnv;
    /** Node's own flags, before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
    nodeArgs?: readonly string[];
    /** The --port flag given (0, a free one, unless told); null gives none, for a config file's port. */
    port?: number | null;
  } = {},
): Promise<Guardian> {
  const dataDir = options.dataDir ?? tempDir();
  // Every call but sign-in needs credentials: an owner key, made before the start.
  const token = options.apiKey === false ? null : await bootstrapOwnerKey(dataDir);
  const auth = (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  const started = await commandTurn();
  let child: ChildProcess;
  try {
    const port = options.port === undefined ? ['--port', '0'] : options.port === null ? [] : ['--port', String(options.port)];
    child = spawnCli(['serve', '--data-dir', dataDir, ...port, ...(options.args ?? [])], options.env, undefined, options.nodeArgs);
  } catch (error) {
    started();
    throw error;
  }
  let stdout = '';
  let stderr = '';
  const stderrWaiters = new Set<() => void>();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const wake of stderrWaiters) wake();
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end).trim());
    });
    child.once('exit', (code, signal) => reject(new Error(`guardian serve exited (code ${code}, signal ${signal}) before printing its URL:\n${stderr}`)));
  });
  let url: string;
  try {
    url = await withTimeout(firstLine, options.timeoutMs ?? 30_000, () => `guardian serve did not start:\n${stderr}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    started();
  }

  const at = (path: string) => new URL(path.replace(/^\//, ''), url);
  return {
    url,
    token,
    auth,
    dataDir,
    child,
    at,
    async request<T>(verb: string, path: string, body?: unknown) {
      const response = await fetch(at(path), {
        method: verb,
        headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
    },
    setupToken() {
      try {
        return readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
      } catch {
        return null;
      }
    },
    stderr: () => stderr,
    waitForStderr(text, timeoutMs = 15_000) {
      if (stderr.includes(text)) return Promise.resolve();
      let wake = () => {};
      const seen = new Promise<void>((resolve) => {
        wake = () => {
          if (stderr.includes(text)) resolve();
        };
        stderrWaiters.add(wake);
      });
      return withTimeout(seen, timeoutMs, () => `"${text}" never appeared on stderr:\n${stderr}`).finally(() => stderrWaiters.delete(wake));
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      const exit = exitOf(child);
      child.kill(signal);
      try {
        return await withTimeout(exit, timeoutMs, () => `guardian serve did not exit after ${signal}:\n${stderr}`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** Kills every child still running and removes the temp folders. For afterAll/afterEach. */
export async function cleanUp(): Promise<void> {
  const running = [...children];
  await Promise.all(
    running.map((child) => {
      const exit = exitOf(child);
      child.kill('SIGKILL');
      return withTimeout(exit, 10_000, () => `child ${child.pid} ignored SIGKILL`);
    }),
  );
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

/** Calls `read` until `done` accepts its value; fails after `timeoutMs` or `maxTries` calls. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { timeoutMs?: number; intervalMs?: number; maxTries?: number; what: string },
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const maxTries = options.maxTries ?? 10_000;
  let last: T | undefined;
  for (let tries = 0; tries < maxTries && Date.now() < deadline; tries++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
  throw new Error(`Gave up waiting for ${options.what}; last value: ${JSON.stringify(last)?.slice(0, 500)}`);
}
