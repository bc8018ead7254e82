import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, type AppErrorShape } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import { LOCAL_OWNER } from '@shared/permissions';
import type { CallResult } from '../api/router';
import { createCore, type Core } from '../app';
import { silentLogger } from '../logging/logger';
import type { JobContext, JobSpec } from './service';
import { sqliteOf } from '../testing/sqlite-of';

const START = 1_767_225_600_000;
const SPEC: JobSpec = { kind: 'test.work', title: 'Work for a test', createdBy: 'user:local-owner' };

let dataDir: string;
let cores: Core[];
let time: number;
let counter: number;
const clock = { now: () => time };
const newId = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;

async function openCore(): Promise<Core> {
  const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', clock, newId });
  cores.push(core);
  return core;
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'guardian-jobs-'));
  cores = [];
  time = START;
  counter = 0;
});

afterEach(async () => {
  for (const core of cores) await core.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const call = (core: Core, name: string, input: unknown): Promise<CallResult> => core.router.call(LOCAL_OWNER, name, input, { origin: 'test' });

async function ok<T>(core: Core, name: string, input: unknown): Promise<T> {
  const result = await call(core, name, input);
  if (!result.ok) throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
  return result.value as T;
}

async function refused(core: Core, name: string, input: unknown): Promise<AppErrorShape> {
  const result = await call(core, name, input);
  if (result.ok) throw new Error(`${name} succeeded with ${JSON.stringify(result.value)}`);
  return result.error;
}

function progressEvents(core: Core): Job[] {
  const seen: Job[] = [];
  core.events.subscribe((name, payload) => {
    if (name === 'job.progress') seen.push(payload as Job);
  });
  return seen;
}

/** Work that runs until it is told to stop, and lets the test know once it has begun. */
function untilAborted(): { started: Promise<void>; work: (ctx: JobContext) => Promise<{ rounds: number }> } {
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  return {
    started,
    work: async ({ signal, progress }) => {
      markStarted();
      let rounds = 0;
      while (!signal.aborted) {
        rounds++;
        progress(rounds);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { rounds };
    },
  };
}

describe('JobService', () => {
  it('stores the result and emits progress, throttled to one save per 200 ms of clock time', async () => {
    const core = await openCore();
    const seen = progressEvents(core);

    const queued = await core.jobs.start(SPEC, async ({ progress }) => {
      for (let done = 1; done <= 10; done++) progress(done, 10);
      time += 200;
      progress(11, 20);
      progress(12, 20);
      return { imported: 12 };
    });
    expect(queued).toMatchObject({ status: 'queued', done: 0, startedAt: null, createdAt: START });

    const finished = await core.jobs.waitFor(queued.id);

    const progress = seen.map(({ status, done, total }) => ({ status, done, total }));
    expect(progress[0]).toEqual({ status: 'running', done: 0, total: null });
    // Ten reports within one instant: at most one is saved and sent.
    expect(progress.filter((event) => event.status === 'running' && event.done >= 1 && event.done <= 10).length).toBeLessThanOrEqual(1);
    // 200 ms later the next report goes out; the one right after it waits.
    expect(progress).toContainEqual({ status: 'running', done: 11, total: 20 });
    expect(progress.filter((event) => event.done === 12)).toEqual([{ status: 'succeeded', done: 12, total: 20 }]);
    expect(progress.at(-1)).toEqual({ status: 'succeeded', done: 12, total: 20 });
    expect(finished).toMatchObject({ status: 'succeeded', done: 12, total: 20, result: { imported: 12 }, error: null });
    expect(finished.startedAt).toBe(START);
    expect(finished.finishedAt).toBe(START + 200);
    expect(await ok(core, 'jobs.get', { id: queued.id })).toEqual(finished);
  });

  it('ends a job that throws an AppError as failed, with that error', async () => {
    const core = await openCore();
    const job = await core.jobs.start(SPEC, async () => {
      throw new AppError('UNREACHABLE', 'web-1 did not answer on port 22.', { hint: 'Check that the server is up.' });
    });

    const finished = await core.jobs.waitFor(job.id);

    expect(finished.status).toBe('failed');
    expect(finished.error).toEqual({
      code: 'UNREACHABLE',
      message: 'web-1 did not answer on port 22.',
      hint: 'Check that the server is up.',
      retryable: true,
      correlationId: job.id,
    });
  });

  it('ends a job that crashes as failed/INTERNAL without storing what it threw', async () => {
    const core = await openCore();
    const job = await core.jobs.start(SPEC, async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'password=hunter2')");
    });

    const finished = await ok<Job>(core, 'jobs.get', { id: (await core.jobs.waitFor(job.id)).id });

    expect(finished.status).toBe('failed');
    expect(finished.error?.code).toBe('INTERNAL');
    expect(JSON.stringify(finished)).not.toContain('hunter2');
  });

  it('cancels a running job through jobs.cancel; it ends cancelled with what it had done', async () => {
    const core = await openCore();
    const { started, work } = untilAborted();
    const job = await core.jobs.start(SPEC, work);
    await started;

    const answer = await ok<Job>(core, 'jobs.cancel', { id: job.id });
    expect(answer.id).toBe(job.id);
    const finished = await core.jobs.waitFor(job.id);

    expect(finished.status).toBe('cancelled');
    expect(finished.result).toEqual({ rounds: expect.any(Number) });
    expect(finished.finishedAt).toBe(START);
  });

  it('reports a job that stops by throwing on cancel as cancelled, not as an internal failure', async () => {
    const core = await openCore();
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const job = await core.jobs.start(SPEC, async ({ signal }) => {
      markStarted();
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      signal.throwIfAborted();
      return null;
    });
    await started;

    await ok(core, 'jobs.cancel', { id: job.id });
    const finished = await core.jobs.waitFor(job.id);

    expect(finished.status).toBe('cancelled');
    expect(finished.error?.code).toBe('CANCELLED');
    expect(finished.error?.hint).not.toBe('');
  });

  it('cancels a job that has not started yet without running it', async () => {
    const core = await openCore();
    let ran = false;
    const job = await core.jobs.start(SPEC, async () => {
      ran = true;
    });

    await core.jobs.cancel(job.id);
    const finished = await core.jobs.waitFor(job.id);

    expect(ran).toBe(false);
    expect(finished.status).toBe('cancelled');
    expect(finished.error?.code).toBe('CANCELLED');
    expect(finished.error?.hint).not.toBe('');
  });

  it('refuses to cancel a finished job with CONFLICT, and an unknown one with NOT_FOUND', async () => {
    const core = await openCore();
    const job = await core.jobs.start(SPEC, async () => 'done');
    await core.jobs.waitFor(job.id);

    const conflict = await refused(core, 'jobs.cancel', { id: job.id });
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toContain('succeeded');
    expect((await core.jobs.waitFor(job.id)).status).toBe('succeeded');

    expect((await refused(core, 'jobs.cancel', { id: '00000000-0000-4000-8000-0000000000ff' })).code).toBe('NOT_FOUND');
  });

  it('lists jobs newest first', async () => {
    const core = await openCore();
    const first = await core.jobs.start(SPEC, async () => 1);
    time += 1000;
    const second = await core.jobs.start({ ...SPEC, title: 'Second' }, async () => 2);
    await Promise.all([core.jobs.waitFor(first.id), core.jobs.waitFor(second.id)]);

    const { items } = await ok<{ items: Job[] }>(core, 'jobs.list', { limit: 10 });
    expect(items.map((job) => job.id)).toEqual([second.id, first.id]);
    expect((await ok<{ items: Job[] }>(core, 'jobs.list', { limit: 1 })).items).toHaveLength(1);
  });

  it('marks jobs left running by a crashed process as failed/INTERRUPTED on the next start', async () => {
    const crashed = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', clock, newId });
    const finishedBefore = await crashed.jobs.start(SPEC, async () => 'fine');
    await crashed.jobs.waitFor(finishedBefore.id);
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const hanging = await crashed.jobs.start(SPEC, () => {
      markStarted();
      return new Promise<never>(() => {});
    });
    await started;
    // The process dies: no shutdown, the connection simply goes away.
    sqliteOf(crashed).close();
    time += 5000;

    const core = await openCore();
    const interrupted = await ok<Job>(core, 'jobs.get', { id: hanging.id });

    expect(interrupted.status).toBe('failed');
    expect(interrupted.finishedAt).toBe(START + 5000);
    expect(interrupted.error).toMatchObject({ code: 'INTERRUPTED', retryable: true });
    expect(interrupted.error?.hint).toMatch(/run the job again/i);
    expect((await ok<Job>(core, 'jobs.get', { id: finishedBefore.id })).status).toBe('succeeded');
  });

  it('leaves alone the running jobs of another live process on the same data dir (serve, while the CLI opens it)', async () => {
    const { spawn } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const serve = spawn('sleep', ['30']);
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    try {
      const first = await openCore();
      const insert = sqliteOf(first).prepare(
        "INSERT INTO jobs (id, kind, title, status, done, created_by, created_at, owner) VALUES (?, 'test', 'elsewhere', 'running', 0, 'system:test', 0, ?)",
      );
      insert.run('00000000-0000-4000-8000-00000000aaaa', `${hostname()}/${serve.pid}`);
      insert.run('00000000-0000-4000-8000-00000000bbbb', `${hostname()}/${gone.pid}`);
      await first.close();

      const core = await openCore();
      expect((await ok<Job>(core, 'jobs.get', { id: '00000000-0000-4000-8000-00000000aaaa' })).status).toBe('running');
      expect((await ok<Job>(core, 'jobs.get', { id: '00000000-0000-4000-8000-00000000bbbb' })).error).toMatchObject({ code: 'INTERRUPTED' });
    } finally {
      serve.kill();
    }
  });

  it('stops running jobs on shutdown; they are recorded as cancelled, not interrupted', async () => {
    const core = await createCore({ dataDir, logger: silentLogger(), mode: 'headless', clock, newId });
    const { started, work } = untilAborted();
    const job = await core.jobs.start(SPEC, work);
    await started;

    await core.close();

    const reopened = await openCore();
    const stopped = await ok<Job>(reopened, 'jobs.get', { id: job.id });
    expect(stopped.status).toBe('cancelled');
    expect(stopped.result).toEqual({ rounds: expect.any(Number) });
  });
});
