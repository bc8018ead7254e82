import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { EventName } from '@shared/api';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { success, useTempCore } from '../testing/harness';
import type { CheckResult, CheckStatus } from './check';
import { checkTypes } from './checks';
import { FakeTime } from '../testing/fake-time';
import { rowsOf } from '../testing/rows';
import { ResultStore } from './store/results';

/**
 * What the running engine tells the UI, on a real core with fake time: check results coalesced
 * to one message per 250 ms carrying the latest result per check, server status and incident
 * events once per change, and a tick's results written by one record() in one transaction. The
 * tcp check type is replaced by a runner the test answers, so results land exactly when it says.
 */

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const COALESCE_MS = 250;

let time: FakeTime;
beforeEach(() => {
  time = new FakeTime(T0);
});
afterEach(() => {
  vi.restoreAllMocks();
});
const env = useTempCore({ prefix: 'guardian-events-', lazy: true });

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));

async function start(tickMs: number): Promise<Core> {
  return await env.start({ clock: time, health: { timers: time, random: () => 0, tickMs, maxPerHost: 64 } });
}

/**
 * The tcp check answers by port: the status set for it (up unless said), latency = how many times
 * that port has been checked, after `delayMs(port)` of fake time.
 */
function fakeTcp(delayMs: (port: number) => number = () => 0) {
  const statuses = new Map<number, CheckStatus>();
  const runs = new Map<number, number>();
  vi.spyOn(checkTypes.tcp, 'run').mockImplementation(({ port }) => {
    const n = (runs.get(port) ?? 0) + 1;
    runs.set(port, n);
    const status = statuses.get(port) ?? 'up';
    const result: CheckResult = { status, latencyMs: n, message: `${status} on run ${n} of :${port}` };
    const delay = delayMs(port);
    if (delay === 0) return Promise.resolve(result);
    return new Promise((resolve) => time.setTimeout(() => resolve(result), delay));
  });
  return { statuses, runs };
}

async function serverWithChecks(core: Core, count: number, firstPort = 1001): Promise<Check[]> {
  const server = await call<{ id: string }>(core, 'servers.create', { name: 'web-1', host: '10.0.0.1', monitor: false });
  const checks: Check[] = [];
  for (let i = 0; i < count; i += 1) {
    const port = firstPort + i;
    checks.push(
      await call<Check>(core, 'checks.create', {
        serverId: server.id,
        name: `port ${port}`,
        spec: { type: 'tcp', config: { host: '10.0.0.1', port } },
        intervalMs: 60_000,
        retries: 0,
        confirmAfter: 1,
      }),
    );
  }
  return checks;
}

interface Seen {
  name: EventName;
  at: number;
  payload: unknown;
}

function listen(core: Core): Seen[] {
  const seen: Seen[] = [];
  core.events.subscribe((name, payload) => seen.push({ name, at: time.now(), payload }));
  return seen;
}

/**
 * Moves fake time forward `ms`, `step` at a time, and after each step waits until the engine has
 * written what that step's ticks handed it: on SQLite that is at once, on PostgreSQL after its round
 * trips, which take real time the fake clock does not see.
 */
async function advance(core: Core, ms: number, step = 10): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    await time.advance(Math.min(step, left));
    await core.health.engine.settled();
  }
}

type ResultMessage = { results: { checkId: string; status: CheckStatus; state: string; latencyMs: number | null; at: number }[] };
const resultMessages = (seen: Seen[]) => seen.filter((e) => e.name === 'check.result') as (Seen & { payload: ResultMessage })[];

describe('the running engine', () => {
  it('writes 20 results that finish within one tick with one record() in one transaction, then sends them in one message', async () => {
    const core = await start(1_000);
    fakeTcp((port) => 10 * (port - 1000)); // finishing 10 ms apart, all within the first second
    const checks = await serverWithChecks(core, 20);
    const record = vi.spyOn(core.health.recorder, 'record');
    const transaction = vi.spyOn(core.data, 'transaction');
    const seen = listen(core);

    core.health.start();
    await advance(core, 999);
    expect(record).not.toHaveBeenCalled();
    expect(transaction).not.toHaveBeenCalled();

    await advance(core, 1); // the first tick
    expect(record).toHaveBeenCalledTimes(1);
    expect(record.mock.calls[0]?.[0]).toHaveLength(20);
    expect(transaction).toHaveBeenCalledTimes(1);
    expect(await rowsOf(core).get('SELECT count(*) AS n FROM health_results')).toEqual({ n: 20 });
    // The server's new status goes out at once; the results wait for the coalescing window.
    expect(seen.map((e) => e.name)).toEqual(['server.status']);

    await advance(core, COALESCE_MS);
    const messages = resultMessages(seen);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.at).toBe(T0 + 1_000 + COALESCE_MS);
    expect(messages[0]?.payload.results.map((r) => r.checkId).sort()).toEqual(checks.map((c) => c.id).sort());
    expect(messages[0]?.payload.results.every((r) => r.status === 'up' && r.state === 'up')).toBe(true);
  });

  it('sends at most one check.result message per 250 ms, each with the latest result of each check in it', async () => {
    const core = await start(50);
    const fake = fakeTcp();
    const checks = await serverWithChecks(core, 10);
    const seen = listen(core);
    core.health.start();

    // Every check is asked to run again every 50 ms for two seconds: 40 results per check.
    for (let step = 0; step < 40; step += 1) {
      for (const check of checks) void core.health.engine.runNow(check.id);
      await advance(core, 50);
    }
    await advance(core, 1_000);

    expect(Math.min(...fake.runs.values())).toBeGreaterThanOrEqual(40);
    const messages = resultMessages(seen);
    const gaps = messages.slice(1).map((m, i) => m.at - (messages[i]?.at ?? 0));
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(3_000 / COALESCE_MS));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(COALESCE_MS);
    for (const message of messages) {
      const ids = message.payload.results.map((r) => r.checkId);
      expect(new Set(ids).size).toBe(ids.length);
    }
    // The last message holds each check's last result: its run count is the latency.
    const last = messages.at(-1)?.payload.results ?? [];
    const port = (id: string) => 1001 + checks.findIndex((c) => c.id === id);
    expect(last.map((r) => [r.checkId, r.latencyMs]).sort()).toEqual(checks.map((c) => [c.id, fake.runs.get(port(c.id))]).sort());
    const stored = await rowsOf(core).value('SELECT count(*) AS n FROM health_results');
    expect(stored).toBe([...fake.runs.values()].reduce((sum, n) => sum + n, 0));
  });

  it('sends server.status and incident.opened / incident.resolved once per change, not once per result', async () => {
    const core = await start(100);
    const fake = fakeTcp();
    const [web, ssh] = await serverWithChecks(core, 2);
    if (!web || !ssh) throw new Error('two checks were created');
    const seen = listen(core);
    core.health.start();
    await advance(core, 100);

    const runThrice = async (check: Check) => {
      for (let i = 0; i < 3; i += 1) {
        void core.health.engine.runNow(check.id);
        await advance(core, 100);
      }
    };
    fake.statuses.set(1001, 'down');
    await runThrice(web);
    fake.statuses.set(1002, 'degraded'); // worse, but the server is down already: no change
    await runThrice(ssh);
    fake.statuses.set(1001, 'up');
    fake.statuses.set(1002, 'up');
    await runThrice(web);
    await runThrice(ssh);
    await advance(core, 1_000);

    const changes = seen
      .filter((e) => e.name !== 'check.result')
      .map((e) => {
        const payload = e.payload as { from?: string; to?: string; severity?: string };
        return e.name === 'server.status' ? `status ${payload.from} → ${payload.to}` : `${e.name} ${payload.severity}`;
      });
    // web back up while ssh is still degraded: the server is degraded, the incident stays open until both are up.
    expect(changes).toEqual([
      'status unknown → up',
      'status up → down',
      'incident.opened down',
      'status down → degraded',
      'status degraded → up',
      'incident.resolved down',
    ]);
    const opened = seen.find((e) => e.name === 'incident.opened')?.payload as { id: string; cause: string };
    expect(opened.cause).toBe('port 1001 down: down on run 2 of :1001');
    expect(seen.find((e) => e.name === 'incident.resolved')?.payload).toMatchObject({ id: opened.id });
  });

  it('still tells a server’s first status when the checks are read again while its tick is being written', async () => {
    // On PostgreSQL the engine reads every check again whenever the tables' mark moves (a write by
    // this process or another, seen within 2 s): that reload used to take the server's new status
    // as its baseline before the tick in flight had told it, and the overview never heard "up".
    const core = await start(100);
    fakeTcp();
    await serverWithChecks(core, 1);
    const seen = listen(core);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const writeResults = ResultStore.prototype.writeResults;
    let holding = false;
    vi.spyOn(ResultStore.prototype, 'writeResults').mockImplementation(async function (this: ResultStore, rows) {
      holding = true;
      await held;
      return writeResults.call(this, rows);
    });
    core.health.start();
    await time.advance(100); // the first tick: its write waits
    await vi.waitFor(() => expect(holding).toBe(true));

    await core.health.registry.load(); // what a change seen in the tables' mark does
    release();
    await advance(core, 100);

    expect(seen.filter((e) => e.name === 'server.status').map((e) => e.payload)).toEqual([expect.objectContaining({ from: 'unknown', to: 'up' })]);
  });
});
