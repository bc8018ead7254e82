import { parseArgs } from 'node:util';
import { methods } from '@shared/api';
import { toHttpRequest } from '@shared/api/http';
import type { ServerListInput } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { fleetCsv } from '../main/headless/testing/fleet';
import { cleanUp, startGuardian, tempDir } from '../main/headless/testing/guardian';
import { formatTable, measure, ms, type MeasureOptions, type Sample } from './lib/measure';
import { BenchDatabases, databaseOption, enginesOf, numeric, sideBySide, type EngineName, type Figure } from './lib/engines';

/**
 * `npm run bench -- inventory [--servers 5000] [--iterations 300] [--warmup 30] [--budget-ms 12000]
 *   [--database sqlite|postgres|both]`
 * (--warmup: unmeasured rounds over every query per transport; --budget-ms: time cap per query)
 *
 * servers.list latency on an inventory of 5,000 servers, (a) through the in-process router, as
 * the CLI and the desktop's IPC handler call it, and (b) over HTTP against a real
 * `guardian serve` child on 127.0.0.1, parsing the JSON as a client would. Prints p50/p99 and
 * the HTTP/router ratio per query; asserts nothing.
 */

const QUERIES: { label: string; input: ServerListInput }[] = [
  { label: 'default page (100)', input: {} },
  { label: 'search q="rack 7"', input: { q: 'rack 7' } },
  { label: 'tag filter tags=db', input: { tags: ['db'] } },
  { label: 'environment=staging, sort=host desc', input: { environment: 'staging', sort: 'host', order: 'desc' } },
  { label: 'all rows (limit 10000)', input: { limit: 10_000 } },
];

interface Row {
  label: string;
  rows: number;
  router: Sample;
  http: Sample;
}

const noop = async () => {};

/** Every query once per round, so the JIT has seen them all before any is measured. */
async function warmUp(calls: (() => Promise<void>)[], rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) for (const call of calls) await call();
}

async function measureOn(engine: EngineName, databases: BenchDatabases, count: number, options: MeasureOptions): Promise<Row[]> {
  const perQuery: MeasureOptions = { ...options, warmup: Math.min(10, options.warmup) };
  const dataDir = tempDir('guardian-bench-');
  const url = await databases.url(engine);
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', ...(url ? { database: { url, source: 'environment' as const } } : {}) });
  const results: Row[] = [];
  let auth: Record<string, string>;
  try {
    const seeded = process.hrtime.bigint();
    const job = await core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(count, 'bench') }, { origin: 'bench' });
    const finished = await core.jobs.waitFor(job.id);
    if (finished.status !== 'succeeded') throw new Error(`Seeding failed: ${JSON.stringify(finished.error)}`);
    process.stdout.write(`${engine}: seeded ${count} servers in ${ms(Number(process.hrtime.bigint() - seeded) / 1e6)} ms\n`);
    // The owner key on the database serve will open (startGuardian's own goes to the data folder's SQLite file).
    auth = {
      authorization: `Bearer ${(await core.router.invoke(LOCAL_OWNER, 'apikeys.create', { name: 'bench', role: 'owner' }, { origin: 'bench' })).token}`,
    };

    const routerCalls = QUERIES.map((query) => async () => {
      const result = await core.router.call(LOCAL_OWNER, 'servers.list', query.input, { origin: 'bench' });
      if (!result.ok) throw new Error(result.error.message);
    });
    await warmUp(routerCalls, options.warmup);
    for (const [index, query] of QUERIES.entries()) {
      const page = await core.router.invoke(LOCAL_OWNER, 'servers.list', query.input, { origin: 'bench' });
      const router = await measure(routerCalls[index] ?? noop, perQuery);
      results.push({ label: query.label, rows: page.items.length, router, http: { n: 0, p50Ms: Number.NaN, p99Ms: Number.NaN } });
    }
  } finally {
    await core.close();
  }

  const guardian = await startGuardian({ dataDir, apiKey: false, args: ['--log-level', 'warn', ...BenchDatabases.serveArgs(url)] });
  try {
    const httpCalls = QUERIES.map((query) => {
      const at = guardian.at(toHttpRequest(methods['servers.list'], query.input).url);
      return async () => {
        const response = await fetch(at, { headers: auth });
        if (response.status !== 200) throw new Error(`HTTP ${response.status} for ${at.href}`);
        await response.json();
      };
    });
    await warmUp(httpCalls, options.warmup);
    for (const [index, row] of results.entries()) row.http = await measure(httpCalls[index] ?? noop, perQuery);
  } finally {
    await guardian.stop();
  }
  return results;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: '5000' },
      iterations: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      'budget-ms': { type: 'string', default: '12000' },
      ...databaseOption,
    },
  });
  const engines = enginesOf(values.database);
  const count = Number(values.servers);
  const options: MeasureOptions = {
    iterations: Number(values.iterations),
    warmup: Number(values.warmup),
    budgetMs: Number(values['budget-ms']),
  };
  const databases = await BenchDatabases.open(engines);
  const measured: Partial<Record<EngineName, Row[]>> = {};
  try {
    for (const engine of engines) measured[engine] = await measureOn(engine, databases, count, options);
  } finally {
    await databases.close();
    await cleanUp();
  }

  for (const engine of engines) {
    process.stdout.write(
      `\n${engine}: servers.list on ${count} servers; ${options.iterations} calls per query after ${options.warmup} warm-up rounds (ms)\n\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['query', 'rows', 'n', 'router p50', 'router p99', 'http p50', 'http p99', 'http/router p50', 'http/router p99'],
        (measured[engine] ?? []).map(({ label, rows, router, http }) => [
          label,
          String(rows),
          String(Math.min(router.n, http.n)),
          ms(router.p50Ms),
          ms(router.p99Ms),
          ms(http.p50Ms),
          ms(http.p99Ms),
          `${(http.p50Ms / router.p50Ms).toFixed(2)}x`,
          `${(http.p99Ms / router.p99Ms).toFixed(2)}x`,
        ]),
      )}\n`,
    );
  }
  const each = (index: number, pick: (row: Row) => number): Partial<Record<EngineName, number>> =>
    Object.fromEntries(
      engines.flatMap((engine) => {
        const row = measured[engine]?.[index];
        return row ? [[engine, pick(row)]] : [];
      }),
    );
  const figures: Figure[] = QUERIES.flatMap((query, index) => [
    numeric(
      `${query.label}: router p99`,
      each(index, (row) => row.router.p99Ms),
      ms,
    ),
    numeric(
      `${query.label}: http p50`,
      each(index, (row) => row.http.p50Ms),
      ms,
    ),
    numeric(
      `${query.label}: http p99`,
      each(index, (row) => row.http.p99Ms),
      ms,
      'pg <= 2x sqlite',
    ),
  ]);
  process.stdout.write(`\nservers.list on ${count} servers, side by side (ms)\n\n${sideBySide(engines, figures)}\n`);
}
