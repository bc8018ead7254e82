import { parseArgs } from 'node:util';
import type { VerifyReport } from '@shared/api/audit';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { createCore } from '@core/app';
import type { AuditEntry } from '@core/audit/log';
import { AuditStore } from '@core/audit/store';
import { silentLogger } from '@core/logging/logger';
import { cleanUp, tempDir } from '../main/headless/testing/guardian';
import { formatTable, measure, ms, type MeasureOptions } from './lib/measure';
import { sqliteOf } from '@core/testing/sqlite-of';

/**
 * `npm run bench -- audit [--events 1000000] [--batch 1000] [--iterations 200]`
 *
 * The audit log at a million events on a real database file: append throughput in batches
 * (hash-chained, full-text indexed) against a baseline of the same rows inserted without the
 * chain in the same run; the verification job over the whole chain; p50/p99 of filtered pages
 * through the router. Asserts nothing.
 */

const ACTIONS = ['servers.update', 'servers.create', 'checks.run', 'secrets.reveal', 'auth.login', 'servers.delete', 'checks.update', 'users.update'];
const PEOPLE: Principal[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'user', id: `user-${i}`, name: `person-${i}`, role: 'operator' }));

function entry(i: number): AuditEntry {
  const action = ACTIONS[i % ACTIONS.length] ?? 'servers.update';
  return {
    actor: PEOPLE[i % PEOPLE.length] ?? null,
    origin: i % 3 === 0 ? 'ipc' : 'http:10.0.0.7',
    action,
    target: `server:${(i * 7919) % 5000}`,
    // One call in fifty fails, one in ten thousand with a rare code.
    outcome: i % 10_000 === 0 ? 'HOST_KEY_MISMATCH' : i % 50 === 0 ? 'CONFLICT' : 'ok',
    correlationId: `c-${i}`,
    details: { id: `srv-${(i * 7919) % 5000}`, name: `web-${i % 5000}`, notes: `rack ${i % 40} row ${i % 7}`, tags: ['web', i % 2 ? 'eu' : 'us'] },
  };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '1000' },
      iterations: { type: 'string', default: '200' },
    },
  });
  const total = Number(values.events);
  const batch = Number(values.batch);
  const options: MeasureOptions = { iterations: Number(values.iterations), warmup: 10, budgetMs: 30_000 };
  const dataDir = tempDir('guardian-bench-audit-');
  try {
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless' });
    try {
      const sqlite = sqliteOf(core);
      // Baseline: the same rows without hashing or the full-text index, in a scratch table.
      sqlite.exec('CREATE TABLE bench_plain AS SELECT * FROM audit_events WHERE 0');
      const plain = sqlite.prepare(
        'INSERT INTO bench_plain (seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const baselineN = Math.min(total, 200_000);
      let started = process.hrtime.bigint();
      for (let from = 0; from < baselineN; from += batch) {
        sqlite.transaction(() => {
          for (let i = from; i < Math.min(baselineN, from + batch); i++) {
            const e = entry(i);
            plain.run(
              i + 1,
              Date.now(),
              `user:${e.actor?.id}`,
              e.actor?.name ?? null,
              e.origin,
              e.action,
              e.target ?? null,
              e.outcome,
              e.correlationId,
              JSON.stringify(e.details),
            );
          }
        })();
      }
      const baselineRate = baselineN / (Number(process.hrtime.bigint() - started) / 1e9);
      sqlite.exec('DROP TABLE bench_plain');

      // What the router and jobs append through, on the core's own engine.
      const log = new AuditStore(core.data, { now: () => Date.now() });
      started = process.hrtime.bigint();
      for (let from = 0; from < total; from += batch) {
        await log.append(Array.from({ length: Math.min(batch, total - from) }, (_, k) => entry(from + k)));
        if (from % 100_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const appendSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      process.stdout.write(`appended ${total} events in ${appendSeconds.toFixed(1)} s\n`);

      started = process.hrtime.bigint();
      const job = await core.router.invoke(LOCAL_OWNER, 'audit.verify', {}, { origin: 'bench' });
      const done = await core.jobs.waitFor(job.id);
      const verifySeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const report = done.result as VerifyReport;

      const mid = Date.now() - 1;
      const queries: { label: string; input: Record<string, unknown> }[] = [
        { label: 'newest page (100)', input: {} },
        { label: 'action=secrets.reveal', input: { action: 'secrets.reveal' } },
        { label: 'actor=person-7', input: { actor: 'person-7' } },
        { label: 'outcome=HOST_KEY_MISMATCH (rare)', input: { outcome: 'HOST_KEY_MISMATCH' } },
        { label: 'outcome=error', input: { outcome: 'error' } },
        { label: 'target=server:42', input: { target: 'server:42' } },
        { label: 'words "rack 7 row 3"', input: { q: 'rack 7 row 3' } },
        { label: 'actor + action + time range', input: { actor: 'person-3', action: 'servers.update', to: mid } },
        { label: 'page 50 deep (before cursor)', input: { before: total - 5000 } },
      ];
      const rows = [];
      for (const query of queries) {
        const sample = await measure(async () => {
          const result = await core.router.call(LOCAL_OWNER, 'audit.list', { ...query.input, limit: 100 }, { origin: 'bench' });
          if (!result.ok) throw new Error(result.error.message);
        }, options);
        rows.push([query.label, ms(sample.p50Ms), ms(sample.p99Ms), '< 50']);
      }

      process.stdout.write(`\naudit log, ${total} events (batches of ${batch})\n\n`);
      process.stdout.write(
        `${formatTable(
          ['figure', 'value', 'goal'],
          [
            ['appends per second (chained, indexed)', (total / appendSeconds).toFixed(0), '>= 20000'],
            ['  baseline: plain inserts per second', baselineRate.toFixed(0), ''],
            ['  chained / plain', `${(total / appendSeconds / baselineRate).toFixed(2)}x`, ''],
            ['verify the whole chain (s)', verifySeconds.toFixed(2), '< 10'],
            ['  verified per second', (report.events / verifySeconds).toFixed(0), ''],
            ['  verdict', report.summary.slice(0, 60), ''],
          ],
        )}\n\nfiltered page of 100 through the router (ms)\n\n`,
      );
      process.stdout.write(`${formatTable(['query', 'p50', 'p99', 'goal p99'], rows)}\n`);
    } finally {
      await core.close();
    }
  } finally {
    await cleanUp();
  }
}
