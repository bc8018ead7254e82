import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CheckSpec } from '@shared/api/checks';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import type { CheckResult } from '@core/health/check';
import { checkTypes } from '@core/health/checks';
import type { RunReport } from '@core/health/scheduler';
import { silentLogger } from '@core/logging/logger';
import { fleetCsv } from '../main/headless/testing/fleet';
import { cleanUp, tempDir } from '../main/headless/testing/guardian';
import { ms, percentile } from './lib/measure';
import { sqliteOf } from '@core/testing/sqlite-of';
import { read } from '@core/db/engine';
import { sql } from 'drizzle-orm';
import { BenchDatabases, countRows, databaseOption, databaseSize, enginesOf, numeric, sideBySide, type EngineName, type Figure } from './lib/engines';

/**
 * `npm run bench -- poller [--checks 5000] [--interval 20] [--duration 60] [--concurrency 1024] [--hour-rounds 180]
 *   [--database sqlite|postgres|both]`
 *
 * The real scheduler, engine and storage (on the chosen engine) polling loopback HTTP and TCP targets (served by
 * a child process, so their CPU is not counted): a quarter healthy HTTP, a quarter healthy TCP, a
 * quarter slow HTTP (300 ms, degraded above 200 ms), a quarter failing (HTTP 503 and refused
 * TCP). After one interval of warm-up it measures for --duration seconds and prints checks due
 * vs. done per second, scheduling lag, event-loop delay, CPU time per check, RSS and database
 * growth; the baseline is the same checks run bare (no scheduler, no storage) in the same run,
 * so the ratio is what the engine adds. Every target is 127.0.0.1, so the per-host cap is raised
 * to --concurrency; a run holds its host's slot through its retries' backoff, so the failing
 * quarter (two retries, 1 s and 2 s) holds about 0.75 s of slots per check run: 256 slots capped
 * 5,000 checks every 20 s at about 100 done per second, and the figures were those of a throttled
 * poller. The default leaves room for 10,000. On PostgreSQL the CPU of the database server's processes (a throwaway server's
 * postmaster and backends, from /proc) is counted beside Guardian's, since SQLite's work is inside
 * the process. --hour-rounds: rounds of the simulated hour (0 skips it). Asserts nothing.
 */

/** The default --concurrency, also what `bench serve` runs the in-process poller with. */
export const POLLER_CONCURRENCY = 1024;

interface Ports {
  ok: number;
  slow: number;
  failing: number;
  tcp: number;
  closed: number;
}

function specFor(i: number, ports: Ports): CheckSpec {
  switch (i % 8) {
    case 0:
    case 4:
      return { type: 'http', config: httpConfig(`http://127.0.0.1:${ports.ok}/`) };
    case 1:
    case 5:
      return { type: 'tcp', config: { host: '127.0.0.1', port: ports.tcp } };
    case 2:
    case 6:
      return { type: 'http', config: { ...httpConfig(`http://127.0.0.1:${ports.slow}/`), degradedAboveMs: 200 } };
    case 3:
      return { type: 'http', config: httpConfig(`http://127.0.0.1:${ports.failing}/`) };
    default:
      return { type: 'tcp', config: { host: '127.0.0.1', port: ports.closed } };
  }
}

function httpConfig(url: string) {
  return {
    url,
    method: 'GET' as const,
    headers: {},
    expectedStatus: ['200-399'],
    followRedirects: true,
    maxRedirects: 10,
    certExpiryDays: 14,
    ignoreTlsErrors: false,
  };
}

async function startTargets(): Promise<{ ports: Ports; stop: () => void }> {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'lib', 'targets.mjs');
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the target process exited (${code})`)));
  });
  return { ports: JSON.parse(line) as Ports, stop: () => child.stdin.end() };
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** The same mix of checks run once each, bare, `concurrency` at a time: the network work alone. */
async function bare(specs: CheckSpec[], concurrency: number): Promise<{ cpuPerCheckMs: number; wallMs: number }> {
  let next = 0;
  const started = cpuMs();
  const wall = Date.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      const spec = specs[i];
      if (!spec) return;
      const type = checkTypes[spec.type] as { run(config: unknown, ctx: object): Promise<CheckResult> };
      await type.run(spec.config, { signal: new AbortController().signal, timeoutMs: 5000, now: Date.now });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { cpuPerCheckMs: (cpuMs() - started) / specs.length, wallMs: Date.now() - wall };
}

function databaseBytes(core: Core): Promise<number> {
  return databaseSize(core.data, () => {
    sqliteOf(core).pragma('wal_checkpoint(TRUNCATE)');
    return statSync(core.paths.database).size;
  });
}

async function seed(core: Core, checks: number, intervalMs: number, ports: Ports): Promise<CheckSpec[]> {
  const servers = Math.ceil(checks / 2);
  const job = await core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(servers, 'poll') }, { origin: 'bench' });
  const finished = await core.jobs.waitFor(job.id);
  if (finished.status !== 'succeeded') throw new Error(`Seeding failed: ${JSON.stringify(finished.error)}`);
  const ids = await core.data.all(sql`SELECT id FROM servers ORDER BY name`, (row) => read.text(row, 'id'));
  const specs: CheckSpec[] = [];
  for (let i = 0; i < checks; i++) specs.push(specFor(i, ports));
  for (let from = 0; from < checks; from += 50) {
    await Promise.all(
      specs.slice(from, from + 50).map((spec, k) =>
        core.health.registry.create({
          serverId: ids[(from + k) % ids.length] ?? '',
          spec,
          intervalMs,
          timeoutMs: 5000,
          retries: 0,
          confirmAfter: 2,
          paused: false,
        }),
      ),
    );
  }
  return specs;
}
/**
 * An hour of results (180 per check, as at a 20 s interval) written through the engine's own
 * recorder in 1-second ticks, with the mix's statuses: the database growth of a whole hour, which
 * a minute of live polling cannot show (a young table's pages are still filling).
 */
async function simulatedHour(core: Core, specs: CheckSpec[], rounds: number): Promise<{ bytesPerResult: number; resultsPerSecond: number; tickP99Ms: number }> {
  const checks = [...core.health.registry.all()];
  const before = await databaseBytes(core);
  const base = Date.now() + 86_400_000;
  const perTick = Math.max(1, Math.round(checks.length / 20));
  const tickMs: number[] = [];
  let written = 0;
  const started = Date.now();
  for (let round = 0; round < rounds; round++) {
    for (let from = 0; from < checks.length; from += perTick) {
      const reports: RunReport[] = checks.slice(from, from + perTick).map((check, k) => {
        const i = from + k;
        const spec = specs[i % specs.length] as CheckSpec;
        const failing = i % 8 === 3 || i % 8 === 7;
        const slow = i % 8 === 2 || i % 8 === 6;
        const at = base + round * 20_000 + Math.floor((i * 20_000) / checks.length);
        const result: CheckResult = failing
          ? {
              status: 'down',
              latencyMs: spec.type === 'tcp' ? null : 0.8 + (round % 7) / 10,
              message: spec.type === 'tcp' ? 'connection refused on 127.0.0.1:1' : 'HTTP 503, expected 200-399',
            }
          : { status: slow ? 'degraded' : 'up', latencyMs: slow ? 300 + (round % 13) : 0.4 + (i % 17) / 10, message: 'up', data: { statusCode: 200 } };
        return { checkId: check.id, serverId: check.serverId, result, attempts: 1, dueAt: at, startedAt: at, finishedAt: at, lagMs: 0 };
      });
      const t0 = process.hrtime.bigint();
      await core.health.recorder.record(reports);
      tickMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      written += reports.length;
      if (tickMs.length % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const seconds = (Date.now() - started) / 1000;
  tickMs.sort((a, b) => a - b);
  return { bytesPerResult: ((await databaseBytes(core)) - before) / written, resultsPerSecond: written / seconds, tickP99Ms: percentile(tickMs, 99) };
}

interface Measured {
  done: number;
  lags: number[];
  loopP99Ms: number;
  cpuPerCheck: number;
  serverCpuPerCheck: number;
  baselineCpuPerCheck: number;
  rssMb: number;
  bytesPerResult: number;
  hour: { bytesPerResult: number; resultsPerSecond: number; tickP99Ms: number } | null;
}

interface Settings {
  checks: number;
  intervalMs: number;
  durationMs: number;
  concurrency: number;
  hourRounds: number;
}

async function measureOn(engine: EngineName, databases: BenchDatabases, settings: Settings, ports: Ports): Promise<Measured> {
  const { checks, intervalMs, durationMs, concurrency } = settings;
  const dataDir = tempDir('guardian-bench-poller-');
  const core = await createCore({
    dataDir,
    logger: silentLogger(),
    mode: 'headless',
    health: { maxConcurrent: concurrency, maxPerHost: concurrency },
    ...(await databases.core(engine)),
  });
  try {
    const specs = await seed(core, checks, intervalMs, ports);
    const baseline = await bare(specs, Math.min(concurrency, 64));
    process.stdout.write(`${engine}: seeded ${checks} checks on ${Math.ceil(checks / 2)} servers; bare run of all of them: ${baseline.wallMs} ms\n`);

    let measuring = false;
    let done = 0;
    const lags: number[] = [];
    const recorder = core.health.recorder;
    const record = recorder.record.bind(recorder);
    recorder.record = (reports: readonly RunReport[]) => {
      if (measuring) {
        done += reports.length;
        for (const report of reports) lags.push(report.lagMs);
      }
      return record(reports);
    };

    core.health.start();
    process.stdout.write(`${engine}: warming up for one interval (${intervalMs / 1000} s)...\n`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));

    const loop = monitorEventLoopDelay({ resolution: 10 });
    const bytesBefore = await databaseBytes(core);
    const resultsBefore = await countRows(core.data, 'health_results');
    const serverCpuBefore = databases.serverCpuMs();
    const cpuBefore = cpuMs();
    loop.enable();
    measuring = true;
    process.stdout.write(`${engine}: measuring for ${durationMs / 1000} s...\n`);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    measuring = false;
    loop.disable();
    const cpu = cpuMs() - cpuBefore;
    const serverCpu = engine === 'postgres' ? databases.serverCpuMs() - serverCpuBefore : 0;
    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    core.health.stop();
    await core.health.engine.settled();
    const resultsAfter = await countRows(core.data, 'health_results');
    const bytesPerResult = ((await databaseBytes(core)) - bytesBefore) / Math.max(1, resultsAfter - resultsBefore);
    lags.sort((a, b) => a - b);
    const hour = settings.hourRounds > 0 ? await simulatedHour(core, specs, settings.hourRounds) : null;
    return {
      done,
      lags,
      loopP99Ms: loop.percentile(99) / 1e6,
      cpuPerCheck: cpu / Math.max(1, done),
      serverCpuPerCheck: serverCpu / Math.max(1, done),
      baselineCpuPerCheck: baseline.cpuPerCheckMs,
      rssMb,
      bytesPerResult,
      hour,
    };
  } finally {
    await core.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      checks: { type: 'string', default: '5000' },
      interval: { type: 'string', default: '20' },
      duration: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: String(POLLER_CONCURRENCY) },
      'hour-rounds': { type: 'string', default: '180' },
      ...databaseOption,
    },
  });
  const engines = enginesOf(values.database);
  const settings: Settings = {
    checks: Number(values.checks),
    intervalMs: Number(values.interval) * 1000,
    durationMs: Number(values.duration) * 1000,
    concurrency: Number(values.concurrency),
    hourRounds: Number(values['hour-rounds']),
  };
  const { checks, intervalMs, durationMs, concurrency } = settings;
  const targets = await startTargets();
  const databases = await BenchDatabases.open(engines);
  const measured: Partial<Record<EngineName, Measured>> = {};
  try {
    for (const engine of engines) measured[engine] = await measureOn(engine, databases, settings, targets.ports);
  } finally {
    targets.stop();
    await databases.close();
    await cleanUp();
  }

  const each = (pick: (m: Measured) => number | undefined): Partial<Record<EngineName, number>> => {
    const out: Partial<Record<EngineName, number>> = {};
    for (const engine of engines) {
      const value = measured[engine] ? pick(measured[engine]) : undefined;
      if (value !== undefined) out[engine] = value;
    }
    return out;
  };
  const fixed = (digits: number) => (value: number) => value.toFixed(digits);
  // Growth per hour per 1,000 checks at a 20 s interval: 180 results per check per hour.
  const growth = (bytes: number) => (bytes * 180 * 1000) / 1024 / 1024;
  const figures: Figure[] = [
    numeric(
      'checks done per second',
      each((m) => m.done / (durationMs / 1000)),
      fixed(1),
      `${(checks / (intervalMs / 1000)).toFixed(1)} due`,
    ),
    numeric(
      'scheduling lag p50 (ms)',
      each((m) => percentile(m.lags, 50)),
      ms,
    ),
    numeric(
      'scheduling lag p99 (ms)',
      each((m) => percentile(m.lags, 99)),
      ms,
      '< 250',
    ),
    numeric(
      'event-loop delay p99 (ms)',
      each((m) => m.loopP99Ms),
      ms,
      '< 20',
    ),
    numeric(
      'CPU per check, Guardian process (ms)',
      each((m) => m.cpuPerCheck),
      ms,
      '<= 0.6',
    ),
    numeric(
      '  + database server processes (ms)',
      each((m) => m.serverCpuPerCheck),
      ms,
    ),
    numeric(
      'CPU per check, Guardian + database server (ms)',
      each((m) => m.cpuPerCheck + m.serverCpuPerCheck),
      ms,
      'pg <= 1.5x sqlite',
    ),
    numeric(
      '  baseline: same checks bare (ms)',
      each((m) => m.baselineCpuPerCheck),
      ms,
    ),
    numeric(
      '  engine / bare',
      each((m) => m.cpuPerCheck / m.baselineCpuPerCheck),
      (v) => `${v.toFixed(2)}x`,
    ),
    numeric(
      'RSS (MB)',
      each((m) => m.rssMb),
      fixed(0),
      '< 300',
    ),
    numeric(
      'database bytes per result, measured window',
      each((m) => m.bytesPerResult),
      fixed(1),
    ),
    numeric(
      '  DB growth per hour per 1,000 checks at 20 s, from the window (MB)',
      each((m) => growth(m.bytesPerResult)),
      fixed(2),
    ),
    numeric(
      `database bytes per result, ${settings.hourRounds} rounds through the recorder`,
      each((m) => m.hour?.bytesPerResult),
      fixed(1),
    ),
    numeric(
      'DB growth per hour per 1,000 checks at 20 s (MB)',
      each((m) => (m.hour ? growth(m.hour.bytesPerResult) : undefined)),
      fixed(2),
      '<= 5',
    ),
    numeric(
      '  recorder: results written per second',
      each((m) => m.hour?.resultsPerSecond),
      fixed(0),
    ),
    numeric(
      '  recorder: one tick (1 s of results) p99 (ms)',
      each((m) => m.hour?.tickP99Ms),
      ms,
    ),
  ];
  process.stdout.write(
    `\npoller: ${checks} checks every ${intervalMs / 1000} s, ${durationMs / 1000} s measured after warm-up, concurrency ${concurrency}\n\n`,
  );
  process.stdout.write(`${sideBySide(engines, figures)}\n`);
  if (engines.includes('postgres') && !databases.ownsServer)
    process.stdout.write('(a server GUARDIAN_DATABASE_URL names: its CPU is not counted, the "+ database server" rows are 0)\n');
}
