import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import { LOCAL_OWNER } from '@shared/permissions';
import { read, type AsyncDatabase } from '../db/engine';
import { EventBus } from '../events/bus';
import { JobService } from '../jobs/service';
import { silentLogger } from '../logging/logger';
import { createMetrics } from '../metrics/registry';
import { deferred, FakeTime } from '../testing/fake-time';
import { useEngines } from '../testing/engines';
import { ScheduleService } from './service';
import { ScheduleStore, type NewRun } from './store';
import { NO_PARAMS, TaskRegistry } from './tasks';

/**
 * Schedules on both engines (docs/architecture.md §4, §8): a schedule and its history read back as
 * written, the same on SQLite and PostgreSQL; a run's outcome is settled once; a run that cannot
 * start is recorded as failed while what its task and its call wrote is undone.
 */

const engines = useEngines('guardian-schedules-store-');

const START = Date.parse('2026-05-04T12:00:00.000Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe.each(['sqlite', 'postgres'] as const)('schedules on %s', (engine) => {
  let db: AsyncDatabase;
  let time: FakeTime;
  let counter: number;
  let tasks: TaskRegistry;
  let store: ScheduleStore;
  let jobs: JobService;
  let service: ScheduleService;
  /** Ends the job of the `test.slow` task started last. */
  let release = () => {};

  beforeAll(async () => {
    db = (await engines.fresh(engine)).db;
  });

  beforeEach(async () => {
    await db.run(sql`DELETE FROM schedules`);
    await db.run(sql`DELETE FROM jobs`);
    time = new FakeTime(START);
    counter = 0;
    const newId = () => `00000000-0000-4000-8000-${(++counter).toString(16).padStart(12, '0')}`;
    tasks = new TaskRegistry();
    jobs = new JobService({ data: db, events: new EventBus(), clock: time, logger: silentLogger(), metrics: createMetrics(), newId });
    tasks.registerTask({
      kind: 'test.ok',
      summary: 'Succeeds with its label.',
      params: z.strictObject({ label: z.string().default('plain'), nested: z.record(z.string(), z.unknown()).optional() }),
      permission: 'jobs:write',
      start: (params, createdBy) => jobs.start({ kind: 'test.ok', title: `ok ${params.label}`, createdBy }, async () => ({ label: params.label })),
    });
    tasks.registerTask({
      kind: 'test.writes-then-throws',
      summary: 'Renames every schedule, then cannot start.',
      params: NO_PARAMS,
      permission: 'jobs:write',
      start: async () => {
        await db.run(sql`UPDATE schedules SET name = name || '-half-written'`);
        throw new AppError('VAULT_LOCKED', 'The vault is locked.', { hint: 'Unlock it.' });
      },
    });
    tasks.registerTask({
      kind: 'test.slow',
      summary: 'Runs until the test releases it.',
      params: NO_PARAMS,
      permission: 'jobs:write',
      start: (_params, createdBy) => {
        const gate = deferred<void>();
        release = () => gate.resolve();
        return jobs.start({ kind: 'test.slow', title: 'slow', createdBy }, (ctx) => {
          ctx.signal.addEventListener('abort', () => gate.resolve());
          return gate.promise;
        });
      },
    });
    service = new ScheduleService({ data: db, clock: time, jobs, tasks, owners: async () => LOCAL_OWNER, logger: silentLogger(), newId, timers: time });
    store = service.store;
  });

  afterEach(async () => {
    service.stop();
    release();
    await jobs.shutdown();
    await service.idle();
  });

  afterAll(async () => {
    await db?.close();
  });

  const schedule = (name: string, more: Record<string, unknown> = {}) =>
    store.create({ name, task: 'test.ok', params: {}, cron: '0 3 * * *', timezone: 'UTC', enabled: true, catchUp: true, ...more }, 'user:ada');

  const run = (scheduleId: string, startedAt: number, more: Partial<NewRun> = {}): NewRun => ({
    scheduleId,
    jobId: null,
    dueAt: startedAt,
    startedAt,
    finishedAt: null,
    outcome: null,
    errorCode: null,
    caughtUp: false,
    trigger: 'schedule',
    ...more,
  });

  const lastDue = (id: string) => db.get(sql`SELECT last_due_at FROM schedules WHERE id = ${id}`, (row) => read.numberOrNull(row, 'last_due_at'));

  it('reads a schedule back as written, with its JSON params, its next run and its last run', async () => {
    const params = { label: 'Café – nightly', nested: { list: [1, 'two', null], ok: true } };
    const created = await schedule('nightly', { params, timezone: 'utc' });
    const expected = {
      id: created.id,
      name: 'nightly',
      task: 'test.ok',
      params,
      cron: '0 3 * * *',
      timezone: 'UTC',
      enabled: true,
      catchUp: true,
      createdAt: START,
      createdBy: 'user:ada',
      updatedAt: START,
      nextRunAt: Date.parse('2026-05-05T03:00:00.000Z'),
      lastRun: null,
    };
    expect(created).toEqual(expected);
    expect(await store.get(created.id)).toEqual(expected);
    expect(await store.row(created.id)).toMatchObject({ params, enabled: true, catchUp: true, lastDueAt: null });

    const first = await store.addRun(run(created.id, START + 1000, { jobId: 'job-1', caughtUp: true }));
    const second = await store.addRun(
      run(created.id, START + 2000, { finishedAt: START + 2000, outcome: 'failed', errorCode: 'VAULT_LOCKED', trigger: 'manual' }),
    );
    expect(first).toEqual({ id: expect.any(Number), ...run(created.id, START + 1000, { jobId: 'job-1', caughtUp: true }), outcome: 'running' });
    expect(second.id).toBeGreaterThan(first.id);
    expect((await store.get(created.id)).lastRun).toEqual(second);
    expect((await store.list()).map((item) => item.lastRun)).toEqual([second]);

    await time.advance(HOUR);
    const changed = await store.update({ id: created.id, cron: '30 4 * * *', enabled: false, params: { label: 'changed' } });
    expect(changed).toMatchObject({
      cron: '30 4 * * *',
      enabled: false,
      nextRunAt: null,
      params: { label: 'changed' },
      updatedAt: START + HOUR,
      lastRun: second,
    });
    // A new time counts from the change: nothing before it is caught up.
    expect(await lastDue(created.id)).toBe(START + HOUR);
  });

  it('lists schedules by name in code-point order on both engines, and refuses a name taken', async () => {
    for (const name of ['beta', 'alpha', 'Zulu', 'Alpha', 'école']) await schedule(name);
    expect((await store.list()).map((item) => item.name)).toEqual(['Alpha', 'Zulu', 'alpha', 'beta', 'école']);
    await expect(schedule('beta')).rejects.toMatchObject({ code: 'CONFLICT', issues: [{ path: ['name'] }] });
    await expect(store.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists runs newest first, the later id first within one millisecond, up to the limit', async () => {
    const { id } = await schedule('history');
    const other = await schedule('other');
    const a = await store.addRun(run(id, START));
    const b = await store.addRun(run(id, START + 5000));
    const c = await store.addRun(run(id, START + 5000));
    const d = await store.addRun(run(id, START - 5000));
    await store.addRun(run(other.id, START + 9000));
    expect((await store.runs(id, 10)).map((item) => item.id)).toEqual([c.id, b.id, a.id, d.id]);
    expect((await store.runs(id, 2)).map((item) => item.id)).toEqual([c.id, b.id]);
    await expect(store.runs('nope', 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('settles a run’s outcome once: a second end changes nothing, and it is no longer open', async () => {
    const { id } = await schedule('settles');
    const open = await store.addRun(run(id, START, { jobId: 'job-1' }));
    const done = await store.addRun(run(id, START + 1, { finishedAt: START + 1, outcome: 'skipped', errorCode: 'BUSY' }));
    expect((await store.openRuns(id)).map((item) => item.id)).toEqual([open.id]);

    expect(await store.finishRun(open.id, { finishedAt: START + 60_000, outcome: 'succeeded', errorCode: null })).toBe(true);
    expect(await store.finishRun(open.id, { finishedAt: START + 90_000, outcome: 'failed', errorCode: 'INTERRUPTED' })).toBe(false);
    expect(await store.finishRun(done.id, { finishedAt: START + 90_000, outcome: 'failed', errorCode: 'INTERRUPTED' })).toBe(false);
    expect(await store.openRuns(id)).toEqual([]);
    expect(await store.runs(id, 5)).toEqual([done, { ...open, finishedAt: START + 60_000, outcome: 'succeeded' }]);
  });

  it('gives the scheduler the enabled schedules only', async () => {
    await schedule('on');
    const off = await schedule('off', { enabled: false });
    await schedule('on too');
    expect((await store.enabledRows()).map((row) => row.name).sort()).toEqual(['on', 'on too']);
    await store.update({ id: off.id, enabled: true });
    expect((await store.enabledRows()).map((row) => row.name).sort()).toEqual(['off', 'on', 'on too']);
  });

  it('claims a due time once: the same or an earlier one again is refused, a later one is taken', async () => {
    const nightly = await schedule('nightly');
    expect(await store.claimDue(nightly.id, START + DAY)).toBe(true);
    expect(await store.claimDue(nightly.id, START + DAY)).toBe(false);
    expect(await store.claimDue(nightly.id, START)).toBe(false);
    expect(await store.claimDue(nightly.id, START + 2 * DAY)).toBe(true);
  });

  it('deleting a schedule removes its runs', async () => {
    const gone = await schedule('gone');
    const kept = await schedule('kept');
    await store.addRun(run(gone.id, START));
    await store.addRun(run(kept.id, START));
    expect(await store.delete(gone.id)).toEqual({ id: gone.id });
    const left = await db.all(sql`SELECT schedule_id FROM schedule_runs`, (row) => read.text(row, 'schedule_id'));
    expect(left).toEqual([kept.id]);
    await expect(store.delete(gone.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a run now that cannot start fails its call, undoes what the call and the task wrote, and still leaves a failed run', async () => {
    const created = await schedule('broken', { task: 'test.writes-then-throws' });
    const call = db.transaction(async () => {
      await service.update({ id: created.id, cron: '15 5 * * *' }, LOCAL_OWNER);
      return service.runNow(created.id, LOCAL_OWNER);
    });
    await expect(call).rejects.toMatchObject({ code: 'VAULT_LOCKED' });
    await service.idle();

    expect(await store.get(created.id)).toMatchObject({ name: 'broken', cron: '0 3 * * *', updatedAt: START });
    expect(await store.runs(created.id, 5)).toEqual([
      {
        id: expect.any(Number),
        scheduleId: created.id,
        jobId: null,
        dueAt: START,
        startedAt: START,
        finishedAt: START,
        outcome: 'failed',
        errorCode: 'VAULT_LOCKED',
        caughtUp: false,
        trigger: 'manual',
      },
    ]);
  });

  it('a wake runs what is due and records each outcome; a task that cannot start leaves a failed run and nothing half-written', async () => {
    const ok = await schedule('a-ok', { params: { label: 'woken' } });
    const broken = await schedule('b-broken', { task: 'test.writes-then-throws' });
    const due = Date.parse('2026-05-04T03:00:00.000Z');
    // Handled up to yesterday's 03:00: today's was missed, and is caught up at the wake.
    for (const { id } of [ok, broken]) await db.run(sql`UPDATE schedules SET last_due_at = ${due - 24 * HOUR} WHERE id = ${id}`);

    service.start();
    await service.idle();

    const [okRun] = await store.runs(ok.id, 5);
    expect(okRun).toMatchObject({
      dueAt: due,
      startedAt: START,
      finishedAt: START,
      outcome: 'succeeded',
      errorCode: null,
      caughtUp: true,
      trigger: 'schedule',
    });
    expect(await jobs.get(okRun?.jobId ?? '')).toMatchObject({ status: 'succeeded', createdBy: 'schedule:a-ok', result: { label: 'woken' } });
    expect(await store.runs(broken.id, 5)).toMatchObject([{ dueAt: due, outcome: 'failed', errorCode: 'VAULT_LOCKED', jobId: null, caughtUp: true }]);
    expect((await store.list()).map((item) => item.name)).toEqual(['a-ok', 'b-broken']);
    for (const { id } of [ok, broken]) expect(await lastDue(id)).toBe(due);
  });

  // Skipped on SQLite: there another process waits for the file's write lock, which one test
  // process cannot stand for (two engines in it would block each other's thread in that wait). The
  // claim that makes a due time run once is proven on both engines above ('claims a due time once').
  it.runIf(engine === 'postgres')('two schedulers sharing the database run a due time once between them', async () => {
    const { another } = await engines.fresh(engine);
    const shared = [another(), another()];
    const schedulers = shared.map((data) => {
      const theirJobs = new JobService({
        data,
        events: new EventBus(),
        clock: time,
        logger: silentLogger(),
        metrics: createMetrics(),
        newId: () => crypto.randomUUID(),
      });
      const theirTasks = new TaskRegistry();
      theirTasks.registerTask({
        kind: 'test.ok',
        summary: 'Succeeds.',
        params: NO_PARAMS,
        permission: 'jobs:write',
        start: async (_params, createdBy) => {
          // Holds the wake open a moment: the other scheduler has read the schedule, due, before this commits.
          await new Promise((resolve) => setTimeout(resolve, 200));
          return theirJobs.start({ kind: 'test.ok', title: 'ok', createdBy }, async () => ({ ok: true }));
        },
      });
      const service = new ScheduleService({
        data,
        clock: time,
        jobs: theirJobs,
        tasks: theirTasks,
        owners: async () => LOCAL_OWNER,
        logger: silentLogger(),
        newId: () => crypto.randomUUID(),
        timers: time,
      });
      return { data, service, jobs: theirJobs };
    });
    try {
      const [first] = schedulers;
      if (!first) throw new Error('no scheduler');
      const created = await first.service.store.create(
        { name: 'once', task: 'test.ok', params: {}, cron: '0 3 * * *', timezone: 'UTC', enabled: true, catchUp: true },
        'user:ada',
      );
      const due = Date.parse('2026-05-04T03:00:00.000Z');
      await first.data.run(sql`UPDATE schedules SET last_due_at = ${due - 24 * HOUR} WHERE id = ${created.id}`);

      for (const { service } of schedulers) service.start();
      await Promise.all(schedulers.map(({ service }) => service.idle()));

      expect(await first.service.store.runs(created.id, 5)).toMatchObject([{ dueAt: due, outcome: 'succeeded', caughtUp: true }]);
    } finally {
      for (const { service, jobs: theirJobs, data } of schedulers) {
        service.stop();
        await theirJobs.shutdown();
        await service.idle();
        await data.close();
      }
    }
  });

  it('a due time while the schedule’s job still runs is skipped as BUSY; the job’s end settles its run', async () => {
    const slow = await schedule('slow', { task: 'test.slow' });
    const job = await service.runNow(slow.id, LOCAL_OWNER);
    await vi.waitFor(async () => expect((await jobs.get(job.id))?.status).toBe('running'));
    await expect(service.runNow(slow.id, LOCAL_OWNER)).rejects.toMatchObject({ code: 'CONFLICT' });

    const due = Date.parse('2026-05-04T03:00:00.000Z');
    await db.run(sql`UPDATE schedules SET last_due_at = ${due - 24 * HOUR} WHERE id = ${slow.id}`);
    service.start();
    await vi.waitFor(async () => expect(await store.runs(slow.id, 5)).toHaveLength(2));
    release();
    await service.idle();

    expect((await store.runs(slow.id, 5)).map(({ trigger, outcome, errorCode, jobId }) => ({ trigger, outcome, errorCode, jobId }))).toEqual([
      { trigger: 'schedule', outcome: 'skipped', errorCode: 'BUSY', jobId: null },
      { trigger: 'manual', outcome: 'succeeded', errorCode: null, jobId: job.id },
    ]);
    expect(await lastDue(slow.id)).toBe(due);
  });
});
