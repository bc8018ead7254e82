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
import { formatTable, measure, ms, percentile, type MeasureOptions, type Sample } from './lib/measure';
import { sqliteOf } from '@core/testing/sqlite-of';

/**
 * `npm run bench -- dashboard [--servers 5000] [--iterations 200] [--cold 20]`
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

/** Servers through the import job; checks, states, rollups and incidents straight into SQLite. */
export async function seed(core: Core, servers: number, hourlyDays: number, dailyDays: number): Promise<void> {
  const job = await core.router.invoke(LOCAL_OWNER, 'servers.import', { format: 'csv', content: fleetCsv(servers, 'dash') }, { origin: 'bench' });
  const finished = await core.jobs.waitFor(job.id);
  if (finished.status !== 'succeeded') throw new Error(`Seeding failed: ${JSON.stringify(finished.error)}`);
  const sqlite = sqliteOf(core);
  const ids = sqlite.prepare('SELECT id, host FROM servers ORDER BY name').all() as { id: string; host: string }[];
  const now = Date.now();
  const insertCheck = sqlite.prepare(
    `INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 60000, 10000, 1, 2, 0, ?, ?)`,
  );
  const insertState = sqlite.prepare(
    `INSERT INTO check_states (check_seq, state, pending_count, state_since, last_at, last_status, last_latency_ms, last_message, last_data, avg_latency_ms)
     VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertRollup = sqlite.prepare(
    `INSERT INTO health_rollups (check_seq, period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch)
     VALUES (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)`,
  );
  const insertIncident = sqlite.prepare('INSERT INTO incidents (id, server_id, severity, started_at, ended_at, cause) VALUES (?, ?, ?, ?, NULL, ?)');
  const hourFrom = Math.floor((now - hourlyDays * DAY_MS) / HOUR_MS) * HOUR_MS;
  const dayFrom = Math.floor((now - dailyDays * DAY_MS) / DAY_MS) * DAY_MS;
  const chunk = 250;
  for (let from = 0; from < ids.length; from += chunk) {
    sqlite.transaction(() => {
      for (let i = from; i < Math.min(ids.length, from + chunk); i++) {
        const server = ids[i] as { id: string; host: string };
        const state = STATES[i % STATES.length] ?? 'up';
        for (const [k, type] of (['tcp', 'tls'] as const).entries()) {
          const config =
            type === 'tcp'
              ? { host: server.host, port: 22 }
              : { host: server.host, port: 443, allowUntrusted: false, expiryDegradedDays: 14, expiryDownDays: 0 };
          const seq = Number(insertCheck.run(crypto.randomUUID(), server.id, `${type} ${server.host}`, type, JSON.stringify(config), now, now).lastInsertRowid);
          const checkState = k === 0 ? state : 'up';
          const latency = 5 + (i % 90);
          const data =
            type === 'tls'
              ? JSON.stringify({ names: [server.host], validTo: new Date(now + ((i % 120) + 1) * DAY_MS).toISOString(), daysLeft: (i % 120) + 1 })
              : null;
          insertState.run(seq, checkState, now - (i % 500) * 60_000, now, checkState, latency, `${type} ${checkState}`, data, latency);
          const sketch = sketchText(latency);
          for (let t = hourFrom; t <= now; t += HOUR_MS)
            insertRollup.run(seq, 0, t, 60, (t / HOUR_MS) % 97 === i % 97 ? 3 : 0, 60, latency * 0.8, latency * 2, latency * 60, sketch);
          for (let t = dayFrom; t <= now; t += DAY_MS)
            insertRollup.run(seq, 1, t, 1440, (t / DAY_MS) % 13 === i % 13 ? 30 : 0, 1440, latency * 0.7, latency * 3, latency * 1440, sketch);
        }
        if (state !== 'up') insertIncident.run(crypto.randomUUID(), server.id, state, now - (i % 500) * 60_000, `tcp ${server.host} ${state}`);
      }
    })();
  }
  await core.health.registry.load();
}

/** GET over a new TCP connection (no keep-alive): the time to the last byte of the body, parsed. */
function coldGet(guardian: Guardian, path: string): Promise<number> {
  const url = guardian.at(path);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent: false, headers: { ...guardian.auth(), connection: 'close' } }, (res) => {
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

async function coldLoad(servers: number, rounds: number): Promise<{ servers: number; first: number; overview: Sample; listing: Sample; bytes: number }> {
  const dataDir = tempDir('guardian-bench-dashboard-');
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
  try {
    await seed(core, servers, 1, 31);
  } finally {
    await core.close();
  }
  const guardian = await startGuardian({ dataDir, args: ['--log-level', 'warn'] });
  try {
    const overviewPath = toHttpRequest(methods['health.overview'], {}).url;
    const listingPath = toHttpRequest(methods['servers.list'], { limit: 10_000 }).url;
    // The very first overview after start also reads the uptime index from the rollups.
    const first = await coldGet(guardian, overviewPath);
    const sample = async (path: string): Promise<Sample> => {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) times.push(await coldGet(guardian, path));
      times.sort((a, b) => a - b);
      return { n: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
    };
    const overview = await sample(overviewPath);
    const listing = await sample(listingPath);
    // The JSON's own size: fetch asks for compression, so the answer carries no Content-Length
    // (`npm run bench -- wire` prints the sizes on the wire).
    const bytes = Buffer.byteLength(JSON.stringify((await guardian.request<unknown>('GET', overviewPath.replace(/^\//, ''))).body));
    return { servers, first, overview, listing, bytes };
  } finally {
    await guardian.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      servers: { type: 'string', default: '5000' },
      iterations: { type: 'string', default: '200' },
      cold: { type: 'string', default: '20' },
    },
  });
  const servers = Number(values.servers);
  const options: MeasureOptions = { iterations: Number(values.iterations), warmup: 20, budgetMs: 30_000 };
  try {
    const dataDir = tempDir('guardian-bench-dashboard-');
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
    let overview: Sample;
    let chart: Sample;
    let listing: Sample;
    try {
      const seeded = Date.now();
      await seed(core, servers, 30, 90);
      const rollups = sqliteOf(core).prepare('SELECT count(*) FROM health_rollups').pluck().get() as number;
      process.stdout.write(`seeded ${servers} servers, ${servers * 2} checks, ${rollups} rollup rows in ${Date.now() - seeded} ms\n`);
      const serverId = sqliteOf(core).prepare('SELECT id FROM servers LIMIT 1 OFFSET 3').pluck().get() as string;
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

    process.stdout.write(`\nthrough the router, ${servers} servers / ${servers * 2} checks (ms)\n\n`);
    process.stdout.write(
      `${formatTable(
        ['query', 'n', 'p50', 'p99', 'goal p99'],
        [
          ['health.overview (whole fleet)', String(overview.n), ms(overview.p50Ms), ms(overview.p99Ms), '< 50'],
          ['health.series 90d (one server)', String(chart.n), ms(chart.p50Ms), ms(chart.p99Ms), '< 50'],
          ['baseline: servers.list, all rows', String(listing.n), ms(listing.p50Ms), ms(listing.p99Ms), ''],
        ],
      )}\n`,
    );

    const cold = [];
    for (const size of [1000, 10_000]) cold.push(await coldLoad(size, Number(values.cold)));
    process.stdout.write(`\ncold load over HTTP: a new TCP connection per request to the complete, parsed payload (ms)\n\n`);
    process.stdout.write(
      `${formatTable(
        ['servers', 'payload KB', 'first after start', 'overview p50', 'overview p99', 'baseline servers.list p50', 'overview / baseline p50', 'goal'],
        cold.map((row) => [
          String(row.servers),
          (row.bytes / 1024).toFixed(0),
          ms(row.first),
          ms(row.overview.p50Ms),
          ms(row.overview.p99Ms),
          ms(row.listing.p50Ms),
          `${(row.overview.p50Ms / row.listing.p50Ms).toFixed(2)}x`,
          row.servers <= 1000 ? '< 100' : '< 300',
        ]),
      )}\n`,
    );
  } finally {
    await cleanUp();
  }
}
