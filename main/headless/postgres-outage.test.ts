import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Check } from '@shared/api/checks';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '@core/app';
import { read } from '@core/db/engine';
import { startHttpServer, type RunningHttpServer } from './http/server';
import { useEngines } from '@core/testing/engines';
import { FakeTime } from '@core/testing/fake-time';
import { failure, success, useTempCore } from '@core/testing/harness';
import { checkTypes } from '@core/health/checks';

/**
 * PostgreSQL killed while the health engine writes what it polls (docs/storage.md "While the
 * database is away"): a core on PostgreSQL polls a real TCP listener and a real HTTP server on
 * 127.0.0.1, on fake time (checks every 10 s, ticks every second) so the runs are counted, not
 * waited for. The server is stopped as a crash would stop it, the polling goes on, and once it is
 * started again every result taken meanwhile is in health_results and each check's state is that
 * of its newest result. /readyz, through the real HTTP server, says why Guardian is not ready while
 * the database is away; a call that writes fails retryable and leaves nothing behind.
 */

const engines = useEngines('guardian-pg-outage-', { ownServer: true });
const env = useTempCore({ prefix: 'guardian-pg-outage-', engine: 'postgres', postgresServer: () => engines.server, lazy: true });

const T0 = Date.UTC(2026, 5, 1, 9, 0, 0);
const CALL = { origin: 'test' };
/** Longer than any real run here takes, so fake time never times a run out while it waits on the network. */
const TIMEOUT_MS = 60_000;
/** A real-time bound on every wait below. */
const DEADLINE_MS = 15_000;

let time: FakeTime;
let tcp: TcpServer;
let http: HttpServer;
let web: RunningHttpServer | undefined;
/** What the HTTP target answers now. */
let httpStatus = 200;
/** Runs of the real checks started and finished, and when (fake time) each started. */
let startedAt: number[] = [];
let started = 0;
let finished = 0;

const listening = async <T extends TcpServer | HttpServer>(server: T): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeEach(() => {
  time = new FakeTime(T0);
  httpStatus = 200;
  started = 0;
  finished = 0;
  startedAt = [];
  tcp = createTcpServer((socket) => socket.end());
  http = createHttpServer((_request, response) => response.writeHead(httpStatus).end('ok'));
  // The real checks, counted: the test moves fake time only while none is waiting on the network.
  for (const type of [checkTypes.tcp, checkTypes.http] as const) {
    const run = type.run.bind(type) as (...args: unknown[]) => ReturnType<typeof type.run>;
    vi.spyOn(type, 'run').mockImplementation(async (...args: unknown[]) => {
      started += 1;
      startedAt.push(time.now());
      try {
        return await run(...args);
      } finally {
        finished += 1;
      }
    });
  }
});
afterEach(async () => {
  vi.restoreAllMocks();
  await web?.close();
  web = undefined;
  // A test that failed with the server stopped leaves it running for the next.
  engines.server.restart();
  await new Promise((resolve) => tcp.close(resolve));
  await new Promise((resolve) => http.close(resolve));
});

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves fake time a second at a time (each a scheduler tick), waiting in real time for runs in flight, until `done` holds. */
async function driveUntil(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not within ${DEADLINE_MS} ms: ${what}`);
    if (started > finished) await pause(5);
    else {
      await time.advance(1_000);
      await pause(2);
    }
  }
}

const resultsBetween = (core: Core, from: number, to: number) =>
  core.data.get(sql`SELECT count(*) AS n FROM health_results WHERE at >= ${from} AND at <= ${to}`, (row) => read.number(row, 'n')).then((n) => n ?? 0);
const allResults = (core: Core) => resultsBetween(core, 0, Number.MAX_SAFE_INTEGER);

async function held(core: Core): Promise<number> {
  const text = await core.metrics.registry.metrics();
  return Number(/^guardian_health_results_held (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function readyz(): Promise<{
  status: number;
  body: { status?: string; database?: { engine: string }; error?: { code: string; message: string; hint: string; retryable: boolean } };
}> {
  if (!web) throw new Error('no HTTP server');
  const response = await fetch(new URL('/readyz', web.url), { signal: AbortSignal.timeout(DEADLINE_MS) });
  return { status: response.status, body: (await response.json()) as never };
}

describe('PostgreSQL stopped while the health engine writes results', () => {
  it('keeps polling, holds what it took, writes it in order once the database is back, and says so on /readyz', async () => {
    const core = await env.start({ clock: time, health: { timers: time, random: () => 0.5, tickMs: 1_000 } });
    web = await startHttpServer({ core, host: '127.0.0.1', port: 0 });
    const [tcpPort, httpPort] = [await listening(tcp), await listening(http)];
    const server = await call<{ id: string }>(core, 'servers.create', { name: 'web-1', host: '127.0.0.1', monitor: false });
    const every = { intervalMs: 10_000, timeoutMs: TIMEOUT_MS, retries: 0, confirmAfter: 1 };
    const port = await call<Check>(core, 'checks.create', {
      serverId: server.id,
      spec: { type: 'tcp', config: { host: '127.0.0.1', port: tcpPort } },
      ...every,
    });
    const page = await call<Check>(core, 'checks.create', {
      serverId: server.id,
      spec: { type: 'http', config: { url: `http://127.0.0.1:${httpPort}/health` } },
      ...every,
    });
    core.health.start();

    // Two rounds written while the database answers.
    await driveUntil('two rounds written', async () => (await allResults(core)) >= 4);
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', database: { engine: 'postgres' } } });
    expect((await call<Check>(core, 'checks.get', { id: page.id })).state).toBe('up');

    // A third round run and not yet all written (its two checks may start a fake second apart when
    // an earlier run ended late, and the tick between them writes the first): the next tick starts
    // writing it, and the server is killed as it does (connections cut off, the transaction lost).
    // Each run since runsBefore is stored once in the end, whether before the kill or after.
    const writtenBefore = await allResults(core);
    const runsBefore = finished;
    await driveUntil('a third round run', () => finished >= runsBefore + 2 && started === finished);
    expect(await allResults(core)).toBeLessThan(writtenBefore + 2);
    httpStatus = 503;
    const awayFrom = time.now();
    const crashRoundFrom = Math.min(...startedAt.slice(runsBefore));
    await time.advance(1_000);
    engines.server.stop('immediate');

    // The engine goes on polling; three rounds are taken and held.
    await driveUntil('three more rounds taken while away', async () => finished >= runsBefore + 8 && started === finished && (await held(core)) >= 8);
    expect(core.health.engine.running).toBe(true);
    const away = await readyz();
    expect(away.status).toBe(503);
    expect(away.body.error).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true, hint: expect.stringContaining('PostgreSQL') });
    expect(away.body.error?.message).toMatch(/^The database does not answer: .*connection refused/);
    // A call that writes fails retryable and leaves nothing behind.
    const refused = failure(await core.router.call(LOCAL_OWNER, 'servers.create', { name: 'during-outage', host: '127.0.0.9', monitor: false }, CALL));
    expect(refused).toMatchObject({ code: 'DB_UNAVAILABLE', retryable: true });
    const awayTo = time.now();
    const runsAway = finished - runsBefore;

    engines.server.restart();
    // Back: the held results go in at the next tick, oldest first, with nothing restarted.
    await driveUntil('every held result written', async () => (await held(core)) === 0 && (await allResults(core)) >= writtenBefore + runsAway);
    // Every run taken while away is stored, the round being written at the crash too, and none twice.
    expect(await resultsBetween(core, crashRoundFrom, awayTo)).toBe(runsAway);
    expect(await allResults(core)).toBe(writtenBefore + (finished - runsBefore));
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', database: { engine: 'postgres' } } });

    // The states are those of the newest results: the page went down while away and stays down.
    const pageNow = await call<Check>(core, 'checks.get', { id: page.id });
    expect(pageNow).toMatchObject({ state: 'down', lastStatus: 'down' });
    expect(pageNow.lastAt).toBeGreaterThan(awayFrom);
    const newest = await core.data.get(sql`SELECT max(r.at) AS at FROM health_results r JOIN checks c ON c.seq = r.check_seq WHERE c.id = ${page.id}`, (row) =>
      read.number(row, 'at'),
    );
    expect(pageNow.lastAt).toBe(newest);
    expect((await call<Check>(core, 'checks.get', { id: port.id })).state).toBe('up');
    expect((await call<{ items: { name: string }[] }>(core, 'servers.list', {})).items.map((each) => each.name)).toEqual(['web-1']);

    // And it goes on: the next round is written as it comes, the page back up.
    httpStatus = 200;
    const writtenNow = await allResults(core);
    await driveUntil(
      'the next round written',
      async () => (await allResults(core)) >= writtenNow + 2 && (await call<Check>(core, 'checks.get', { id: page.id })).state === 'up',
    );
    expect(await held(core)).toBe(0);
  });
});
