import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ReportInput, ReportResult, type ReportFormat } from '@shared/api/reports';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import { DAY_MS } from '@core/clock';
import { silentLogger } from '@core/logging/logger';
import { generateReport, type ReportTask } from '@core/reports/generate';
import { cleanUp, tempDir } from '../main/headless/testing/guardian';
import { seed } from './dashboard';
import { formatTable, ms } from './lib/measure';
import { sqliteOf } from '@core/testing/sqlite-of';

/**
 * `npm run bench -- reports [--servers 1000] [--days 90]`
 *
 * With --servers servers, two checks each and --days days of rollups (bench/dashboard.ts's
 * seeding), the uptime report over the last --days days as PDF and as HTML: the wall time and
 * the main thread's event-loop delay (p99 and max, sampled every millisecond) while it is made.
 * Each is made as a job does it, in a worker thread through reports.generate, and, as the
 * baseline in the same run, by the same builder and renderer called on the main thread. The
 * delay of an idle main thread over as long is the noise floor: the worker's CPU is taken from
 * the same cores, which on a small machine shows as a few milliseconds here. Asserts nothing.
 */

interface Run {
  wallMs: number;
  p99Ms: number;
  maxMs: number;
  bytes: number;
}

/** Wall time and the main thread's event-loop delay while `work` runs. */
async function observe(work: () => Promise<number>): Promise<Run> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = performance.now();
  const bytes = await work();
  const wallMs = performance.now() - started;
  loop.disable();
  return { wallMs, p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6, bytes };
}

/** As a user's request makes it: a job whose file is made in a worker thread. */
async function inWorker(core: Core, input: ReportInput): Promise<number> {
  const started = await core.router.invoke(LOCAL_OWNER, 'reports.generate', input, { origin: 'bench' });
  const job = await core.jobs.waitFor(started.id);
  if (job.status !== 'succeeded') throw new Error(`The report failed: ${JSON.stringify(job.error)}`);
  return ReportResult.parse(job.result).artifact.bytes;
}

/** The baseline: the same builder and renderer on the main thread, with its connection. */
async function inThread(core: Core, input: ReportInput, path: string): Promise<number> {
  const parsed = ReportInput.parse(input);
  if (!('from' in parsed.period)) throw new Error('the bench uses a custom period');
  const servers = await core.servers.all({});
  const task: ReportTask = {
    database: { url: `sqlite:${core.paths.database}`, dataDir: core.paths.root },
    path,
    input: parsed,
    period: parsed.period,
    servers,
    now: Date.now(),
    generatedBy: 'bench',
    steps: servers.length,
    statuses: {},
  };
  await generateReport(core.data, task, new AbortController().signal, () => {});
  return statSync(path).size;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: '1000' },
      days: { type: 'string', default: '90' },
    },
  });
  const servers = Number(values.servers);
  const days = Number(values.days);
  try {
    const dataDir = tempDir('guardian-bench-reports-');
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
    const rows: string[][] = [];
    try {
      const seeded = Date.now();
      await seed(core, servers, 2, days + 1);
      const rollups = sqliteOf(core).prepare('SELECT count(*) FROM health_rollups').pluck().get() as number;
      process.stdout.write(`seeded ${servers} servers, ${servers * 2} checks, ${rollups} rollup rows in ${Date.now() - seeded} ms\n`);
      const now = Date.now();
      const idle = await observe(async () => {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        return 0;
      });
      rows.push(['main thread idle for 2 s (noise floor)', ms(idle.wallMs), ms(idle.p99Ms), ms(idle.maxMs), '']);
      for (const format of ['pdf', 'html'] satisfies ReportFormat[]) {
        const input: ReportInput = { type: 'uptime', period: { from: now - days * DAY_MS, to: now }, format };
        const worker = await observe(() => inWorker(core, input));
        const thread = await observe(() => inThread(core, input, join(dataDir, `in-thread-${rows.length}.${format}`)));
        for (const [how, result] of [
          ['worker thread (the job)', worker],
          ['baseline: main thread', thread],
        ] as const) {
          rows.push([`${format.toUpperCase()}, ${how}`, ms(result.wallMs), ms(result.p99Ms), ms(result.maxMs), (result.bytes / 1024).toFixed(0)]);
        }
      }
    } finally {
      await core.close();
    }
    process.stdout.write(
      `\nuptime report, ${servers} servers over ${days} days, ${availableParallelism()} cores: main thread's event-loop delay while it is made (ms)\n\n`,
    );
    process.stdout.write(`${formatTable(['format, where', 'wall', 'loop delay p99', 'loop delay max', 'file KB'], rows)}\n`);
  } finally {
    await cleanUp();
  }
}
