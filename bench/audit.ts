import { parseArgs } from 'node:util';
import type { VerifyReport } from '@shared/api/audit';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import type { AuditEntry } from '@core/audit/log';
import { AuditStore } from '@core/audit/store';
import { silentLogger } from '@core/logging/logger';
import { cleanUp, tempDir } from '../main/headless/testing/guardian';
import { sql } from 'drizzle-orm';
import { measure, ms, type MeasureOptions, type Sample } from './lib/measure';
import { BenchDatabases, databaseOption, enginesOf, numeric, sideBySide, type EngineName, type Figure } from './lib/engines';

/**
 * `npm run bench -- audit [--events 1000000] [--batch 1000] [--iterations 200] [--database sqlite|postgres|both]`
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

const PLAIN_COLUMNS = 'seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details';

/** The same rows without hashing or the full-text index, in a scratch table, batched as the store batches them. */
async function plainInserts(core: Core, count: number, batch: number): Promise<number> {
  await core.data.run(sql.raw(`CREATE TABLE bench_plain AS SELECT ${PLAIN_COLUMNS} FROM audit_events WHERE 1 = 0`));
  const started = process.hrtime.bigint();
  for (let from = 0; from < count; from += batch) {
    await core.data.transaction(async (tx) => {
      const rows: unknown[][] = [];
      for (let i = from; i < Math.min(count, from + batch); i++) {
        const e = entry(i);
        rows.push([
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
        ]);
      }
      for (let at = 0; at < rows.length; at += 200) {
        const chunk = rows.slice(at, at + 200);
        await tx.execute(
          `INSERT INTO bench_plain (${PLAIN_COLUMNS}) VALUES ${Array(chunk.length).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flat(),
        );
      }
    });
  }
  const rate = count / (Number(process.hrtime.bigint() - started) / 1e9);
  await core.data.run(sql`DROP TABLE bench_plain`);
  return rate;
}

interface Measured {
  appendRate: number;
  baselineRate: number;
  verifySeconds: number;
  verified: number;
  verdict: string;
  queries: { label: string; sample: Sample }[];
}

async function measureOn(engine: EngineName, databases: BenchDatabases, total: number, batch: number, options: MeasureOptions): Promise<Measured> {
  const dataDir = tempDir('guardian-bench-audit-');
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', ...(await databases.core(engine)) });
  try {
    const baselineRate = await plainInserts(core, Math.min(total, 200_000), batch);

    // What the router and jobs append through, on the core's own engine.
    const log = new AuditStore(core.data, { now: () => Date.now() });
    let started = process.hrtime.bigint();
    for (let from = 0; from < total; from += batch) {
      await log.append(Array.from({ length: Math.min(batch, total - from) }, (_, k) => entry(from + k)));
      if (from % 100_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const appendSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${engine}: appended ${total} events in ${appendSeconds.toFixed(1)} s\n`);

    started = process.hrtime.bigint();
    const job = await core.router.invoke(LOCAL_OWNER, 'audit.verify', {}, { origin: 'bench' });
    const done = await core.jobs.waitFor(job.id);
    const verifySeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const report = done.result as VerifyReport;

    // The statistics autovacuum would gather on a production server (it is off on the bench's):
    // without them the planner guesses every search term's frequency alike.
    if (core.data.dialect === 'postgres') await core.data.run(sql`ANALYZE audit_events`);
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
    const samples = [];
    for (const query of queries) {
      const sample = await measure(async () => {
        const result = await core.router.call(LOCAL_OWNER, 'audit.list', { ...query.input, limit: 100 }, { origin: 'bench' });
        if (!result.ok) throw new Error(result.error.message);
      }, options);
      samples.push({ label: query.label, sample });
    }
    return {
      appendRate: total / appendSeconds,
      baselineRate,
      verifySeconds,
      verified: report.events,
      verdict: report.summary.split(',').slice(0, 2).join(','),
      queries: samples,
    };
  } finally {
    await core.close();
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '1000' },
      iterations: { type: 'string', default: '200' },
      ...databaseOption,
    },
  });
  const engines = enginesOf(values.database);
  const total = Number(values.events);
  const batch = Number(values.batch);
  const options: MeasureOptions = { iterations: Number(values.iterations), warmup: 10, budgetMs: 30_000 };
  const databases = await BenchDatabases.open(engines);
  const measured: Partial<Record<EngineName, Measured>> = {};
  try {
    for (const engine of engines) measured[engine] = await measureOn(engine, databases, total, batch, options);
  } finally {
    await databases.close();
    await cleanUp();
  }
  const each = (pick: (m: Measured) => number): Partial<Record<EngineName, number>> =>
    Object.fromEntries(engines.flatMap((engine) => (measured[engine] ? [[engine, pick(measured[engine])]] : [])));
  const fixed = (digits: number) => (value: number) => value.toFixed(digits);
  const figures: Figure[] = [
    numeric(
      'appends per second (chained, indexed)',
      each((m) => m.appendRate),
      fixed(0),
      'sqlite >= 20000, pg >= 10000',
    ),
    numeric(
      '  baseline: plain inserts per second',
      each((m) => m.baselineRate),
      fixed(0),
    ),
    numeric(
      '  chained / plain',
      each((m) => m.appendRate / m.baselineRate),
      (v) => `${v.toFixed(2)}x`,
    ),
    numeric(
      'verify the whole chain (s)',
      each((m) => m.verifySeconds),
      fixed(2),
      '< 10',
    ),
    numeric(
      '  verified per second',
      each((m) => m.verified / m.verifySeconds),
      fixed(0),
    ),
    { label: '  verdict', values: Object.fromEntries(engines.map((engine) => [engine, measured[engine]?.verdict ?? ''])) },
  ];
  const queryLabels = measured[engines[0] ?? 'sqlite']?.queries.map((q) => q.label) ?? [];
  for (const [index, label] of queryLabels.entries()) {
    figures.push(
      numeric(
        `${label} p50 (ms)`,
        each((m) => m.queries[index]?.sample.p50Ms ?? Number.NaN),
        ms,
      ),
    );
    figures.push(
      numeric(
        `${label} p99 (ms)`,
        each((m) => m.queries[index]?.sample.p99Ms ?? Number.NaN),
        ms,
        '< 50',
      ),
    );
  }
  process.stdout.write(`\naudit log, ${total} events (batches of ${batch}); then a filtered page of 100 through the router\n\n`);
  process.stdout.write(`${sideBySide(engines, figures)}\n`);
}
