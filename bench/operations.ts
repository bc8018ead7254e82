import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { OperationRunWithTargets, OutputChunk } from '@shared/api/operations';
import { LOCAL_OWNER } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import { silentLogger } from '@core/logging/logger';
import { TestSshd } from '@core/testing/sshd';
import { configuredKeyFile } from '@core/vault/keyfile';
import { cleanUp, tempDir } from '../main/headless/testing/guardian';
import { formatTable, ms, percentile } from './lib/measure';

/**
 * `npm run bench -- operations [--hosts 10] [--targets 200]`
 *
 * Ad-hoc commands in process against --hosts real sshd, each on a loopback address of its own
 * (127.0.0.2, 127.0.0.3, …), with --targets servers spread over them (one connection per host at a
 * time, so at most --hosts run at once whatever the concurrency). Phases:
 *
 *   true      `true` on every target at concurrency 10 and 50: wall time
 *   idle      the event-loop delay with nothing running, to compare with the next phase's
 *   1 MB      every target prints 1 MB: wall time, event-loop delay p99 meanwhile, events sent
 *   latency   one target per host prints a timestamp every 50 ms for 2 s: from the line printed
 *             remotely (same clock) to its operation.output event reaching a subscriber, p50/p99
 *
 * Prints figures; asserts nothing.
 */

const call = <T>(core: Core, name: string, input: unknown) =>
  core.router.call(LOCAL_OWNER, name, input, { origin: 'cli' }).then((result) => {
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.value as T;
  });

async function timed(core: Core, input: Record<string, unknown>): Promise<{ ms: number; run: OperationRunWithTargets }> {
  const started = process.hrtime.bigint();
  const run = await call<OperationRunWithTargets>(core, 'operations.run', input);
  const done = await core.operations.waitFor(run.id);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, run: done };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { hosts: { type: 'string', default: '10' }, targets: { type: 'string', default: '200' } } });
  const hostCount = Number(values.hosts);
  const targetCount = Number(values.targets);
  const sshds = await Promise.all(Array.from({ length: hostCount }, (_, i) => TestSshd.start({ address: `127.0.0.${i + 2}` })));
  const keyDir = tempDir('guardian-bench-ops-key-');
  const keyFile = join(keyDir, 'vault.key');
  writeFileSync(keyFile, randomBytes(32), { mode: 0o600 });
  const core = await createCore({
    dataDir: tempDir('guardian-bench-ops-'),
    logger: silentLogger(),
    mode: 'headless',
    vaultKeyFile: configuredKeyFile(keyFile),
  });
  try {
    await core.vault.init({ kind: 'keyfile' });
    const [first] = sshds;
    if (!first) throw new Error('no sshd');
    const key = first.clientKey();
    for (const sshd of sshds.slice(1)) writeFileSync(join(sshd.dir, 'authorized_keys'), key.publicKey, { flag: 'a' });
    const ids: string[] = [];
    for (let i = 0; i < targetCount; i++) {
      const sshd = sshds[i % hostCount];
      if (!sshd) continue;
      const server = await call<{ id: string }>(core, 'servers.create', {
        name: `bench-${String(i).padStart(4, '0')}`,
        host: sshd.address,
        port: sshd.port,
        user: sshd.user,
        tags: ['bench'],
        monitor: false,
      });
      ids.push(server.id);
    }
    for (let i = 0; i < ids.length; i += 1000) {
      await call(core, 'secrets.create', { name: `bench key ${i}`, value: { kind: 'ssh_key', privateKey: key.privateKey }, serverIds: ids.slice(i, i + 1000) });
    }
    const rows: string[][] = [];
    const said = (what: string, figure: string, note = '') => {
      rows.push([what, figure, note]);
      process.stderr.write(`${what}: ${figure} ${note}\n`);
    };

    // Pins every host key first, so the phases measure runs, not first contact.
    await timed(core, { command: 'true', targets: { tags: ['bench'] }, concurrency: 10 });
    for (const concurrency of [10, 50]) {
      // Logins and nothing printed: the event loop's share of connecting alone, beside the 1 MB phase's.
      const logins = monitorEventLoopDelay({ resolution: 10 });
      logins.enable();
      const { ms: took, run } = await timed(core, { command: 'true', targets: { tags: ['bench'] }, concurrency });
      logins.disable();
      said(
        `true × ${targetCount}, concurrency ${concurrency}`,
        ms(took),
        `${run.counts.succeeded} succeeded, event-loop delay p99 ${ms(logins.percentile(99) / 1e6)}`,
      );
    }

    // The same measure with nothing running, in the same run: what the machine's load alone costs.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    idle.disable();
    said('event-loop delay p99 idle, 5 s', ms(idle.percentile(99) / 1e6), `max ${ms(idle.max / 1e6)}`);

    let events = 0;
    const off = core.events.subscribe((name) => {
      if (name === 'operation.output') events += 1;
    });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const heavy = await timed(core, { command: "head -c 1000000 /dev/zero | tr '\\0' x", targets: { tags: ['bench'] }, concurrency: 50 });
    delay.disable();
    off();
    said(`1 MB × ${targetCount}, concurrency 50`, ms(heavy.ms), `${heavy.run.counts.succeeded} succeeded, ${events} output events`);
    said('event-loop delay p99 while streaming', ms(delay.percentile(99) / 1e6), `max ${ms(delay.max / 1e6)}`);

    const latencies: number[] = [];
    const stop = core.events.subscribe((name, payload) => {
      if (name !== 'operation.output') return;
      const now = Date.now();
      for (const item of (payload as { items: { chunks: OutputChunk[] }[] }).items) {
        for (const chunk of item.chunks) {
          for (const line of chunk.text.split('\n')) if (/^\d{19}$/.test(line)) latencies.push(now - Number(BigInt(line) / 1_000_000n));
        }
      }
    });
    const perHost = ids.slice(0, hostCount);
    await timed(core, { command: 'for i in $(seq 1 40); do date +%s%N; sleep 0.05; done', targets: { serverIds: perHost }, concurrency: hostCount });
    stop();
    latencies.sort((a, b) => a - b);
    said(
      `print → event, ${perHost.length} targets streaming`,
      `p50 ${ms(percentile(latencies, 50))}`,
      `p99 ${ms(percentile(latencies, 99))}, ${latencies.length} lines`,
    );
    said('RSS after', `${Math.round(process.memoryUsage().rss / 1e6)} MB`);
    process.stdout.write(`${formatTable(['measure', 'figure', 'notes'], rows)}\n`);
  } finally {
    await core.close();
    await Promise.all(sshds.map((sshd) => sshd.dispose()));
    await cleanUp();
  }
}
