import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { methods } from '@shared/api';
import { MIN_INTERVAL_MS } from '@shared/api/checks';
import { toHttpRequest } from '@shared/api/http';
import { isFinished, type Job } from '@shared/api/jobs';
import type { Server } from '@shared/api/servers';
import { packageRoot } from '@core/paths';
import { cleanUp, startGuardian, tempDir, type Guardian } from '../main/headless/testing/guardian';
import { formatTable, ms, percentile } from './lib/measure';
import { bound, call, histogramDelta, REQUEST_TIMEOUT_MS, scrape, total, type Samples } from './lib/serve-api';
import { memory, treeCpuMs } from './lib/proc';
import { POLLER_CONCURRENCY } from './poller';

/**
 * `npm run bench -- serve [--checks 1000] [--interval 20] [--one-host] [--settle 60] [--window 180]
 *   [--hosts 500] [--poller-duration <window>] [--cpu-prof DIR] [--node-arg=--flag ...]`
 *
 * Guardian as users run it, measured from outside: a real `guardian serve` (the built
 * out/main/cli.js, refused when older than the sources) on a fresh data folder and a free
 * loopback port, with --checks servers of one HTTP check each, every --interval seconds, created
 * through the HTTP API with an owner API key (the servers by one `servers.import`, the checks by
 * `checks.create`, one call each). The targets are HTTP servers in a child process of their own
 * on --hosts loopback addresses (127.0.1.1, 127.0.1.2, …), so the scheduler's per-host cap is not
 * what is measured unless --one-host puts them all on 127.0.0.1; 80 % answer 200 at once, 10 %
 * 200 after 500 ms, 10 % 500, and they count the requests they get. Checks have no retries, so
 * one request is one check done.
 *
 * After --settle seconds it measures a --window: CPU of serve's whole process tree (from /proc),
 * RSS, checks done (counted by the targets) against checks due, CPU per check done, database
 * growth on disk and in used pages, scheduling lag and event-loop delay from serve's /metrics,
 * and then the fleet overview over a fresh connection. Last, with serve stopped, it runs
 * `npm run bench -- poller` for the same checks and interval (the engine in process, no HTTP
 * server) and prints its CPU per check beside serve's. Asserts nothing.
 */

const here = fileURLToPath(new URL('.', import.meta.url));

type Kind = 'ok' | 'slow' | 'fail';
/** The issue's mix: 80 % fast 200, 10 % 200 after 500 ms, 10 % 500. */
const kindOf = (i: number): Kind => (i % 10 === 8 ? 'slow' : i % 10 === 9 ? 'fail' : 'ok');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// The targets, in a child process (bench/lib/serve-targets.mjs)

interface Counts {
  ok: number;
  slow: number;
  fail: number;
  other: number;
}

interface Targets {
  child: ChildProcess;
  addresses: { address: string; port: number }[];
  counts(): Promise<Counts>;
  stop(): void;
}

async function startTargets(hosts: number): Promise<Targets> {
  const child = spawn(process.execPath, [join(here, 'lib', 'serve-targets.mjs'), String(hosts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin?.on('error', () => {});
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: ((line: string) => void)[] = [];
  const queued: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queued.push(line);
  });
  const nextLine = (what: string) =>
    withTimeout(
      new Promise<string>((resolve, reject) => {
        const early = queued.shift();
        if (early !== undefined) return resolve(early);
        waiting.push(resolve);
        child.once('exit', (code) => reject(new Error(`the target process exited (${code})`)));
      }),
      30_000,
      what,
    );
  try {
    const addresses = JSON.parse(await nextLine(`the targets did not start on ${hosts} addresses`)) as Targets['addresses'];
    return {
      child,
      addresses,
      async counts() {
        child.stdin?.write('\n');
        return JSON.parse(await nextLine('the targets did not say how many requests they got')) as Counts;
      },
      stop: () => {
        child.stdin?.end();
        if (child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The database, from outside

/** Bytes of guardian.db and its -wal and -shm files. */
function databaseFileBytes(dataDir: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      bytes += statSync(join(dataDir, `guardian.db${suffix}`)).size;
    } catch {
      // not there (yet)
    }
  }
  return bytes;
}

/** Bytes in used pages ((page_count - freelist_count) x page_size), the WAL's committed pages included, through a read-only connection. */
function databaseUsedBytes(dataDir: string): number {
  const db = new Database(join(dataDir, 'guardian.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return (pageCount - free) * pageSize;
  } finally {
    db.close();
  }
}

/** GET over a new TCP connection (no keep-alive): milliseconds to the last byte of the parsed body, and its size. */
function coldGet(guardian: Guardian, path: string): Promise<{ ms: number; bytes: number }> {
  const url = guardian.at(path);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent: false, headers: { ...guardian.auth(), connection: 'close' }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} for ${url.href}`));
        const body = Buffer.concat(chunks);
        JSON.parse(body.toString('utf8'));
        resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes: body.length });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.href} within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

interface Created {
  importMs: number;
  checksMs: number;
  perAdd: number[];
}

/** The servers by one import (no default check), then one HTTP check each by checks.create. */
async function createFleet(guardian: Guardian, checks: number, intervalMs: number, targets: Targets['addresses']): Promise<Created> {
  const rows = ['name,host'];
  for (let i = 0; i < checks; i++) rows.push(`bench-${String(i).padStart(5, '0')},${targets[i % targets.length]?.address ?? '127.0.0.1'}`);
  const importStarted = Date.now();
  let job = await call<Job>(guardian, 'servers.import', { format: 'csv', content: `${rows.join('\n')}\n`, monitor: false });
  const deadline = Date.now() + 10 * 60_000;
  while (!isFinished(job)) {
    if (Date.now() > deadline) throw new Error(`The import was still ${job.status} after 10 minutes`);
    await sleep(100);
    job = await call<Job>(guardian, 'jobs.get', { id: job.id });
  }
  if (job.status !== 'succeeded') throw new Error(`The import ${job.status}: ${JSON.stringify(job.error)}`);
  const importMs = Date.now() - importStarted;

  const servers: Server[] = [];
  for (let offset = 0; servers.length < checks; offset += 10_000) {
    const page = await call<{ items: Server[]; total: number }>(guardian, 'servers.list', { limit: 10_000, offset, sort: 'name' });
    servers.push(...page.items);
    if (page.items.length === 0) break;
  }
  if (servers.length !== checks) throw new Error(`The import made ${servers.length} servers, not ${checks}`);

  const perAdd: number[] = [];
  const checksStarted = Date.now();
  for (const [i, server] of servers.entries()) {
    const target = targets[i % targets.length] ?? { address: '127.0.0.1', port: 0 };
    const started = process.hrtime.bigint();
    await call(guardian, 'checks.create', {
      serverId: server.id,
      spec: { type: 'http', config: { url: `http://${target.address}:${target.port}/${kindOf(i)}` } },
      intervalMs,
      timeoutMs: 5000,
      retries: 0,
    });
    perAdd.push(Number(process.hrtime.bigint() - started) / 1e6);
    if ((i + 1) % 1000 === 0) process.stdout.write(`  ${i + 1} checks added\n`);
  }
  return { importMs, checksMs: Date.now() - checksStarted, perAdd };
}

// ---------------------------------------------------------------------------------------------
// The in-process figure: bench/poller.ts, in a child

interface PollerFigures {
  cpuPerCheckMs: number;
  donePerSecond: number;
  rssMb: number;
}

async function runPoller(
  checks: number,
  intervalS: number,
  durationS: number,
  tmp: string,
  onChild: (child: ChildProcess | null) => void,
): Promise<PollerFigures> {
  const args = [
    '--import',
    'tsx',
    join(here, 'run.ts'),
    'poller',
    '--checks',
    String(checks),
    '--interval',
    String(intervalS),
    '--duration',
    String(durationS),
    '--concurrency',
    String(POLLER_CONCURRENCY),
  ];
  // Its temp folder goes inside ours (TMPDIR), so an interrupted run leaves nothing behind.
  const child = spawn(process.execPath, args, { cwd: packageRoot, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  onChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  try {
    const code = await withTimeout(
      new Promise<number | null>((resolve) => child.once('close', resolve)),
      (intervalS + durationS) * 1000 + 20 * 60_000,
      'npm run bench -- poller did not finish',
    );
    if (code !== 0) throw new Error(`npm run bench -- poller exited ${code}:\n${stderr.slice(-2000)}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    onChild(null);
  }
  const figure = (label: string) => {
    const line = stdout.split('\n').find((each) => each.startsWith(`${label}  `));
    return Number(
      line
        ?.slice(label.length)
        .trim()
        .split(/\s{2,}/)[0] ?? Number.NaN,
    );
  };
  return { cpuPerCheckMs: figure('CPU per check, Guardian process (ms)'), donePerSecond: figure('checks done per second'), rssMb: figure('RSS (MB)') };
}

// ---------------------------------------------------------------------------------------------

interface Reading {
  at: number;
  cpuMs: number;
  counts: Counts;
  fileBytes: number;
  usedBytes: number;
  metrics: Samples;
}

async function read(guardian: Guardian, pid: number, targets: Targets): Promise<Reading> {
  const metrics = await scrape(guardian);
  const counts = await targets.counts();
  return {
    at: Date.now(),
    cpuMs: treeCpuMs(pid).cpuMs,
    counts,
    fileBytes: databaseFileBytes(guardian.dataDir),
    usedBytes: databaseUsedBytes(guardian.dataDir),
    metrics,
  };
}

const done = (counts: Counts) => counts.ok + counts.slow + counts.fail;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      checks: { type: 'string', default: '1000' },
      interval: { type: 'string', default: '20' },
      'one-host': { type: 'boolean', default: false },
      hosts: { type: 'string' },
      settle: { type: 'string', default: '60' },
      window: { type: 'string', default: '180' },
      'poller-duration': { type: 'string' },
      /** A folder for a V8 CPU profile of serve's whole run (node --cpu-prof), written when it stops: open it in Chrome DevTools. */
      'cpu-prof': { type: 'string' },
      /** More of Node's own flags for serve, e.g. --node-arg=--heapsnapshot-signal=SIGUSR2 to take heap snapshots of it while it runs. */
      'node-arg': { type: 'string', multiple: true },
    },
  });
  const checks = Number(values.checks);
  const intervalS = Number(values.interval);
  const settleS = Number(values.settle);
  const windowS = Number(values.window);
  const hosts = values['one-host'] ? 1 : Number(values.hosts ?? Math.min(checks, 500));
  const pollerS = Number(values['poller-duration'] ?? windowS);
  if (!Number.isInteger(checks) || checks < 1) throw new Error('--checks must be a whole number of at least 1');
  if (!(intervalS * 1000 >= MIN_INTERVAL_MS)) throw new Error(`--interval is in seconds and Guardian refuses intervals under ${MIN_INTERVAL_MS / 1000} s`);
  if (!(settleS >= 0) || !(windowS > 0) || !(pollerS >= 0)) throw new Error('--settle and --poller-duration must be 0 or more seconds, --window more than 0');
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 254 * 254) throw new Error('--hosts must be between 1 and 64516');

  // Ctrl-C (or a kill) ends serve, the targets and any poller run, and removes the temp folder.
  let targets: Targets | undefined;
  let poller: ChildProcess | null = null;
  const stopEverything = async () => {
    targets?.stop();
    if (poller && poller.exitCode === null) poller.kill('SIGKILL');
    await cleanUp();
  };
  let interruptedBy: NodeJS.Signals | null = null;
  const interrupted = (signal: NodeJS.Signals) => {
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: stopping guardian serve and the targets, removing the temp folder...\n`);
    void withTimeout(stopEverything(), 20_000, 'cleaning up').finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  try {
    targets = await startTargets(hosts);
    const dataDir = tempDir('guardian-bench-serve-');
    const profileDir = values['cpu-prof'];
    const nodeArgs = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(values['node-arg'] ?? [])];
    const guardian = await startGuardian({ dataDir, args: ['--log-level', 'warn'], timeoutMs: 60_000, nodeArgs });
    const pid = guardian.child.pid;
    if (pid === undefined) throw new Error('guardian serve has no pid');
    const exited = new Promise<never>((_resolve, reject) =>
      guardian.child.once('exit', (code, signal) =>
        reject(new Error(`guardian serve exited (code ${code}, signal ${signal}):\n${guardian.stderr().slice(-2000)}`)),
      ),
    );
    exited.catch(() => {});
    const wait = (ms: number) => Promise.race([sleep(ms), exited]);
    process.stdout.write(`guardian serve (pid ${pid}) at ${guardian.url}, data in ${dataDir}; targets on ${hosts} address${hosts === 1 ? '' : 'es'}\n`);

    const cpuBeforeCreation = treeCpuMs(pid).cpuMs;
    const created = await Promise.race([createFleet(guardian, checks, intervalS * 1000, targets.addresses), exited]);
    const creationCpuMs = treeCpuMs(pid).cpuMs - cpuBeforeCreation;
    const edge = Math.max(1, Math.min(200, Math.floor(checks / 10)));
    const first = created.perAdd.slice(0, edge).sort((a, b) => a - b);
    const last = created.perAdd.slice(-edge).sort((a, b) => a - b);
    process.stdout.write(
      `created ${checks} servers by servers.import in ${created.importMs} ms, then ${checks} checks by checks.create in ${created.checksMs} ms ` +
        `(${ms(created.checksMs / checks)} ms each; p50 of the first ${edge}: ${ms(percentile(first, 50))} ms, of the last ${edge}: ${ms(percentile(last, 50))} ms; serve's CPU meanwhile ${(creationCpuMs / 1000).toFixed(1)} s)\n`,
    );

    process.stdout.write(`settling for ${settleS} s...\n`);
    await wait(settleS * 1000);

    process.stdout.write(`measuring for ${windowS} s...\n`);
    const before = await read(guardian, pid, targets);
    let peakRssMb = memory(pid).rssMb;
    const sampler = setInterval(() => {
      try {
        peakRssMb = Math.max(peakRssMb, memory(pid).rssMb);
      } catch {
        // serve ended: the wait below says so
      }
    }, 1000);
    try {
      await wait(windowS * 1000);
    } finally {
      clearInterval(sampler);
    }
    const after = await read(guardian, pid, targets);
    const end = memory(pid);
    const tree = treeCpuMs(pid);
    peakRssMb = Math.max(peakRssMb, end.rssMb);

    const overviewPath = toHttpRequest(methods['health.overview'], {}).url;
    const cold: number[] = [];
    let overviewBytes = 0;
    for (let i = 0; i < 5; i++) {
      const answer = await Promise.race([coldGet(guardian, overviewPath), exited]);
      cold.push(answer.ms);
      overviewBytes = answer.bytes;
    }
    const coldFirst = cold[0] ?? Number.NaN;
    cold.sort((a, b) => a - b);

    const stopStarted = Date.now();
    const exit = await guardian.stop('SIGTERM', 60_000);
    const stopMs = Date.now() - stopStarted;
    targets.stop();

    const seconds = (after.at - before.at) / 1000;
    const cpuMs = after.cpuMs - before.cpuMs;
    const counted = done(after.counts) - done(before.counts);
    const due = (checks * seconds) / intervalS;
    const runs = total(after.metrics, 'guardian_checks_total') - total(before.metrics, 'guardian_checks_total');
    const ownCpuS = total(after.metrics, 'guardian_process_cpu_seconds_total') - total(before.metrics, 'guardian_process_cpu_seconds_total');
    const lag = histogramDelta(before.metrics, after.metrics, 'guardian_scheduler_lag_seconds');
    const tick = histogramDelta(before.metrics, after.metrics, 'guardian_health_tick_write_seconds');
    // prom-client resets its event-loop histogram at every scrape: the end scrape covers the window.
    const loop = (stat: string) => (after.metrics.get(`guardian_nodejs_eventloop_lag_${stat}_seconds`) ?? Number.NaN) * 1000;
    const usedGrowth = after.usedBytes - before.usedBytes;
    const fileGrowth = after.fileBytes - before.fileBytes;
    const cpuPerCheck = cpuMs / Math.max(1, counted);
    const perCheck = (bytes: number) => bytes / Math.max(1, counted);
    // As bench/poller.ts projects it: 180 results per check per hour (a 20 s interval), per 1,000 checks.
    const perHourPer1000 = (bytes: number) => mb(perCheck(bytes) * 180 * 1000);

    let inProcess: PollerFigures | null = null;
    if (pollerS > 0) {
      process.stdout.write(
        `\nserve stopped (exit ${exit.code ?? exit.signal}, ${stopMs} ms after SIGTERM); running npm run bench -- poller --checks ${checks} --interval ${intervalS} --duration ${pollerS} --concurrency ${POLLER_CONCURRENCY} for the in-process figure...\n`,
      );
      inProcess = await runPoller(checks, intervalS, pollerS, tempDir('guardian-bench-serve-poller-'), (child) => (poller = child));
    }

    const title = `serve: ${checks} HTTP checks every ${intervalS} s on ${hosts === 1 ? 'one host (127.0.0.1)' : `${hosts} loopback addresses`}, ${seconds.toFixed(1)} s measured after ${settleS} s settling`;
    process.stdout.write(`\n${title}\n\n`);
    const rows: string[][] = [
      ['checks due in the window', due.toFixed(0), ''],
      ['checks done in the window (requests the targets got)', String(counted), 'as many as due'],
      ['  done / due', `${((counted / due) * 100).toFixed(1)} %`, ''],
      ['  check runs serve counted (guardian_checks_total)', String(runs), ''],
      [
        '  by target: fast 200 / slow 200 / 500',
        `${after.counts.ok - before.counts.ok} / ${after.counts.slow - before.counts.slow} / ${after.counts.fail - before.counts.fail}`,
        '',
      ],
      ["CPU of serve's process tree in the window (s)", (cpuMs / 1000).toFixed(2), ''],
      ['  as a share of one core', `${((cpuMs / 1000 / seconds) * 100).toFixed(1)} %`, ''],
      ["  serve's own count (guardian_process_cpu_seconds_total, s)", ownCpuS.toFixed(2), ''],
      // The goals of docs/monitoring.md (Performance): 0.5 ms and 150 MB at 1,000 checks, 0.4 ms and 300 MB from 10,000.
      ['CPU per check done (ms)', ms(cpuPerCheck), checks >= 10_000 ? '<= 0.4' : '<= 0.5'],
      ['RSS at the end (MB)', end.rssMb.toFixed(0), checks >= 10_000 ? '< 300' : '<= 150'],
      ['RSS peak in the window, sampled each second (MB)', peakRssMb.toFixed(0), ''],
      ['RSS peak since start, VmHWM (MB)', end.hwmMb.toFixed(0), ''],
      [
        '  of it at the end: V8 heap used / heap held / outside the heap (MB)',
        ['guardian_nodejs_heap_size_used_bytes', 'guardian_nodejs_heap_size_total_bytes', 'guardian_nodejs_external_memory_bytes']
          .map((name) => mb(total(after.metrics, name)))
          .join(' / '),
        '',
      ],
      ['processes in the tree / threads of serve', `${tree.processes} / ${end.threads}`, ''],
      ['scheduling lag mean (ms)', ms(lag.mean * 1000), ''],
      ['scheduling lag p50 (ms, histogram bucket)', bound(lag.atMost(0.5), 10), ''],
      ['scheduling lag p99 (ms, histogram bucket)', bound(lag.atMost(0.99), 10), '< 250'],
      ['event-loop delay p50 / p99 / max in the window (ms)', `${ms(loop('p50'))} / ${ms(loop('p99'))} / ${ms(loop('max'))}`, 'p99 < 20'],
      ['result write per tick: mean / p99 (ms, histogram bucket)', `${ms(tick.mean * 1000)} / ${bound(tick.atMost(0.99), 0.25)}`, ''],
      ['database growth in used pages (MB)', mb(usedGrowth), ''],
      ['  bytes per check done', perCheck(usedGrowth).toFixed(1), ''],
      ['  projected per hour per 1,000 checks at 20 s (MB)', perHourPer1000(usedGrowth), '<= 5'],
      ['database files on disk, db + wal + shm, growth (MB)', mb(fileGrowth), ''],
      ['  size at the end (MB)', mb(after.fileBytes), ''],
      ['health.overview, fresh connection: first after the window (ms)', ms(coldFirst), ''],
      ['health.overview, fresh connection: p50 of 5 (ms)', ms(percentile(cold, 50)), checks <= 1000 ? '< 100' : '< 300'],
      ['  payload (KB)', (overviewBytes / 1024).toFixed(1), ''],
    ];
    if (inProcess) {
      rows.push(
        ['in process (bench/poller.ts, its own mix, same N and interval): CPU per check (ms)', ms(inProcess.cpuPerCheckMs), ''],
        ['  serve / in process', `${(cpuPerCheck / inProcess.cpuPerCheckMs).toFixed(2)}x`, ''],
        ['  in process: checks done per second / RSS (MB)', `${inProcess.donePerSecond.toFixed(1)} / ${inProcess.rssMb.toFixed(0)}`, ''],
      );
    }
    process.stdout.write(`${formatTable(['figure', 'value', 'goal'], rows)}\n`);
  } catch (error) {
    // Interrupted: what failed is only the run being torn down; the handler exits once it is clean.
    if (interruptedBy) await new Promise<never>(() => {});
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    await stopEverything();
  }
}
