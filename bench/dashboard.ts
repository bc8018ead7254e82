import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { methods } from '@shared/api';
import { toHttpRequest } from '@shared/api/http';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import { DAY_MS, HOUR_MS } from '@core/clock';
import { addToSketch, encodeSketch, type Sketch } from '@core/health/sketch';
import { silentLogger } from '@core/logging/logger';
import { fleetCsv } from '../main/headless/testing/fleet';
import { cleanUp, startGuardian, tempDir, type Guardian } from '../main/headless/testing/guardian';
import { sql } from 'drizzle-orm';
import { read, type Queryable } from '@core/db/engine';
import { measure, ms, percentile, type MeasureOptions, type Sample } from './lib/measure';
import { BenchDatabases, countRows, databaseOption, enginesOf, numeric, sideBySide, type EngineName, type Figure } from './lib/engines';

/**
 * `npm run bench -- dashboard [--servers 5000] [--iterations 200] [--cold 20] [--cold-sizes 1000,10000]
 *   [--database sqlite|postgres|both]`
 *
 * With --servers servers, two checks each, their states, 90 days of daily rollups and 30 days of
 * hourly ones written into a real database, and a quarter of the servers down or degraded with
 * open incidents: p50/p99 of the fleet overview and of one server's 90-day chart through the
 * router, then the "cold load" over HTTP from a fresh TCP connection to the complete overview
 * payload (against `guardian serve`) at 1,000 and 10,000 servers. The baseline, in the same run,
 * is servers.list of every server over the same fresh connection: the overview's cost on top of
 * a plain listing. Asserts nothing.
 */

const STATES = ['up', 'up', 'up', 'down', 'up', 'degraded', 'up', 'up'] as const;

function sketchText(base: number): string {
  const sketch: Sketch = new Map();
  for (let i = 0; i < 20; i++) addToSketch(sketch, base + i * 1.7);
  return encodeSketch(sketch);
}

/** A multi-row INSERT's text for `rows` rows of `columns` columns, `?` per value (both engines). */
function insertText(table: string, columns: string, rows: number): string {
  const one = `(${columns
    .split(',')
    .map(() => '?')
    .join(', ')})`;
  return `INSERT INTO ${table} (${columns}) VALUES ${Array(rows).fill(one).join(', ')}`;
}

/** Rows in multi-row INSERTs of at most 200 (as the audit store writes), on the transaction `tx`. */
async function insertRows(tx: Queryable, table: string, columns: string, rows: unknown[][]): Promise<void> {
  for (let at = 0; at < rows.length; at += 200) {
    const chunk = rows.slice(at, at + 200);
    await tx.execute(insertText(table, columns, chunk.length), chunk.flat());
  }
}

const CHECK_COLUMNS = 'id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at';
const STATE_COLUMNS = 'check_seq, state, pending_count, state_since, last_at, last_status, last_latency_ms, last_message, last_data, avg_latency_ms';
const ROLLUP_COLUMNS = 'check_seq, period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch';

/**
 * Servers through the import job; checks, states, rollups and incidents planted through the async
 * layer (core.data), so the same rows land on either engine.
 */
export async function seed(core: Core, servers: number, hourlyDays: number, dailyDays: number): Promise<void> {
  const job = await core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(servers, 'dash') }, { origin: 'bench' });
  const finished = await core.jobs.waitFor(job.id);
  if (finished.status !== 'succeeded') throw new Error(`Seeding failed: ${JSON.stringify(finished.error)}`);
  const data = core.data;
  const paused = data.dialect === 'postgres' ? false : 0;
  const ids = await data.all(sql`SELECT id, host FROM servers ORDER BY name`, (row) => ({ id: read.text(row, 'id'), host: read.text(row, 'host') }));
  const now = Date.now();
  const hourFrom = Math.floor((now - hourlyDays * DAY_MS) / HOUR_MS) * HOUR_MS;
  const dayFrom = Math.floor((now - dailyDays * DAY_MS) / DAY_MS) * DAY_MS;
  const chunk = 250;
  for (let from = 0; from < ids.length; from += chunk) {
    await data.transaction(async (tx) => {
      const slice = ids.slice(from, from + chunk);
      const checks: unknown[][] = [];
      for (const server of slice) {
        for (const type of ['tcp', 'tls'] as const) {
          const config =
            type === 'tcp'
              ? { host: server.host, port: 22 }
              : { host: server.host, port: 443, allowUntrusted: false, expiryDegradedDays: 14, expiryDownDays: 0 };
          checks.push([crypto.randomUUID(), server.id, `${type} ${server.host}`, type, JSON.stringify(config), 60000, 10000, 1, 2, paused, now, now]);
        }
      }
      await insertRows(tx, 'checks', CHECK_COLUMNS, checks);
      const seqs = new Map(
        (
          await tx.all(sql`SELECT seq, id FROM checks WHERE id IN ${checks.map((check) => check[0] as string)}`, (row) => ({
            id: read.text(row, 'id'),
            seq: read.number(row, 'seq'),
          }))
        ).map((row) => [row.id, row.seq]),
      );
      const states: unknown[][] = [];
      const rollups: unknown[][] = [];
      const incidents: unknown[][] = [];
      for (const [k, server] of slice.entries()) {
        const i = from + k;
        const state = STATES[i % STATES.length] ?? 'up';
        for (const [c, type] of (['tcp', 'tls'] as const).entries()) {
          const seq = seqs.get(checks[k * 2 + c]?.[0] as string) ?? 0;
          const checkState = c === 0 ? state : 'up';
          const latency = 5 + (i % 90);
          const lastData =
            type === 'tls'
              ? JSON.stringify({ names: [server.host], validTo: new Date(now + ((i % 120) + 1) * DAY_MS).toISOString(), daysLeft: (i % 120) + 1 })
              : null;
          states.push([seq, checkState, 0, now - (i % 500) * 60_000, now, checkState, latency, `${type} ${checkState}`, lastData, latency]);
          const sketch = sketchText(latency);
          for (let t = hourFrom; t <= now; t += HOUR_MS)
            rollups.push([seq, 0, t, 60, (t / HOUR_MS) % 97 === i % 97 ? 3 : 0, 0, 0, 60, latency * 0.8, latency * 2, latency * 60, sketch]);
          for (let t = dayFrom; t <= now; t += DAY_MS)
            rollups.push([seq, 1, t, 1440, (t / DAY_MS) % 13 === i % 13 ? 30 : 0, 0, 0, 1440, latency * 0.7, latency * 3, latency * 1440, sketch]);
        }
        if (state !== 'up') incidents.push([crypto.randomUUID(), server.id, state, now - (i % 500) * 60_000, null, `tcp ${server.host} ${state}`]);
      }
      await insertRows(tx, 'check_states', STATE_COLUMNS, states);
      await insertRows(tx, 'health_rollups', ROLLUP_COLUMNS, rollups);
      await insertRows(tx, 'incidents', 'id, server_id, severity, started_at, ended_at, cause', incidents);
    });
  }
  await core.health.registry.load();
}

/** GET over a new TCP connection (no keep-alive): the time to the last byte of the body, parsed. */
function coldGet(guardian: Guardian, auth: Record<string, string>, path: string): Promise<number> {
  const url = guardian.at(path);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent: false, headers: { ...auth, connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} for ${url.href}`));
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Cold {
  servers: number;
  /** From starting serve to its URL on standard output (what a person waits for before the page can ask). */
  start: number;
  first: number;
  overview: Sample;
  listing: Sample;
  bytes: number;
}

async function coldLoad(engine: EngineName, databases: BenchDatabases, servers: number, rounds: number): Promise<Cold> {
  const dataDir = tempDir('guardian-bench-dashboard-');
  const url = await databases.url(engine);
  const database = url ? { database: { url, source: 'environment' as const } } : {};
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', ...database });
  let auth: Record<string, string>;
  try {
    await seed(core, servers, 1, 31);
    // The owner key on the database serve will open (startGuardian's own goes to the data folder's SQLite file).
    auth = {
      authorization: `Bearer ${(await core.router.invoke(LOCAL_OWNER, 'apikeys.create', { name: 'bench', role: 'owner' }, { origin: 'bench' })).token}`,
    };
  } finally {
    await core.close();
  }
  const starting = performance.now();
  const guardian = await startGuardian({ dataDir, apiKey: false, args: ['--log-level', 'warn', ...BenchDatabases.serveArgs(url)] });
  const start = performance.now() - starting;
  try {
    const overviewPath = toHttpRequest(methods['health.overview'], {}).url;
    const listingPath = toHttpRequest(methods['servers.list'], { limit: 10_000 }).url;
    // The very first overview after start also reads the uptime index from the rollups.
    const first = await coldGet(guardian, auth, overviewPath);
    const sample = async (path: string): Promise<Sample> => {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) times.push(await coldGet(guardian, auth, path));
      times.sort((a, b) => a - b);
      return { n: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
    };
    const overview = await sample(overviewPath);
    const listing = await sample(listingPath);
    // The JSON's own size: fetch asks for compression, so the answer carries no Content-Length
    // (`npm run bench -- wire` prints the sizes on the wire).
    const bytes = Buffer.byteLength(JSON.stringify(await (await fetch(guardian.at(overviewPath), { headers: auth })).json()));
    return { servers, start, first, overview, listing, bytes };
  } finally {
    await guardian.stop();
  }
}

interface Measured {
  overview: Sample;
  chart: Sample;
  listing: Sample;
  cold: Cold[];
}

async function measureOn(
  engine: EngineName,
  databases: BenchDatabases,
  servers: number,
  coldSizes: number[],
  coldRounds: number,
  options: MeasureOptions,
): Promise<Measured> {
  const dataDir = tempDir('guardian-bench-dashboard-');
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', ...(await databases.core(engine)) });
  let overview: Sample;
  let chart: Sample;
  let listing: Sample;
  try {
    const seeded = Date.now();
    await seed(core, servers, 30, 90);
    const rollups = await countRows(core.data, 'health_rollups');
    process.stdout.write(`${engine}: seeded ${servers} servers, ${servers * 2} checks, ${rollups} rollup rows in ${Date.now() - seeded} ms\n`);
    const serverId = (await core.data.get(sql`SELECT id FROM servers ORDER BY name LIMIT 1 OFFSET 3`, (row) => read.text(row, 'id'))) ?? '';
    const call = (name: string, input: unknown) => async () => {
      const result = await core.router.call(LOCAL_OWNER, name, input, { origin: 'bench' });
      if (!result.ok) throw new Error(result.error.message);
    };
    overview = await measure(call('health.overview', {}), options);
    chart = await measure(call('health.series', { serverId, range: '90d' }), options);
    listing = await measure(call('servers.list', { limit: 10_000 }), options);
  } finally {
    await core.close();
  }
  const cold = [];
  for (const size of coldSizes) cold.push(await coldLoad(engine, databases, size, coldRounds));
  return { overview, chart, listing, cold };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: '5000' },
      iterations: { type: 'string', default: '200' },
      cold: { type: 'string', default: '20' },
      'cold-sizes': { type: 'string', default: '1000,10000' },
      ...databaseOption,
    },
  });
  const engines = enginesOf(values.database);
  const servers = Number(values.servers);
  const coldSizes = values['cold-sizes'].split(',').map(Number);
  const options: MeasureOptions = { iterations: Number(values.iterations), warmup: 20, budgetMs: 30_000 };
  const databases = await BenchDatabases.open(engines);
  const measured: Partial<Record<EngineName, Measured>> = {};
  try {
    for (const engine of engines) measured[engine] = await measureOn(engine, databases, servers, coldSizes, Number(values.cold), options);
  } finally {
    await databases.close();
    await cleanUp();
  }
  const each = (pick: (m: Measured) => number | undefined): Partial<Record<EngineName, number>> =>
    Object.fromEntries(
      engines.flatMap((engine) => {
        const value = measured[engine] ? pick(measured[engine]) : undefined;
        return value === undefined ? [] : [[engine, value]];
      }),
    );
  const ratio = (value: number) => `${value.toFixed(2)}x`;
  const figures: Figure[] = [
    numeric(
      'health.overview (whole fleet) p50',
      each((m) => m.overview.p50Ms),
      ms,
    ),
    numeric(
      'health.overview (whole fleet) p99',
      each((m) => m.overview.p99Ms),
      ms,
      '< 50',
    ),
    numeric(
      'health.series 90d (one server) p50',
      each((m) => m.chart.p50Ms),
      ms,
    ),
    numeric(
      'health.series 90d (one server) p99',
      each((m) => m.chart.p99Ms),
      ms,
      '< 50',
    ),
    numeric(
      'baseline: servers.list, all rows p50',
      each((m) => m.listing.p50Ms),
      ms,
    ),
    numeric(
      'baseline: servers.list, all rows p99',
      each((m) => m.listing.p99Ms),
      ms,
    ),
  ];
  for (const [index, size] of coldSizes.entries()) {
    const at = (m: Measured) => m.cold[index];
    const goal = size <= 1000 ? '< 100' : '< 300';
    figures.push(
      numeric(
        `cold ${size} servers: payload KB`,
        each((m) => (at(m)?.bytes ?? Number.NaN) / 1024),
        (v) => v.toFixed(0),
      ),
      numeric(
        `cold ${size} servers: first after start`,
        each((m) => at(m)?.first),
        ms,
      ),
      // Work done before serve prints its URL is not in the figure above (SQLite read the uptime index there, in one block).
      numeric(
        `cold ${size} servers: start + first overview`,
        each((m) => (at(m)?.start ?? Number.NaN) + (at(m)?.first ?? Number.NaN)),
        ms,
      ),
      numeric(
        `cold ${size} servers: overview p50`,
        each((m) => at(m)?.overview.p50Ms),
        ms,
        goal,
      ),
      numeric(
        `cold ${size} servers: overview p99`,
        each((m) => at(m)?.overview.p99Ms),
        ms,
      ),
      numeric(
        `cold ${size} servers: baseline servers.list p50`,
        each((m) => at(m)?.listing.p50Ms),
        ms,
      ),
      numeric(
        `cold ${size} servers: overview / baseline p50`,
        each((m) => (at(m)?.overview.p50Ms ?? Number.NaN) / (at(m)?.listing.p50Ms ?? Number.NaN)),
        ratio,
      ),
    );
  }
  process.stdout.write(
    `\nthrough the router at ${servers} servers / ${servers * 2} checks; then the cold load over HTTP: a new TCP connection per request to the complete, parsed payload (ms)\n\n`,
  );
  process.stdout.write(`${sideBySide(engines, figures)}\n`);
}
