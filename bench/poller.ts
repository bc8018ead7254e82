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
import { formatTable, ms, percentile } from './lib/measure';
import { sqliteOf } from '@core/testing/sqlite-of';

/**
 * `npm run bench -- poller [--checks 5000] [--interval 20] [--duration 60] [--concurrency 256]`
 *
 * The real scheduler, engine and SQLite storage polling loopback HTTP and TCP targets (served by
 * a child process, so their CPU is not counted): a quarter healthy HTTP, a quarter healthy TCP, a
 * quarter slow HTTP (300 ms, degraded above 200 ms), a quarter failing (HTTP 503 and refused
 * TCP). After one interval of warm-up it measures for --duration seconds and prints checks due
 * vs. done per second, scheduling lag, event-loop delay, CPU time per check, RSS and database
 * growth; the baseline is the same checks run bare (no scheduler, no storage) in the same run,
 * so the ratio is what the engine adds. Every target is 127.0.0.1, so the per-host cap is raised
 * to --concurrency. Asserts nothing.
 */

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

function databaseBytes(core: Core): number {
  sqliteOf(core).pragma('wal_checkpoint(TRUNCATE)');
  return statSync(core.paths.database).size;
}

async function seed(core: Core, checks: number, intervalMs: number, ports: Ports): Promise<CheckSpec[]> {
  const servers = Math.ceil(checks / 2);
  const job = await core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(servers, 'poll') }, { origin: 'bench' });
  const finished = await core.jobs.waitFor(job.id);
  if (finished.status !== 'succeeded') throw new Error(`Seeding failed: ${JSON.stringify(finished.error)}`);
  const ids = sqliteOf(core).prepare('SELECT id FROM servers ORDER BY name').pluck().all() as string[];
  const specs: CheckSpec[] = [];
  for (let i = 0; i < checks; i++) {
    const spec = specFor(i, ports);
    specs.push(spec);
    core.health.registry.create({ serverId: ids[i % ids.length] ?? '', spec, intervalMs, timeoutMs: 5000, retries: 0, confirmAfter: 2, paused: false });
  }
  return specs;
}

/**
 * An hour of results (180 per check, as at a 20 s interval) written through the engine's own
 * recorder in 1-second ticks, with the mix's statuses: the database growth of a whole hour, which
 * a minute of live polling cannot show (a young table's pages are still filling).
 */
async function simulatedHour(core: Core, specs: CheckSpec[]): Promise<{ bytesPerResult: number; resultsPerSecond: number; tickP99Ms: number }> {
  const checks = [...core.health.registry.all()];
  const before = databaseBytes(core);
  const base = Date.now() + 86_400_000;
  const perTick = Math.max(1, Math.round(checks.length / 20));
  const tickMs: number[] = [];
  let written = 0;
  const started = Date.now();
  for (let round = 0; round < 180; round++) {
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
  return { bytesPerResult: (databaseBytes(core) - before) / written, resultsPerSecond: written / seconds, tickP99Ms: percentile(tickMs, 99) };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      checks: { type: 'string', default: '5000' },
      interval: { type: 'string', default: '20' },
      duration: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '256' },
    },
  });
  const checks = Number(values.checks);
  const intervalMs = Number(values.interval) * 1000;
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const targets = await startTargets();
  const dataDir = tempDir('guardian-bench-poller-');
  try {
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', health: { maxConcurrent: concurrency, maxPerHost: concurrency } });
    try {
      const specs = await seed(core, checks, intervalMs, targets.ports);
      const baseline = await bare(specs, Math.min(concurrency, 64));
      process.stdout.write(`seeded ${checks} checks on ${Math.ceil(checks / 2)} servers; bare run of all of them: ${baseline.wallMs} ms\n`);

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
      process.stdout.write(`warming up for one interval (${intervalMs / 1000} s)...\n`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));

      const loop = monitorEventLoopDelay({ resolution: 10 });
      const bytesBefore = databaseBytes(core);
      const resultsBefore = sqliteOf(core).prepare('SELECT count(*) FROM health_results').pluck().get() as number;
      const cpuBefore = cpuMs();
      loop.enable();
      measuring = true;
      process.stdout.write(`measuring for ${durationMs / 1000} s...\n`);
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      measuring = false;
      loop.disable();
      const cpu = cpuMs() - cpuBefore;
      const rssMb = process.memoryUsage().rss / 1024 / 1024;
      core.health.stop();
      const resultsAfter = sqliteOf(core).prepare('SELECT count(*) FROM health_results').pluck().get() as number;
      const bytesPerResult = (databaseBytes(core) - bytesBefore) / Math.max(1, resultsAfter - resultsBefore);
      // Growth per hour per 1,000 checks at a 20 s interval: 180 results per check per hour.
      const growthMb = (bytesPerResult * 180 * 1000) / 1024 / 1024;
      lags.sort((a, b) => a - b);
      const cpuPerCheck = cpu / Math.max(1, done);
      const hour = await simulatedHour(core, specs);

      process.stdout.write(
        `\npoller: ${checks} checks every ${intervalMs / 1000} s, ${durationMs / 1000} s measured after warm-up, concurrency ${concurrency}\n\n`,
      );
      process.stdout.write(
        `${formatTable(
          ['figure', 'value', 'goal'],
          [
            ['checks due per second', (checks / (intervalMs / 1000)).toFixed(1), ''],
            ['checks done per second', (done / (durationMs / 1000)).toFixed(1), 'as many as due'],
            ['scheduling lag p50 (ms)', ms(percentile(lags, 50)), ''],
            ['scheduling lag p99 (ms)', ms(percentile(lags, 99)), '< 250'],
            ['event-loop delay p99 (ms)', ms(loop.percentile(99) / 1e6), '< 20'],
            ['CPU per check (ms)', ms(cpuPerCheck), '<= 0.6'],
            ['  baseline: same checks bare (ms)', ms(baseline.cpuPerCheckMs), ''],
            ['  engine / bare', `${(cpuPerCheck / baseline.cpuPerCheckMs).toFixed(2)}x`, ''],
            ['RSS (MB)', rssMb.toFixed(0), '< 300'],
            ['database bytes per result, measured window', bytesPerResult.toFixed(1), ''],
            ['  DB growth per hour per 1,000 checks at 20 s, from the window (MB)', growthMb.toFixed(2), ''],
            ['database bytes per result, a whole hour through the recorder', hour.bytesPerResult.toFixed(1), ''],
            ['DB growth per hour per 1,000 checks at 20 s (MB)', ((hour.bytesPerResult * 180 * 1000) / 1024 / 1024).toFixed(2), '<= 5'],
            ['  recorder: results written per second', hour.resultsPerSecond.toFixed(0), ''],
            ['  recorder: one tick (1 s of results) p99 (ms)', ms(hour.tickP99Ms), ''],
          ],
        )}\n`,
      );
    } finally {
      await core.close();
    }
  } finally {
    targets.stop();
    await cleanUp();
  }
}
