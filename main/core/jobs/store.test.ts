import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { AsyncDatabase } from '../db/engine';
import { EventBus } from '../events/bus';
import { silentLogger } from '../logging/logger';
import { createMetrics } from '../metrics/registry';
import { useEngines } from '../testing/engines';
import { JobService } from './service';
import { JobStore } from './store';

/**
 * Jobs on both engines (docs/architecture.md §4, §8): what a user sees of a job (its progress, its
 * end, the list) is stored the same on SQLite and PostgreSQL; a job started by a call that rolls
 * back leaves nothing and never runs; jobs a dead process left running are marked interrupted.
 */

const engines = useEngines('guardian-jobs-store-');

const START = 1_767_225_600_000;
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function queued(n: number, createdAt = START): Job {
  return {
    id: id(n),
    kind: 'test.work',
    title: `Job ${n}`,
    status: 'queued',
    done: 0,
    total: null,
    result: null,
    error: null,
    createdBy: 'user:local-owner',
    createdAt,
    startedAt: null,
    finishedAt: null,
  };
}

const INTERRUPTED = new AppError('INTERRUPTED', 'Guardian stopped while this job was running.', {
  hint: 'Run the job again.',
  retryable: true,
}).toShape('startup');

describe.each(['sqlite', 'postgres'] as const)('jobs on %s', (engine) => {
  let db: AsyncDatabase;
  let store: JobStore;
  let time: number;
  let counter: number;
  const clock = { now: () => time };

  beforeAll(async () => {
    db = (await engines.fresh(engine)).db;
    store = new JobStore(db);
  });

  beforeEach(async () => {
    await db.run(sql`DELETE FROM jobs`);
    time = START;
    counter = 0;
  });

  afterAll(async () => {
    await db?.close();
  });

  function service(): { jobs: JobService; events: Job[] } {
    const bus = new EventBus();
    const events: Job[] = [];
    bus.subscribe((name, payload) => {
      if (name === 'job.progress') events.push(payload as Job);
    });
    const jobs = new JobService({ data: db, events: bus, clock, logger: silentLogger(), metrics: createMetrics(), newId: () => id(++counter) });
    return { jobs, events };
  }

  it('reads back a job as written: its progress, then its end with a JSON result, total kept when left out', async () => {
    await store.create({ ...queued(1), total: 40 }, 'host/1');
    expect(await store.get(id(1))).toEqual({ ...queued(1), total: 40 });

    expect(await store.begin(id(1), START + 1)).toBe(true);
    expect(await store.progress(id(1), 7)).toBe(true);
    expect(await store.get(id(1))).toMatchObject({ status: 'running', startedAt: START + 1, done: 7, total: 40 });
    expect(await store.progress(id(1), 9, 50)).toBe(true);
    expect(await store.get(id(1))).toMatchObject({ done: 9, total: 50 });

    const result = { imported: 12, names: ['web-1', 'Café'], nested: { ok: true } };
    expect(await store.finish(id(1), { status: 'succeeded', finishedAt: START + 9, done: 12, result })).toBe(true);
    expect(await store.get(id(1))).toEqual({ ...queued(1), status: 'succeeded', done: 12, total: 50, result, startedAt: START + 1, finishedAt: START + 9 });

    // Once ended, a late progress report or a second end changes nothing.
    expect(await store.progress(id(1), 3)).toBe(false);
    expect(await store.finish(id(1), { status: 'failed', finishedAt: START + 10, done: 0, error: INTERRUPTED })).toBe(false);
    expect(await store.get(id(1))).toMatchObject({ status: 'succeeded', done: 12, error: null });
  });

  it('keeps a failed job’s error, and no job is undefined', async () => {
    await store.create(queued(1), 'host/1');
    await store.finish(id(1), { status: 'failed', finishedAt: START, done: 0, total: null, error: INTERRUPTED });
    expect(await store.get(id(1))).toMatchObject({ status: 'failed', error: INTERRUPTED, result: null, total: null });
    expect(await store.get(id(2))).toBeUndefined();
  });

  it('lists newest first, the later id first within one millisecond, up to the limit', async () => {
    await store.create(queued(1, START), 'host/1');
    await store.create(queued(2, START + 1000), 'host/1');
    await store.create(queued(3, START + 1000), 'host/1');
    await store.create(queued(4, START - 5000), 'host/1');
    expect((await store.list(10)).map((job) => job.id)).toEqual([id(3), id(2), id(1), id(4)]);
    expect((await store.list(2)).map((job) => job.id)).toEqual([id(3), id(2)]);
  });

  it('marks failed/INTERRUPTED the unfinished jobs of a process that is gone, and leaves a live one’s and finished ones alone', async () => {
    await store.create(queued(1), 'gone/1');
    await store.create(queued(2), 'gone/1');
    await store.begin(id(2), START);
    await store.create(queued(3), 'alive/2');
    await store.create(queued(4), 'gone/1');
    await store.finish(id(4), { status: 'succeeded', finishedAt: START, done: 1, result: 'fine' });

    const marked = await store.interrupt((owner) => owner === 'alive/2', INTERRUPTED, START + 5000);

    expect(marked.map((job) => job.id).sort()).toEqual([id(1), id(2)].sort());
    for (const n of [1, 2]) {
      expect(await store.get(id(n))).toMatchObject({ status: 'failed', finishedAt: START + 5000, error: { code: 'INTERRUPTED', retryable: true } });
    }
    expect(await store.get(id(3))).toMatchObject({ status: 'queued', error: null });
    expect(await store.get(id(4))).toMatchObject({ status: 'succeeded', result: 'fine' });
    expect(await store.interrupt(() => false, INTERRUPTED, START)).toHaveLength(1);
  });

  it('the service recovers jobs a dead process on this machine left running, not those of a live one', async () => {
    const { spawn } = await import('node:child_process');
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    await store.create(queued(1), `${hostname()}/${gone.pid}`);
    await store.create(queued(2), `${hostname()}/${process.ppid}`);
    time += 5000;

    expect(await service().jobs.recoverInterrupted()).toBe(1);
    expect(await store.get(id(1))).toMatchObject({ status: 'failed', finishedAt: START + 5000, error: { code: 'INTERRUPTED' } });
    expect(await store.get(id(2))).toMatchObject({ status: 'queued' });
  });

  it('a job started inside a transaction commits with it and begins only once it has committed', async () => {
    const { jobs, events } = service();
    let began = false;
    const job = await db.transaction(async () => {
      const started = await jobs.start({ kind: 'test.work', title: 'After the call', createdBy: 'user:a' }, async ({ progress }) => {
        began = true;
        progress(1, 2);
        // Within 200 ms of the last save: stored only with the job's end.
        progress(2, 2);
        time += 200;
        return { ok: true };
      });
      // The call goes on after starting it: the job waits for the call's end.
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(began).toBe(false);
      return started;
    });

    const finished = await jobs.waitFor(job.id);
    expect(finished).toMatchObject({ status: 'succeeded', done: 2, total: 2, result: { ok: true }, startedAt: START, finishedAt: START + 200 });
    expect(await jobs.get(job.id)).toEqual(finished);
    expect(events.map(({ status, done }) => ({ status, done }))).toEqual([
      { status: 'running', done: 0 },
      { status: 'running', done: 1 },
      { status: 'succeeded', done: 2 },
    ]);
    expect((await jobs.list(5)).map((listed) => listed.id)).toEqual([job.id]);
  });

  it('a job whose call rolled back leaves no row and never runs', async () => {
    const { jobs, events } = service();
    let ran = false;
    let jobId = '';
    await expect(
      db.transaction(async () => {
        jobId = (
          await jobs.start({ kind: 'test.work', title: 'Undone', createdBy: 'user:a' }, async () => {
            ran = true;
          })
        ).id;
        throw new AppError('CONFLICT', 'The call failed after starting the job.', { hint: 'None.' });
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    await expect(jobs.waitFor(jobId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(ran).toBe(false);
    expect(events).toEqual([]);
    expect(await jobs.list(5)).toEqual([]);
  });

  it('answers a cancel with the job even when it stops, cancelled, while its row is being read', async () => {
    // Reads that take a while, as a round trip to PostgreSQL under load does: the job sees the
    // signal and ends before the cancel has read the row back.
    const slowReads = new Proxy(db, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (key !== 'get' && key !== 'lookup' && key !== 'all') return bound;
        return async (...args: unknown[]) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return bound(...args);
        };
      },
    });
    const jobs = new JobService({
      data: slowReads,
      events: new EventBus(),
      clock,
      logger: silentLogger(),
      metrics: createMetrics(),
      newId: () => id(++counter),
    });
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const job = await jobs.start({ kind: 'test.work', title: 'Stops at once', createdBy: 'user:a' }, async ({ signal }) => {
      markStarted();
      while (!signal.aborted) await new Promise((resolve) => setImmediate(resolve));
    });
    await started;
    expect(await jobs.cancel(job.id)).toMatchObject({ id: job.id, status: 'cancelled' });
    expect((await jobs.waitFor(job.id)).status).toBe('cancelled');
    await expect(jobs.cancel(job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('cancels a running job; it ends cancelled with what it had done', async () => {
    const { jobs } = service();
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const job = await jobs.start({ kind: 'test.work', title: 'Until cancelled', createdBy: 'user:a' }, async ({ signal, progress }) => {
      markStarted();
      let rounds = 0;
      while (!signal.aborted) {
        progress(++rounds);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { rounds };
    });
    await started;
    expect((await jobs.cancel(job.id)).id).toBe(job.id);
    const finished = await jobs.waitFor(job.id);
    expect(finished).toMatchObject({ status: 'cancelled', result: { rounds: expect.any(Number) } });
    await expect(jobs.cancel(job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
