import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, type AppErrorShape } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { Schedule, ScheduleRun, TaskInfo } from '@shared/api/schedules';
import type { User } from '@shared/api/users';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { deferred, FakeTime } from '../testing/fake-time';
import { failure, success, useTempCore } from '../testing/harness';
import { NO_PARAMS } from './tasks';
import { ScheduleStore } from './store';
import { rowsOf } from '../testing/rows';

/**
 * The scheduler on a real core and database, with a clock and timers the test moves: when each
 * schedule runs (in UTC, across daylight saving), what a missed run does at start, and what the
 * history records when a task cannot start, its job fails, or its previous job is still running.
 */

const env = useTempCore({ prefix: 'guardian-schedules-', lazy: true });

const CALL = { origin: 'test' };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

interface Opened {
  core: Core;
  time: FakeTime;
  /** Resolves the job of the `test.slow` task started last. */
  release: () => void;
  /**
   * Moves the clock on, each wake the scheduler's timers start (and the runs it records) ended
   * before time moves again: at once on SQLite, after real round trips on PostgreSQL.
   */
  advance: (ms: number) => Promise<void>;
}

/** A core whose clock and scheduler timers the test holds, with test tasks registered. */
async function open(startIso: string, recheckMs = DAY): Promise<Opened> {
  const time = new FakeTime(Date.parse(startIso));
  // Nothing else shares the database: the timer need not look again each minute for others' changes,
  // and moving the clock through days costs a wake per due time, not one per minute (on PostgreSQL,
  // each of those 1,440 wakes a day was real round trips: 134 s for this file).
  const core = await env.start({ clock: time, schedules: { timers: time, localZone: () => 'Europe/Berlin', recheckMs } });
  const { jobs } = core;
  let release = () => {};
  const tasks = core.schedules.tasks;
  tasks.registerTask({
    kind: 'test.ok',
    summary: 'Succeeds with its label.',
    params: z.strictObject({ label: z.string().default('plain') }),
    permission: 'jobs:write',
    start: (params, createdBy) =>
      jobs.start({ kind: 'test.ok', title: `ok ${params.label}`, createdBy }, async (ctx) => {
        ctx.progress(1, 1);
        return { label: params.label };
      }),
  });
  tasks.registerTask({
    kind: 'test.throws',
    summary: 'Cannot start.',
    params: NO_PARAMS,
    permission: 'jobs:write',
    start: () => {
      throw new AppError('VAULT_LOCKED', 'The vault is locked.', { hint: 'Unlock it.' });
    },
  });
  tasks.registerTask({
    kind: 'test.fails',
    summary: 'Starts, then fails.',
    params: NO_PARAMS,
    permission: 'jobs:write',
    start: (_params, createdBy) =>
      jobs.start({ kind: 'test.fails', title: 'fails', createdBy }, async () => {
        throw new AppError('UNREACHABLE', 'backup.example.net did not answer.', { hint: 'Check the host.' });
      }),
  });
  tasks.registerTask({
    kind: 'test.slow',
    summary: 'Runs until the test releases it.',
    params: NO_PARAMS,
    permission: 'jobs:write',
    start: (_params, createdBy) => {
      const gate = deferred<void>();
      release = () => gate.resolve();
      // Also ends when the core closes, so a failing test does not hang the next one.
      return jobs.start({ kind: 'test.slow', title: 'slow', createdBy }, (ctx) => {
        ctx.signal.addEventListener('abort', () => gate.resolve());
        return gate.promise;
      });
    },
  });
  return { core, time, release: () => release(), advance: (ms) => time.advance(ms, () => core.schedules.idle()) };
}

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
const refuse = async (core: Core, name: string, input: unknown): Promise<AppErrorShape> => failure(await core.router.call(LOCAL_OWNER, name, input, CALL));

const create = (core: Core, input: Record<string, unknown>) => call<Schedule>(core, 'schedules.create', { task: 'test.ok', timezone: 'UTC', ...input });

/** The history of a schedule, oldest first. */
async function history(core: Core, id: string): Promise<ScheduleRun[]> {
  const { items } = await call<{ items: ScheduleRun[] }>(core, 'schedules.runs', { id, limit: 500 });
  return items.reverse();
}

/** The history as what a reader checks: due and start times in UTC, outcome, code, how it started. */
async function readable(core: Core, id: string) {
  return (await history(core, id)).map((run) => ({
    dueAt: iso(run.dueAt),
    startedAt: iso(run.startedAt),
    outcome: run.outcome,
    errorCode: run.errorCode,
    caughtUp: run.caughtUp,
    trigger: run.trigger,
  }));
}

const setLastDue = (core: Core, id: string, at: number) => rowsOf(core).run('UPDATE schedules SET last_due_at = ? WHERE id = ?', at, id);

describe('daylight saving: "30 2 * * *" in Europe/Berlin, 2026', () => {
  it('on March 29 (02:00 → 03:00, no 02:30 that night) runs at 03:00 CEST = 01:00 UTC, the first time after the gap, once', async () => {
    const { core, advance } = await open('2026-03-27T12:00:00.000Z');
    const nightly = await create(core, { name: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    expect(iso(nightly.nextRunAt)).toBe('2026-03-28T01:30:00.000Z');
    core.schedules.start();

    await advance(3 * DAY);

    const runs = await readable(core, nightly.id);
    expect(runs.map((run) => run.startedAt)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET (UTC+1)
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist
      '2026-03-30T00:30:00.000Z', // 02:30 CEST (UTC+2)
    ]);
    expect(runs.every((run) => run.dueAt === run.startedAt && run.outcome === 'succeeded' && !run.caughtUp && run.trigger === 'schedule')).toBe(true);
  });

  it('on October 25 (03:00 → 02:00, 02:30 happens twice) runs once, at the first 02:30 (CEST) = 00:30 UTC', async () => {
    const { core, advance } = await open('2026-10-23T12:00:00.000Z');
    const nightly = await create(core, { name: 'nightly', cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    core.schedules.start();

    await advance(3 * DAY);

    expect((await readable(core, nightly.id)).map((run) => run.startedAt)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST (UTC+2)
      '2026-10-25T00:30:00.000Z', // the first 02:30, still CEST; not again at 01:30 UTC (02:30 CET)
      '2026-10-26T01:30:00.000Z', // 02:30 CET (UTC+1)
    ]);
  });
});

describe('runs missed while Guardian was stopped', () => {
  it('with catch-up on, run once at start however many were missed, marked caught up; then on time again', async () => {
    const { core, advance } = await open('2026-01-10T12:00:00.000Z');
    const daily = await create(core, { name: 'daily', cron: '0 3 * * *' });
    // Last handled three days ago: the runs of Jan 8, 9 and 10 at 03:00 were missed.
    await setLastDue(core, daily.id, Date.parse('2026-01-07T03:00:00.000Z'));

    core.schedules.start();
    await advance(0);
    await core.schedules.idle();

    expect(await readable(core, daily.id)).toEqual([
      { dueAt: '2026-01-10T03:00:00.000Z', startedAt: '2026-01-10T12:00:00.000Z', outcome: 'succeeded', errorCode: null, caughtUp: true, trigger: 'schedule' },
    ]);

    await advance(DAY);
    expect((await readable(core, daily.id)).slice(1)).toEqual([
      { dueAt: '2026-01-11T03:00:00.000Z', startedAt: '2026-01-11T03:00:00.000Z', outcome: 'succeeded', errorCode: null, caughtUp: false, trigger: 'schedule' },
    ]);
  });

  it('with catch-up off, skip them and run at the next due time', async () => {
    const { core, advance } = await open('2026-01-10T12:00:00.000Z');
    const daily = await create(core, { name: 'daily', cron: '0 3 * * *', catchUp: false });
    await setLastDue(core, daily.id, Date.parse('2026-01-07T03:00:00.000Z'));

    core.schedules.start();
    await advance(HOUR);
    expect(await history(core, daily.id)).toEqual([]);

    await advance(DAY);
    expect((await readable(core, daily.id)).map((run) => [run.startedAt, run.caughtUp])).toEqual([['2026-01-11T03:00:00.000Z', false]]);
  });

  it('a run due less than a minute ago is on time, not caught up, even with catch-up off', async () => {
    const { core, advance } = await open('2026-01-10T03:00:30.000Z');
    const daily = await create(core, { name: 'daily', cron: '0 3 * * *', catchUp: false });
    await setLastDue(core, daily.id, Date.parse('2026-01-09T03:00:00.000Z'));

    core.schedules.start();
    await advance(0);

    expect((await readable(core, daily.id)).map((run) => [run.dueAt, run.startedAt, run.caughtUp])).toEqual([
      ['2026-01-10T03:00:00.000Z', '2026-01-10T03:00:30.000Z', false],
    ]);
  });
});

describe('what the history records', () => {
  it('a task that cannot start and a job that fails are failed runs with their codes; another schedule due at the same time still runs', async () => {
    const { core, advance } = await open('2026-05-04T12:00:00.000Z');
    const throws = await create(core, { name: 'a-throws', task: 'test.throws', cron: '0 3 * * *' });
    const fails = await create(core, { name: 'b-fails', task: 'test.fails', cron: '0 3 * * *' });
    const ok = await create(core, { name: 'c-ok', cron: '0 3 * * *', params: { label: 'nightly' } });
    core.schedules.start();

    await advance(DAY);

    const at3 = { dueAt: '2026-05-05T03:00:00.000Z', startedAt: '2026-05-05T03:00:00.000Z', caughtUp: false, trigger: 'schedule' };
    expect(await readable(core, throws.id)).toEqual([{ ...at3, outcome: 'failed', errorCode: 'VAULT_LOCKED' }]);
    expect(await readable(core, fails.id)).toEqual([{ ...at3, outcome: 'failed', errorCode: 'UNREACHABLE' }]);
    expect(await readable(core, ok.id)).toEqual([{ ...at3, outcome: 'succeeded', errorCode: null }]);

    const [thrown] = await history(core, throws.id);
    const [failed] = await history(core, fails.id);
    const [succeeded] = await history(core, ok.id);
    expect(thrown?.jobId).toBeNull();
    expect(await core.jobs.get(failed?.jobId ?? '')).toMatchObject({
      kind: 'test.fails',
      status: 'failed',
      createdBy: 'schedule:b-fails',
      error: { code: 'UNREACHABLE' },
    });
    expect(await core.jobs.get(succeeded?.jobId ?? '')).toMatchObject({ status: 'succeeded', result: { label: 'nightly' } });

    // The failures stopped nothing: the next night all three run again.
    await advance(DAY);
    for (const schedule of [throws, fails, ok]) expect(await history(core, schedule.id)).toHaveLength(2);

    const { items } = await call<{ items: Schedule[] }>(core, 'schedules.list', {});
    expect(items.map((s) => [s.name, s.lastRun?.outcome, s.lastRun?.errorCode, iso(s.nextRunAt)])).toEqual([
      ['a-throws', 'failed', 'VAULT_LOCKED', '2026-05-07T03:00:00.000Z'],
      ['b-fails', 'failed', 'UNREACHABLE', '2026-05-07T03:00:00.000Z'],
      ['c-ok', 'succeeded', null, '2026-05-07T03:00:00.000Z'],
    ]);
  });

  it('never runs a schedule twice at once: a due time while its job still runs is skipped as BUSY', async () => {
    const { core, time, release } = await open('2026-05-04T00:30:00.000Z');
    const hourly = await create(core, { name: 'hourly', task: 'test.slow', cron: '0 * * * *' });
    core.schedules.start();
    // Each wake ended before time moves on; not idle(), which waits for the slow job too.
    const advance = (ms: number) => time.advance(ms, () => core.schedules.woken());

    await advance(HOUR); // 01:00 starts; 01:30 now
    await advance(HOUR); // 02:00: still running
    expect((await refuse(core, 'schedules.run', { id: hourly.id })).code).toBe('CONFLICT');
    release();
    await advance(HOUR); // 03:00 runs again

    expect((await readable(core, hourly.id)).map((run) => [run.startedAt?.slice(11, 16), run.outcome, run.errorCode])).toEqual([
      ['01:00', 'succeeded', null],
      ['02:00', 'skipped', 'BUSY'],
      ['03:00', 'running', null],
    ]);
    release();
  });

  it('disabled schedules do not run; enabled again, they count from then (nothing caught up)', async () => {
    const { core, advance } = await open('2026-05-04T12:00:00.000Z');
    const paused = await create(core, { name: 'paused', cron: '0 3 * * *', enabled: false });
    expect(paused.nextRunAt).toBeNull();
    core.schedules.start();

    await advance(2 * DAY);
    expect(await history(core, paused.id)).toEqual([]);

    const enabled = await call<Schedule>(core, 'schedules.update', { id: paused.id, enabled: true });
    expect(iso(enabled.nextRunAt)).toBe('2026-05-07T03:00:00.000Z');
    await advance(DAY);
    expect((await readable(core, paused.id)).map((run) => [run.startedAt, run.caughtUp])).toEqual([['2026-05-07T03:00:00.000Z', false]]);
  });

  it('a schedule created or changed while the scheduler runs is picked up at once', async () => {
    const { core, advance } = await open('2026-05-04T12:00:00.000Z');
    core.schedules.start();
    const soon = await create(core, { name: 'soon', cron: '5 12 * * *' });
    await advance(10 * 60_000);
    expect((await readable(core, soon.id)).map((run) => run.startedAt)).toEqual(['2026-05-04T12:05:00.000Z']);

    await call(core, 'schedules.update', { id: soon.id, cron: '20 12 * * *' });
    await advance(10 * 60_000);
    expect((await readable(core, soon.id)).map((run) => run.startedAt)).toEqual(['2026-05-04T12:05:00.000Z', '2026-05-04T12:20:00.000Z']);

    await call(core, 'schedules.delete', { id: soon.id });
    await advance(DAY);
    expect((await refuse(core, 'schedules.runs', { id: soon.id })).code).toBe('NOT_FOUND');
  });

  it('a schedule another process added to the database runs within the minute the scheduler looks again', async () => {
    const { core, time, advance } = await open('2026-05-04T12:00:00.000Z', 60_000);
    core.schedules.start();
    await advance(0);
    // Another Guardian sharing the database: its store writes the row, this scheduler is not told.
    const elsewhere = new ScheduleStore({ db: core.data, clock: time, newId: randomUUID, tasks: core.schedules.tasks, localZone: () => 'UTC' });
    const added = await elsewhere.create(
      { name: 'added elsewhere', task: 'test.ok', cron: '1 12 * * *', timezone: 'UTC', params: {}, enabled: true, catchUp: true },
      'system:local-owner',
    );
    await advance(3 * 60_000);
    expect((await readable(core, added.id)).map((run) => [run.startedAt, run.caughtUp])).toEqual([['2026-05-04T12:01:00.000Z', false]]);
  });
});

describe('run now', () => {
  it('runs a schedule (even a disabled one) at once and returns its job; the history says who asked', async () => {
    const { core, time, advance } = await open('2026-05-04T12:00:00.000Z');
    const weekly = await create(core, { name: 'weekly', cron: '0 4 * * 0', enabled: false, params: { label: 'by hand' } });

    const job = await call<Job>(core, 'schedules.run', { id: weekly.id });
    expect(job).toMatchObject({ kind: 'test.ok', status: 'queued', createdBy: 'system:local-owner' });
    expect(await core.jobs.waitFor(job.id)).toMatchObject({ status: 'succeeded', result: { label: 'by hand' } });
    await advance(0);

    expect(await history(core, weekly.id)).toEqual([
      {
        id: expect.any(Number),
        scheduleId: weekly.id,
        jobId: job.id,
        dueAt: time.now(),
        startedAt: time.now(),
        finishedAt: time.now(),
        outcome: 'succeeded',
        errorCode: null,
        caughtUp: false,
        trigger: 'manual',
      },
    ]);
  });

  it('a task that cannot start answers with its error and stays in the history as failed', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const broken = await create(core, { name: 'broken', task: 'test.throws', cron: '0 3 * * *' });

    const error = await refuse(core, 'schedules.run', { id: broken.id });
    expect(error).toMatchObject({ code: 'VAULT_LOCKED', message: 'The vault is locked.', hint: 'Unlock it.' });
    expect(await readable(core, broken.id)).toMatchObject([{ outcome: 'failed', errorCode: 'VAULT_LOCKED', trigger: 'manual' }]);
  });

  it('a run that could not start is in the history at once, even while another writer waits for the database', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const broken = await create(core, { name: 'broken', task: 'test.throws', cron: '0 3 * * *' });

    const refused = refuse(core, 'schedules.run', { id: broken.id });
    // A writer that asks for the database while the call holds it, and keeps it until released.
    const gate = deferred<void>();
    const writer = core.data.transaction(() => gate.promise);
    expect(await refused).toMatchObject({ code: 'VAULT_LOCKED' });
    const runs = readable(core, broken.id);
    gate.resolve();
    await writer;
    expect(await runs).toMatchObject([{ outcome: 'failed', errorCode: 'VAULT_LOCKED', trigger: 'manual' }]);
  });

  it('runs the built-in health.retention task', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const retention = await create(core, { name: 'retention', task: 'health.retention', cron: '15 4 * * *' });
    const job = await call<Job>(core, 'schedules.run', { id: retention.id });
    expect(await core.jobs.waitFor(job.id)).toMatchObject({ kind: 'health.retention', status: 'succeeded' });
  });
});

describe('creating and changing schedules', () => {
  it('lists the tasks there are, with their params as JSON Schema', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const { items } = await call<{ items: TaskInfo[] }>(core, 'schedules.tasks', {});
    // Other domains register theirs too; the list is sorted.
    const kinds = items.map((task) => task.kind);
    expect(kinds).toEqual([...kinds].sort());
    expect(kinds).toEqual(expect.arrayContaining(['health.retention', 'test.fails', 'test.ok', 'test.slow', 'test.throws']));
    expect(items.find((task) => task.kind === 'health.retention')?.summary).toMatch(/^Prune health results/);
    expect(items.find((task) => task.kind === 'test.ok')?.params).toMatchObject({ type: 'object', properties: { label: { type: 'string' } } });
  });

  it('defaults to the machine’s time zone, catch-up on, enabled; names the zone canonically', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const local = await call<Schedule>(core, 'schedules.create', { name: 'local', task: 'test.ok', cron: '@daily' });
    expect(local).toMatchObject({ timezone: 'Europe/Berlin', enabled: true, catchUp: true, params: {}, createdBy: 'system:local-owner', lastRun: null });
    expect(iso(local.nextRunAt)).toBe('2026-05-04T22:00:00.000Z');
    const utc = await call<Schedule>(core, 'schedules.create', { name: 'utc', task: 'test.ok', cron: '0 0 * * *', timezone: 'utc' });
    expect(utc.timezone).toBe('UTC');
  });

  it.each([
    ['a cron field out of range', { cron: '61 * * * *' }, [['cron', /minute: 61/]]],
    ['six fields (seconds)', { cron: '0 30 2 * * *' }, [['cron', /five fields .*; this has 6$/]]],
    ['words', { cron: 'every night' }, [['cron', /Not a cron expression/]]],
    ['a date that never comes', { cron: '0 0 30 2 *' }, [['cron', /never matches/]]],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, [['timezone', /Unknown time zone "Mars\/Olympus"/]]],
    ['an unknown task', { task: 'backup.create' }, [['task', /^No task "backup\.create"; tasks are: (.+, )?health\.retention, (.+, )?test\.fails, test\.ok/]]],
    ['params of the wrong type', { params: { label: 5 } }, [['params.label', /string/]]],
    ['params the task does not take', { params: { colour: 'red' } }, [['params', /colour/]]],
    [
      'a bad cron and a bad zone at once',
      { cron: '* * *', timezone: 'Nowhere' },
      [
        ['cron', /Not a cron/],
        ['timezone', /Unknown time zone/],
      ],
    ],
  ])('refuses %s with VALIDATION_FAILED and the field', async (_what, change, expected) => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const error = await refuse(core, 'schedules.create', { name: 'bad', task: 'test.ok', cron: '30 2 * * *', timezone: 'UTC', ...change });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.issues ?? []).map((issue) => issue.path.join('.'))).toEqual(expected.map(([path]) => path));
    (error.issues ?? []).forEach((issue, i) => expect(issue.message).toMatch(expected[i]?.[1] ?? /never/));
    expect((await call<{ items: Schedule[] }>(core, 'schedules.list', {})).items).toEqual([]);
  });

  it('checks changes the same way, and refuses a name already taken', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const first = await create(core, { name: 'first', cron: '0 3 * * *' });
    await create(core, { name: 'second', cron: '0 4 * * *' });

    const badZone = await refuse(core, 'schedules.update', { id: first.id, timezone: 'Europe/Atlantis' });
    expect(badZone).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['timezone'] }] });
    const otherTask = await refuse(core, 'schedules.update', { id: first.id, task: 'test.throws', params: { label: 'x' } });
    expect(otherTask).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['params'] }] });
    expect(await refuse(core, 'schedules.update', { id: first.id, name: 'second' })).toMatchObject({ code: 'CONFLICT', issues: [{ path: ['name'] }] });
    expect((await refuse(core, 'schedules.create', { name: 'first', task: 'test.ok', cron: '0 5 * * *' })).code).toBe('CONFLICT');

    const renamed = await call<Schedule>(core, 'schedules.update', { id: first.id, name: 'renamed', task: 'test.throws', params: {} });
    expect(renamed).toMatchObject({ name: 'renamed', task: 'test.throws', cron: '0 3 * * *', timezone: 'UTC' });
  });
});

describe('a schedule runs with its creator’s rights as they are now', () => {
  const PASSWORD = 'a long sentence for the creator 9';

  /** An account of `role` made through the router, and the principal it calls as. */
  async function account(core: Core, username: string, role: 'admin' | 'operator') {
    const user = success<User>(await core.router.call(LOCAL_OWNER, 'users.create', { username, role, password: PASSWORD }, CALL));
    const principal: Principal = { kind: 'user', id: user.id, name: username, role };
    return { user, principal };
  }

  it.each([
    ['made a viewer', async (core: Core, id: string) => await core.accounts.update(LOCAL_OWNER, id, { role: 'viewer' })],
    ['disabled', async (core: Core, id: string) => await core.accounts.setDisabled(LOCAL_OWNER, id, true)],
    ['deleted', async (core: Core, id: string) => await core.accounts.delete(LOCAL_OWNER, id)],
  ])('an admin’s audit.verify schedule fails at its due time with PERMISSION_DENIED once the admin is %s', async (_what, change) => {
    const { core, advance } = await open('2026-05-04T12:00:00.000Z');
    const { user, principal } = await account(core, 'ada', 'admin');
    const nightly = success<Schedule>(
      await core.router.call(principal, 'schedules.create', { name: 'verify', task: 'audit.verify', cron: '0 3 * * *', timezone: 'UTC' }, CALL),
    );
    core.schedules.start();
    await advance(DAY);

    await change(core, user.id);
    await advance(DAY);

    expect((await readable(core, nightly.id)).map((run) => [run.startedAt, run.outcome, run.errorCode, run.trigger])).toEqual([
      ['2026-05-05T03:00:00.000Z', 'succeeded', null, 'schedule'],
      ['2026-05-06T03:00:00.000Z', 'failed', 'PERMISSION_DENIED', 'schedule'],
    ]);
  });

  it('an API key’s schedule stops running once the key is revoked', async () => {
    const { core, advance } = await open('2026-05-04T12:00:00.000Z');
    const { key, token } = success<{ key: { id: string }; token: string }>(
      await core.router.call(LOCAL_OWNER, 'apikeys.create', { name: 'cron', role: 'admin' }, CALL),
    );
    const principal = await core.apiKeys.authenticate(token, 'test');
    if (!principal) throw new Error('the new key does not authenticate');
    const nightly = success<Schedule>(
      await core.router.call(principal, 'schedules.create', { name: 'verify', task: 'audit.verify', cron: '0 3 * * *', timezone: 'UTC' }, CALL),
    );
    core.schedules.start();
    await advance(DAY);
    success(await core.router.call(LOCAL_OWNER, 'apikeys.revoke', { id: key.id }, CALL));
    await advance(DAY);
    expect((await readable(core, nightly.id)).map((run) => [run.outcome, run.errorCode])).toEqual([
      ['succeeded', null],
      ['failed', 'PERMISSION_DENIED'],
    ]);
  });

  it('needs the task’s permission to create, change or run: an operator cannot schedule audit.prune or take over an admin’s', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const { principal: admin } = await account(core, 'ada', 'admin');
    const { principal: operator } = await account(core, 'otto', 'operator');
    const as = async (who: Principal, name: string, input: unknown) => core.router.call(who, name, input, CALL);

    expect(failure(await as(operator, 'schedules.create', { name: 'prune', task: 'audit.prune', cron: '0 3 * * *' })).code).toBe('PERMISSION_DENIED');
    const prune = success<Schedule>(await as(admin, 'schedules.create', { name: 'prune', task: 'audit.prune', cron: '0 3 * * *' }));
    expect(failure(await as(operator, 'schedules.run', { id: prune.id })).code).toBe('PERMISSION_DENIED');
    expect(failure(await as(operator, 'schedules.update', { id: prune.id, enabled: false })).code).toBe('PERMISSION_DENIED');
    // An operator's own schedule cannot become one it could not create.
    const ok = success<Schedule>(await as(operator, 'schedules.create', { name: 'mine', task: 'test.ok', cron: '0 3 * * *' }));
    expect(failure(await as(operator, 'schedules.update', { id: ok.id, task: 'audit.prune', params: {} })).code).toBe('PERMISSION_DENIED');
    expect(await history(core, prune.id)).toEqual([]);
  });

  it('lists each task with the permission it needs (null when its params decide)', async () => {
    const { core } = await open('2026-05-04T12:00:00.000Z');
    const { items } = await call<{ items: TaskInfo[] }>(core, 'schedules.tasks', {});
    expect(Object.fromEntries(items.map((task) => [task.kind, task.permission]))).toMatchObject({
      'audit.prune': 'audit:admin',
      'audit.verify': 'audit:read',
      'health.retention': 'servers:write',
      'report.generate': null,
    });
  });
});
