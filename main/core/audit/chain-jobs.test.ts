import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditFilter } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import type { Principal } from '@shared/permissions';
import { fromCsvCell } from '../csv';
import { read, type AsyncDatabase } from '../db/engine';
import { Artifacts } from '../jobs/artifacts';
import { useEngines } from '../testing/engines';
import { canonicalDetails, GENESIS } from './chain';
import { exportEvents } from './export';
import type { AuditEntry } from './log';
import { checkpoints, pruneEvents } from './prune';
import { CHUNK } from './rows';
import { AuditStore, chainHead, lockChain } from './store';
import { verifyChain } from './verify';
import { verifyJsonLines } from './verify-file';

/**
 * The audit log's jobs on both engines (docs/architecture.md §4, §9): verification walks the chain
 * in chunks and names the first broken link, retention cuts it at a checkpoint that verification
 * starts from, and a JSON Lines export verifies on its own. PostgreSQL's jsonb hands the details
 * back with their keys reordered and spaced, so every check there proves the hash is recomputed
 * over the canonical form.
 */

const ALICE: Principal = { kind: 'user', id: 'u-alice', name: 'Alice Müller', role: 'admin' };
const DAY = 86_400_000;
const T0 = 1_767_225_600_000;
/** Details whose keys jsonb stores in another order than the canonical one (shorter keys first). */
const DETAILS = { b: 'two', ab: 1, nested: { zz: [1, 2.5, null], y: true }, émoji: '🔑' };

const engines = useEngines('guardian-audit-jobs-');

const entry = (n: number, action = 'servers.create'): AuditEntry => ({
  actor: ALICE,
  origin: 'test',
  action,
  target: `server:${n}`,
  outcome: 'ok',
  correlationId: `c-${n}`,
  details: { ...DETAILS, n },
});

/** A clock the test moves, and a store that writes at its time. */
function writer(db: AsyncDatabase) {
  const clock = { time: T0, now: () => clock.time };
  const store = new AuditStore(db, clock);
  return { clock, append: (from: number, to: number, action?: string) => store.append(range(from, to).map((n) => entry(n, action))) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A job's context that records its progress. */
function jobContext() {
  const controller = new AbortController();
  const progress: [number, number | undefined][] = [];
  return { controller, progress, job: { signal: controller.signal, progress: (done: number, total?: number) => void progress.push([done, total]) } };
}

/** Replaces event `seq`'s details in place, as someone with access to the database would. */
const editDetails = (db: AsyncDatabase, seq: number, json: string) =>
  db.run(
    db.dialect === 'postgres'
      ? sql`UPDATE audit_events SET details = CAST(${json} AS jsonb) WHERE seq = ${seq}`
      : sql`UPDATE audit_events SET details = ${json} WHERE seq = ${seq}`,
  );

async function exportTo(db: AsyncDatabase, format: 'csv' | 'jsonl', filter: AuditFilter = {}) {
  const artifactsDir = join(engines.folder, 'artifacts');
  const jobId = `job-${Math.random().toString(36).slice(2)}`;
  const result = await exportEvents({ data: db, artifacts: new Artifacts(artifactsDir), clock: { now: () => T0 } }, jobId, filter, format, jobContext().job);
  return { result, path: join(artifactsDir, jobId, result.artifact.fileName) };
}

describe.each(['sqlite', 'postgres'] as const)('the audit jobs on %s', (engine) => {
  let db: AsyncDatabase | undefined;
  let another: () => AsyncDatabase;

  afterAll(async () => {
    await db?.close();
  });

  /** A database of its own for each test: each starts from an empty log. */
  const fresh = async (): Promise<AsyncDatabase> => {
    await db?.close();
    const opened = await engines.fresh(engine);
    db = opened.db;
    another = opened.another;
    return db;
  };

  it('verifies an intact chain over the details as the engine returns them, naming the count and the head', async () => {
    const db = await fresh();
    const { append } = writer(db);
    await append(1, 5);
    if (engine === 'postgres') {
      // The test means something only if jsonb really hands back other text than was hashed.
      const text = await db.get(sql`SELECT details::text AS details FROM audit_events WHERE seq = 1`, (row) => read.text(row, 'details'));
      expect(text).not.toBe(canonicalDetails({ ...DETAILS, n: 1 }));
    }
    const { job, progress } = jobContext();
    const report = await verifyChain(db, job);
    const head = await chainHead(db);
    expect(report).toMatchObject({
      kind: 'audit.verify',
      intact: true,
      events: 5,
      headSeq: 5,
      headHash: head.hash,
      anchor: { seq: 0, hash: GENESIS, checkpoint: false },
      broken: null,
      expectedHead: null,
    });
    expect(report.summary).toBe(`5 events, chain intact, head hash ${head.hash}`);
    expect(progress).toEqual([[5, 5]]);
  });

  it('names an edited detail and an altered hash by sequence number', async () => {
    const db = await fresh();
    await writer(db).append(1, 6);
    await editDetails(db, 3, canonicalDetails({ ...DETAILS, n: 3, b: 'forged' }));
    const edited = await verifyChain(db, jobContext().job);
    expect(edited).toMatchObject({ intact: false, events: 2, headSeq: 2, broken: { seq: 3, kind: 'edited' } });
    expect(edited.summary).toBe('chain broken at event 3: event 3 was edited: its content no longer matches its hash');

    // Put back, event 3 verifies again; then a stored hash is changed.
    await editDetails(db, 3, canonicalDetails({ ...DETAILS, n: 3 }));
    expect(await verifyChain(db, jobContext().job)).toMatchObject({ intact: true, events: 6 });
    await db.run(sql`UPDATE audit_events SET hash = ${'f'.repeat(64)} WHERE seq = 5`);
    const altered = await verifyChain(db, jobContext().job);
    expect(altered).toMatchObject({ intact: false, events: 4, broken: { seq: 5, kind: 'hash-altered' } });
    expect(altered.summary).toBe("chain broken at event 5: event 5's stored hash was changed; its content is what was recorded");
  });

  it(`takes the details as ${engine === 'sqlite' ? 'the exact text that was hashed' : 'jsonb holds them: their value, whatever the key order'}`, async () => {
    const db = await fresh();
    await writer(db).append(1, 3);
    // The same value, written with its keys in another order.
    await editDetails(db, 2, JSON.stringify({ n: 2, ...DETAILS }));
    expect(await verifyChain(db, jobContext().job)).toMatchObject(
      engine === 'sqlite' ? { intact: false, broken: { seq: 2, kind: 'edited' } } : { intact: true, events: 3 },
    );
  });

  it('proves a head kept elsewhere is in the chain, and that it is not once the tail is cut', async () => {
    const db = await fresh();
    const { append } = writer(db);
    await append(1, 4);
    const kept = (await chainHead(db)).hash;
    await append(5, 6);
    expect(await verifyChain(db, jobContext().job, kept)).toMatchObject({ intact: true, expectedHead: { hash: kept, foundAt: 4 } });
    await db.run(sql`DELETE FROM audit_events WHERE seq >= 4`);
    const cut = await verifyChain(db, jobContext().job, kept);
    expect(cut).toMatchObject({ intact: false, broken: null, events: 3, expectedHead: { hash: kept, foundAt: null } });
    expect(cut.summary).toContain('the head you kept is NOT in the chain');
  });

  it('walks more than a chunk in chunks, reporting progress after each, and stops between chunks when cancelled', async () => {
    const db = await fresh();
    await writer(db).append(1, CHUNK + 2);
    const whole = jobContext();
    expect(await verifyChain(db, whole.job)).toMatchObject({ intact: true, events: CHUNK + 2 });
    expect(whole.progress).toEqual([
      [CHUNK, CHUNK + 2],
      [CHUNK + 2, CHUNK + 2],
    ]);

    const stopped = jobContext();
    const job = { ...stopped.job, progress: (done: number, total?: number) => (stopped.progress.push([done, total]), stopped.controller.abort()) };
    const error = await verifyChain(db, job).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'CANCELLED', message: 'Verification was cancelled.' });
    expect(stopped.progress).toEqual([[CHUNK, CHUNK + 2]]);
  });

  it('removes old events at a checkpoint, verifies from it, and the chain goes on after it', async () => {
    const db = await fresh();
    const { clock, append } = writer(db);
    await append(1, 6);
    clock.time = T0 + 60 * DAY;
    await append(7, 10);

    const off = await pruneEvents({ data: db, clock }, null, 'user:u-alice', jobContext().job);
    expect(off).toEqual({ kind: 'audit.prune', removed: 0, checkpoint: null, reason: 'retention is off: every event is kept' });

    const sixth = await db.get(sql`SELECT hash FROM audit_events WHERE seq = 6`, (row) => read.text(row, 'hash'));
    const { job, progress } = jobContext();
    const pruned = await pruneEvents({ data: db, clock }, 30, 'user:u-alice', job);
    expect(pruned).toEqual({ kind: 'audit.prune', removed: 6, checkpoint: { lastSeq: 6, lastHash: sixth }, reason: null });
    expect(progress).toEqual([[6, 6]]);
    expect(await db.all(sql`SELECT seq FROM audit_events ORDER BY seq`, (row) => read.number(row, 'seq'))).toEqual([7, 8, 9, 10]);
    expect(await checkpoints(db)).toEqual([{ at: T0 + 60 * DAY, lastSeq: 6, lastHash: sixth, removed: 6, by: 'user:u-alice' }]);

    const report = await verifyChain(db, jobContext().job);
    expect(report).toMatchObject({ intact: true, events: 4, headSeq: 10, anchor: { seq: 6, hash: sixth, checkpoint: true } });

    // Nothing more is old enough: no second checkpoint; appends continue the chain from the last event.
    expect(await pruneEvents({ data: db, clock }, 30, 'user:u-alice', jobContext().job)).toMatchObject({ removed: 0, checkpoint: null });
    expect(await checkpoints(db)).toHaveLength(1);
    await append(11, 12);
    expect(await verifyChain(db, jobContext().job)).toMatchObject({ intact: true, events: 6, headSeq: 12 });

    // Everything old: the log is empty, and the next event follows the checkpoint.
    clock.time = T0 + 200 * DAY;
    expect(await pruneEvents({ data: db, clock }, 30, 'user:u-alice', jobContext().job)).toMatchObject({ removed: 6, checkpoint: { lastSeq: 12 } });
    await append(13, 13);
    expect(await verifyChain(db, jobContext().job)).toMatchObject({ intact: true, events: 1, headSeq: 13, anchor: { seq: 12, checkpoint: true } });
  });

  it('exports JSON Lines that verify on their own, details in canonical order, from genesis or from a checkpoint', async () => {
    const db = await fresh();
    const { clock, append } = writer(db);
    await append(1, 3);
    clock.time = T0 + 60 * DAY;
    await append(4, 6, 'servers.update');

    const { result, path } = await exportTo(db, 'jsonl');
    expect(result).toMatchObject({
      kind: 'audit.export',
      format: 'jsonl',
      events: 6,
      artifact: { mimeType: 'application/x-ndjson', permission: 'audit:read' },
    });
    const head = await chainHead(db);
    expect(await verifyJsonLines(path)).toEqual({ events: 6, anchor: GENESIS, headSeq: 6, headHash: head.hash, gaps: 0, broken: null });
    const first = readFileSync(path, 'utf8').split('\n')[0] ?? '';
    expect(first).toContain(`"details":${canonicalDetails({ ...DETAILS, n: 1 })}`);

    // A filtered export: every event still verifies, the skipped ones are gaps.
    const filtered = await exportTo(db, 'jsonl', { action: 'servers.update', from: T0 + DAY });
    expect(filtered.result.events).toBe(3);
    expect(await verifyJsonLines(filtered.path)).toMatchObject({ events: 3, headSeq: 6, gaps: 0, broken: null });

    await pruneEvents({ data: db, clock }, 30, 'user:u-alice', jobContext().job);
    const third = (await checkpoints(db))[0]?.lastHash;
    const after = await exportTo(db, 'jsonl');
    expect(await verifyJsonLines(after.path)).toMatchObject({ events: 3, anchor: third, headSeq: 6, broken: null });
  });

  it('exports CSV a standard parser reads back to the stored events, filtered by words', async () => {
    const db = await fresh();
    const { append } = writer(db);
    await append(1, 4);
    await db.run(sql`UPDATE audit_events SET outcome = 'CONFLICT' WHERE seq = 2`);
    const { result, path } = await exportTo(db, 'csv', { outcome: 'ok', q: 'two' });
    expect(result).toMatchObject({ format: 'csv', events: 3, artifact: { mimeType: 'text/csv' } });
    const rows = parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => ({ seq: row.seq, details: fromCsvCell(row.details ?? ''), outcome: row.outcome }))).toEqual(
      [1, 3, 4].map((n) => ({ seq: String(n), details: canonicalDetails({ ...DETAILS, n }), outcome: 'ok' })),
    );
  });

  it('leaves no file, and no error after it, when cancelled before its first row', async () => {
    const db = await fresh();
    await writer(db).append(1, 2);
    const artifactsDir = join(engines.folder, 'artifacts');
    const { controller, job } = jobContext();
    controller.abort();
    // The file is still opening when the export gives up: its folder goes only once the file is closed.
    const error = await exportEvents({ data: db, artifacts: new Artifacts(artifactsDir), clock: { now: () => T0 } }, 'job-cancelled', {}, 'jsonl', job).catch(
      (cause: unknown) => cause,
    );
    expect(error).toMatchObject({ code: 'CANCELLED', message: 'The export was cancelled.' });
    expect(existsSync(join(artifactsDir, 'job-cancelled'))).toBe(false);
  });

  // Two nodes on one PostgreSQL may both run their nightly prune while others append: each prune
  // waits for the chain's advisory lock, so one checkpoint is written and the other prune finds
  // nothing left to cut. PostgreSQL only: on SQLite two processes take turns at the file's write
  // lock, which engines in one test process cannot stand for (main/core/audit/store.test.ts).
  it.runIf(engine === 'postgres')('writes one checkpoint when two prunes run at once while other connections append', async () => {
    const db = await fresh();
    const { clock, append } = writer(db);
    await append(1, 20);
    clock.time = T0 + 60 * DAY;
    const others = [another(), another(), another(), another()];
    try {
      const [holder, pruner, ...appenders] = others;
      if (!holder || !pruner) throw new Error('no engine');
      await Promise.all(others.map((other) => other.get(sql`SELECT 1 AS one`, (row) => read.number(row, 'one'))));
      // An append on another node holds the chain's lock for now.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked = () => {};
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holding = holder.transaction(async (tx) => {
        await lockChain(tx);
        locked();
        await held;
      });
      await isLocked;
      const stores = appenders.map((other) => new AuditStore(other, clock));
      const work = Promise.all([
        pruneEvents({ data: db, clock }, 30, 'node:a', jobContext().job),
        pruneEvents({ data: pruner, clock }, 30, 'node:b', jobContext().job),
        ...stores.map((store, w) => Promise.all(range(1, 10).map((i) => store.append([entry(100 * (w + 1) + i)])))),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await checkpoints(db)).toEqual([]);
      release();
      await holding;
      const [first, second] = await work;
      expect([first?.checkpoint, second?.checkpoint].filter(Boolean)).toEqual([{ lastSeq: 20, lastHash: expect.any(String) }]);
      expect((first?.removed ?? 0) + (second?.removed ?? 0)).toBe(20);
      expect(await checkpoints(db)).toHaveLength(1);
      expect(await verifyChain(db, jobContext().job)).toMatchObject({ intact: true, events: 20, headSeq: 40, anchor: { seq: 20 } });
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });
});
