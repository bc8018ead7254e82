import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRunWithTargets } from '@shared/api/operations';
import type { Runbook } from '@shared/api/runbooks';
import type { Core } from '../app';
import { CHEAP_SCRYPT, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { TestSshd } from '../testing/sshd';
import { recordedCalls } from './testing/recorded-calls';

/**
 * Rolling runs against four real OpenSSH servers, each on a loopback address of its own (four
 * hosts, so one batch's targets run side by side): batches one after another (the remote
 * commands' own clock says no batch-2 command started before every batch-1 command ended), a
 * run at its threshold (not past it) running every batch, a run past it stopping with the rest
 * skipped (their commands never ran: no marker file), the re-run keeping the settings, a
 * runbook's stored settings, and the contract's refusals. On both engines.
 */

const env = useTempCore({ prefix: 'guardian-rolling-', lazy: true, scope: 'all' });
const ADDRESSES = ['127.0.0.1', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

let sshds: TestSshd[] = [];
let core: Core;
/** Server ids in name order (r-1 … r-4), the run's target order. */
let ids: string[] = [];
const marks = mkdtempSync(join(tmpdir(), 'guardian-rolling-marks-'));
const sent: { name: string; payload: unknown }[] = [];

const { call, refusal } = recordedCalls(() => core, []);

/**
 * Writes `<dir>/start-<port>` and `<dir>/end-<port>` (nanoseconds, the host's clock, one for all
 * four sshd) around a short sleep, and exits 3 on the ports given.
 */
function marking(dir: string, failOn: number[]): string {
  const fail = failOn.map((port) => `[ "$P" != "${port}" ] || exit 3;`).join(' ');
  return `P=\${SSH_CONNECTION##* }; date +%s%N > "${dir}/start-$P"; sleep 0.4; date +%s%N > "${dir}/end-$P"; ${fail} true`;
}

const markDir = (name: string) => mkdtempSync(join(marks, `${name}-`));
const stamp = (dir: string, what: 'start' | 'end', index: number) => BigInt(readFileSync(join(dir, `${what}-${sshds[index]?.port}`), 'utf8').trim());
const ran = (dir: string, index: number) => existsSync(join(dir, `start-${sshds[index]?.port}`));

/** Each target's batch as its operation.target audit event says it (server name → batch; undefined when the event has none). */
async function auditedBatches(runId: string): Promise<Record<string, unknown>> {
  const rows = await rowsOf(core).all<{ details: string }>("SELECT details FROM audit_events WHERE correlation_id = ? AND action = 'operation.target'", runId);
  return Object.fromEntries(
    rows.map((row) => {
      const details = JSON.parse(row.details) as { server: string; batch?: number };
      return [details.server, details.batch];
    }),
  );
}

async function finished(started: Promise<OperationRunWithTargets>): Promise<OperationRunWithTargets> {
  return core.operations.waitFor((await started).id);
}

beforeAll(async () => {
  sshds = await Promise.all(ADDRESSES.map((address) => TestSshd.start({ address })));
  const first = sshds[0];
  if (!first) throw new Error('no sshd');
  const key = first.clientKey();
  for (const other of sshds.slice(1)) writeFileSync(join(other.dir, 'authorized_keys'), key.publicKey, { flag: 'a' });
  core = await env.start({ vaultScryptCost: CHEAP_SCRYPT });
  core.events.subscribe((name, payload) => sent.push({ name, payload }));
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  ids = [];
  for (const [index, sshd] of sshds.entries()) {
    const server = { name: `r-${index + 1}`, host: sshd.address, port: sshd.port, user: sshd.user, tags: ['roll'], environment: 'prod', monitor: false };
    ids.push((await call<{ id: string }>('servers.create', server)).id);
  }
  await call('secrets.create', { name: 'roll key', value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: ids });
}, 300_000);

afterAll(async () => {
  await Promise.all(sshds.map((sshd) => sshd.dispose()));
  rmSync(marks, { recursive: true, force: true });
});

// Several SSH logins a test: a loaded machine (2 cores, other suites beside) has taken 2 s a login.
describe('rolling runs', { timeout: 120_000 }, () => {
  it('runs batches one after another, and at its threshold (not past it) runs every batch', async () => {
    const dir = markDir('under');
    // r-2 fails: 1 of 4 is 25%, which is not more than the 25% allowed.
    const started = call<OperationRunWithTargets>('operations.run', {
      command: marking(dir, [sshds[1]?.port ?? 0]),
      targets: { tags: ['roll'] },
      rolling: { batchSize: 2, maxFailPercent: 25 },
    });
    expect((await started).rolling).toEqual({ batchSize: 2, maxFailPercent: 25, perBatch: 2, batches: 2 });
    const result = await finished(started);

    expect(result.targets.map((target) => [target.serverName, target.state])).toEqual([
      ['r-1', 'succeeded'],
      ['r-2', 'failed'],
      ['r-3', 'succeeded'],
      ['r-4', 'succeeded'],
    ]);
    expect(result.stopReason).toBeNull();
    // No command of batch 2 started before every command of batch 1 had ended, by the host's own clock.
    const lastEnd = [0, 1].map((index) => stamp(dir, 'end', index)).reduce((a, b) => (a > b ? a : b));
    for (const index of [2, 3]) expect(stamp(dir, 'start', index) > lastEnd).toBe(true);
    // Each target's audit event says its batch.
    expect(await auditedBatches(result.id)).toEqual({ 'r-1': 1, 'r-2': 1, 'r-3': 2, 'r-4': 2 });
    // And as Guardian recorded it.
    const [one, two, three, four] = result.targets;
    const batchOneEnd = Math.max(one?.finishedAt ?? Infinity, two?.finishedAt ?? Infinity);
    expect(Math.min(three?.startedAt ?? 0, four?.startedAt ?? 0)).toBeGreaterThanOrEqual(batchOneEnd);
  });

  it('stops past the threshold: later batches skipped saying why, their commands never run, and the re-run keeps the settings', async () => {
    const dir = markDir('over');
    const failing = sshds[0]?.port ?? 0;
    // r-1 fails: 1 of 4 is 25%, more than the 20% allowed, so batch 2 (r-3, r-4) never starts.
    const result = await finished(
      call<OperationRunWithTargets>('operations.run', {
        command: marking(dir, [failing]),
        targets: { tags: ['roll'] },
        rolling: { batchSize: '50%', maxFailPercent: 20 },
      }),
    );

    const why = '1 of 4 targets failed by the end of batch 1 of 2, more than the 20% allowed';
    expect(result.targets.map((target) => [target.serverName, target.state, target.message])).toEqual([
      ['r-1', 'failed', 'exited with 3'],
      ['r-2', 'succeeded', null],
      ['r-3', 'skipped', `Not run: ${why}`],
      ['r-4', 'skipped', `Not run: ${why}`],
    ]);
    expect(result.targets.slice(2).map((target) => target.startedAt)).toEqual([null, null]);
    expect([0, 1, 2, 3].map((index) => ran(dir, index))).toEqual([true, true, false, false]);
    expect(result).toMatchObject({
      status: 'finished',
      stopReason: `Stopped at the failure threshold: ${why}; 2 not run`,
      rolling: { batchSize: '50%', maxFailPercent: 20, perBatch: 2, batches: 2 },
      counts: { failed: 1, succeeded: 1, skipped: 2 },
    });
    // Followers heard the skipped targets end, and the audit log says where it stopped.
    const skippedEvents = sent.filter(
      ({ name, payload }) =>
        name === 'operation.target' && (payload as { runId: string; state: string }).runId === result.id && (payload as { state: string }).state === 'skipped',
    );
    expect(skippedEvents).toHaveLength(2);
    // The skipped targets' audit events name the batch they were in too.
    expect(await auditedBatches(result.id)).toEqual({ 'r-1': 1, 'r-2': 1, 'r-3': 2, 'r-4': 2 });
    const stopped = await rowsOf(core).all<{ outcome: string; details: string }>(
      "SELECT outcome, details FROM audit_events WHERE correlation_id = ? AND action = 'operation.stopped'",
      result.id,
    );
    expect(stopped).toHaveLength(1);
    expect(stopped[0]?.outcome).toBe('FAILURE_THRESHOLD');
    expect(JSON.parse(stopped[0]?.details ?? '{}')).toMatchObject({ afterBatch: 1, batches: 2, maxFailPercent: 20 });
    const job = await call<{ result: { stopReason: string } }>('jobs.get', { id: result.jobId });
    expect(job.result.stopReason).toBe(result.stopReason);

    // The failed and the skipped again (3 targets), in batches of 50% of them (1): the same command, so r-1 fails first again.
    const again = await finished(call<OperationRunWithTargets>('operations.rerun', { id: result.id, only: 'failed' }));
    expect(again).toMatchObject({ rerunOf: result.id, rolling: { batchSize: '50%', maxFailPercent: 20, perBatch: 1, batches: 3 } });
    expect(again.targets.map((target) => [target.serverName, target.state])).toEqual([
      ['r-1', 'failed'],
      ['r-3', 'skipped'],
      ['r-4', 'skipped'],
    ]);
    expect(await auditedBatches(again.id)).toEqual({ 'r-1': 1, 'r-3': 2, 'r-4': 3 });
    expect(again.stopReason).toBe('Stopped at the failure threshold: 1 of 3 targets failed by the end of batch 1 of 3, more than the 20% allowed; 2 not run');
    expect([2, 3].map((index) => ran(dir, index))).toEqual([false, false]);
  });

  it('runs a runbook in the batches it keeps unless the runner says otherwise', async () => {
    const book = await call<Runbook>('runbooks.create', {
      name: 'rolling-restart',
      script: 'true',
      defaultTargets: { serverIds: [ids[0], ids[1], ids[2]] },
      rolling: { batchSize: 1 },
    });
    expect(book.rolling).toEqual({ batchSize: 1, maxFailPercent: 0 });
    const stored = await finished(call<OperationRunWithTargets>('runbooks.run', { id: 'rolling-restart' }));
    expect(stored).toMatchObject({ rolling: { batchSize: 1, maxFailPercent: 0, perBatch: 1, batches: 3 }, stopReason: null, counts: { succeeded: 3 } });
    const overridden = await finished(call<OperationRunWithTargets>('runbooks.run', { id: 'rolling-restart', rolling: { batchSize: '100%' } }));
    expect(overridden.rolling).toEqual({ batchSize: '100%', maxFailPercent: 0, perBatch: 3, batches: 1 });
    const none = await finished(call<OperationRunWithTargets>('runbooks.run', { id: 'rolling-restart', rolling: null }));
    expect(none.rolling).toBeNull();
    const exported = await call<{ content: string }>('runbooks.export', { id: book.id });
    expect(JSON.parse(exported.content).runbook.rolling).toEqual({ batchSize: 1, maxFailPercent: 0 });
    const allAtOnce = await call<Runbook>('runbooks.update', { id: book.id, rolling: null });
    expect(allAtOnce).toMatchObject({ version: 2, rolling: null });
  });

  it('refuses rolling settings that say nothing sensible, field by field', async () => {
    const run = (rolling: unknown) => refusal('operations.run', { command: 'true', targets: { tags: ['roll'] }, rolling });
    const cases: [unknown, (string | number)[], string][] = [
      [{ batchSize: 0 }, ['rolling', 'batchSize'], 'A batch is at least 1 target'],
      [{ batchSize: '0%' }, ['rolling', 'batchSize'], 'A percentage from 1% to 100%'],
      [{ batchSize: '150%' }, ['rolling', 'batchSize'], 'A percentage from 1% to 100%'],
      [{ batchSize: 'half' }, ['rolling', 'batchSize'], 'A whole number of targets, e.g. 2, or a percentage of them, e.g. "25%"'],
      [{ batchSize: 2.5 }, ['rolling', 'batchSize'], 'A whole number of targets, e.g. 2, or a percentage of them, e.g. "25%"'],
      [{ batchSize: 2, maxFailPercent: 101 }, ['rolling', 'maxFailPercent'], 'At most 100%'],
      [{ batchSize: 2, maxFailPercent: -1 }, ['rolling', 'maxFailPercent'], 'At least 0%'],
    ];
    for (const [rolling, path, message] of cases) {
      const error = await run(rolling);
      expect(error, JSON.stringify(rolling)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path, message }] });
      expect(error.hint).toBeTruthy();
    }
    expect(await run({ maxFailPercent: 10 })).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['rolling', 'batchSize'] }] });
    expect(await run({ batchSize: 1, serial: 2 })).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await refusal('runbooks.create', { name: 'bad-rolling', script: 'true', rolling: { batchSize: -3 } })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['rolling', 'batchSize'], message: 'A batch is at least 1 target' }],
    });
    // Without rolling, a run is one batch, as before.
    const plain = await finished(call<OperationRunWithTargets>('operations.run', { command: 'true', targets: { serverIds: [ids[0]] } }));
    expect(plain).toMatchObject({ rolling: null, stopReason: null, counts: { succeeded: 1 } });
    // A run all at once has no batches, and its audit events say none.
    expect(await auditedBatches(plain.id)).toEqual({ 'r-1': undefined });
  });
});
