import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { AppError, validationError, zodIssues, type ValidationIssue } from '@shared/api/errors';
import { RUN_OUTCOMES, RUN_TRIGGERS, type RunOutcome, type RunTrigger, type Schedule, type ScheduleRun } from '@shared/api/schedules';
import type { Clock } from '../clock';
import { jsonParam, read, unlessTaken, type AsyncDatabase, type Row } from '../db/engine';
import { canonicalZone, nextDue, timingIssues } from './cron';
import type { ScheduleRow } from './table';
import type { TaskRegistry } from './tasks';

/**
 * The schedules and their run history on either engine (docs/architecture.md §4, §8): rows in, API
 * shapes out, every input checked, each query written once and each table read through its one
 * mapper. Inside a call's or a wake's transaction a store joins it, so a schedule's change or a
 * run commits with it or not at all; outside one each write takes a turn of its own.
 */

export interface ScheduleStoreDeps {
  db: AsyncDatabase;
  clock: Clock;
  newId: () => string;
  tasks: TaskRegistry;
  /** The zone a schedule gets when none is given: the machine's. */
  localZone: () => string;
}

export interface ScheduleInput {
  name: string;
  task: string;
  params: Record<string, unknown>;
  cron: string;
  timezone?: string | undefined;
  enabled: boolean;
  catchUp: boolean;
}

export interface ScheduleChange {
  id: string;
  name?: string | undefined;
  task?: string | undefined;
  params?: Record<string, unknown> | undefined;
  cron?: string | undefined;
  timezone?: string | undefined;
  enabled?: boolean | undefined;
  catchUp?: boolean | undefined;
}

export interface NewRun {
  scheduleId: string;
  jobId: string | null;
  dueAt: number;
  startedAt: number;
  /** Null while its job runs; set at once for a run that never started. */
  finishedAt: number | null;
  outcome: Exclude<RunOutcome, 'running'> | null;
  errorCode: string | null;
  caughtUp: boolean;
  trigger: RunTrigger;
}

/** How a run ended. */
export interface RunEnd {
  finishedAt: number;
  outcome: Exclude<RunOutcome, 'running'>;
  errorCode: string | null;
}

function badValue(column: string, value: unknown): AppError {
  return new AppError('INTERNAL', `The database returned ${JSON.stringify(value)} for ${column}, which Guardian does not know.`, {
    hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
    retryable: false,
  });
}

const SCHEDULE_COLUMNS = ['id', 'name', 'task', 'params', 'cron', 'timezone', 'enabled', 'catch_up', 'created_at', 'created_by', 'updated_at', 'last_due_at'];
// "trigger" is a keyword of both engines' SQL: quoted wherever it is named.
const RUN_COLUMNS = ['id', 'schedule_id', 'job_id', 'due_at', 'started_at', 'finished_at', 'outcome', 'error_code', 'caught_up', 'trigger'];

/** Columns to select, each quoted, of `table` when given (a join) and renamed `<prefix><name>` when asked. */
const columns = (names: string[], table = '', prefix = '') =>
  sql.raw(names.map((name) => `${table ? `${table}.` : ''}"${name}"${prefix ? ` AS ${prefix}${name}` : ''}`).join(', '));
const SCHEDULE = columns(SCHEDULE_COLUMNS);
const RUN = columns(RUN_COLUMNS);

/** A schedule's columns, and its last run's beside them as `run_…` (null when it never ran). */
const WITH_LAST_RUN = sql`
  SELECT ${columns(SCHEDULE_COLUMNS, 's')}, ${columns(RUN_COLUMNS, 'r', 'run_')}
  FROM schedules s
  LEFT JOIN schedule_runs r ON r.id = (
    SELECT id FROM schedule_runs WHERE schedule_id = s.id ORDER BY started_at DESC, id DESC LIMIT 1
  )`;

const Params = z.record(z.string(), z.unknown());

function paramsOf(row: Row): Record<string, unknown> {
  const value = read.json(row, 'params');
  const parsed = Params.safeParse(value);
  if (!parsed.success) throw badValue('schedules.params', value);
  return parsed.data;
}

/** The schedules table's mapper. */
function scheduleOf(row: Row): ScheduleRow {
  return {
    id: read.text(row, 'id'),
    name: read.text(row, 'name'),
    task: read.text(row, 'task'),
    params: paramsOf(row),
    cron: read.text(row, 'cron'),
    timezone: read.text(row, 'timezone'),
    enabled: read.boolean(row, 'enabled'),
    catchUp: read.boolean(row, 'catch_up'),
    createdAt: read.number(row, 'created_at'),
    createdBy: read.text(row, 'created_by'),
    updatedAt: read.number(row, 'updated_at'),
    lastDueAt: read.numberOrNull(row, 'last_due_at'),
  };
}

function outcomeOf(row: Row, column: string): RunOutcome {
  const value = read.textOrNull(row, column);
  // No outcome yet: its job is running (or ended without being recorded).
  if (value === null) return 'running';
  const outcome = RUN_OUTCOMES.find((known) => known === value);
  if (!outcome || outcome === 'running') throw badValue(`schedule_runs.${column}`, value);
  return outcome;
}

function triggerOf(row: Row, column: string): RunTrigger {
  const value = read.text(row, column);
  const trigger = RUN_TRIGGERS.find((known) => known === value);
  if (!trigger) throw badValue(`schedule_runs.${column}`, value);
  return trigger;
}

/** The schedule_runs table's mapper (its columns each under `prefix` when joined). */
function runOf(row: Row, prefix = ''): ScheduleRun {
  return {
    id: read.number(row, `${prefix}id`),
    scheduleId: read.text(row, `${prefix}schedule_id`),
    jobId: read.textOrNull(row, `${prefix}job_id`),
    dueAt: read.number(row, `${prefix}due_at`),
    startedAt: read.number(row, `${prefix}started_at`),
    finishedAt: read.numberOrNull(row, `${prefix}finished_at`),
    outcome: outcomeOf(row, `${prefix}outcome`),
    errorCode: read.textOrNull(row, `${prefix}error_code`),
    caughtUp: read.boolean(row, `${prefix}caught_up`),
    trigger: triggerOf(row, `${prefix}trigger`),
  };
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no schedule ${id}.`, { hint: 'List the schedules to see their ids (guardian job list).' });
}

const nameTaken = (name: string) =>
  new AppError('CONFLICT', `A schedule named "${name}" already exists.`, {
    hint: 'Pick another name, or change the existing schedule.',
    issues: [{ path: ['name'], message: 'Already taken' }],
  });

export class ScheduleStore {
  constructor(private readonly deps: ScheduleStoreDeps) {}

  /** By name, in the same order on both engines (code points: PostgreSQL's collation would follow its locale). */
  async list(): Promise<Schedule[]> {
    const byName = this.deps.db.dialect === 'postgres' ? sql`s.name COLLATE "C"` : sql`s.name`;
    return this.views(sql`${WITH_LAST_RUN} ORDER BY ${byName}`);
  }

  async get(id: string): Promise<Schedule> {
    const [schedule] = await this.views(sql`${WITH_LAST_RUN} WHERE s.id = ${id}`);
    if (!schedule) throw notFound(id);
    return schedule;
  }

  async row(id: string): Promise<ScheduleRow> {
    const row = await this.deps.db.get(sql`SELECT ${SCHEDULE} FROM schedules WHERE id = ${id}`, scheduleOf);
    if (!row) throw notFound(id);
    return row;
  }

  /** The schedules the scheduler runs; read afresh at every wake, so one another process changed is seen at the next. */
  enabledRows(): Promise<ScheduleRow[]> {
    return this.deps.db.all(sql`SELECT ${SCHEDULE} FROM schedules WHERE enabled = ${true}`, scheduleOf);
  }

  async create(input: ScheduleInput, createdBy: string): Promise<Schedule> {
    const { clock, newId, localZone, db } = this.deps;
    const now = clock.now();
    const timezone = this.checked({ ...input, timezone: input.timezone ?? localZone() }, now);
    await this.assertNameFree(input.name);
    const row: ScheduleRow = {
      id: newId(),
      name: input.name,
      task: input.task,
      params: input.params,
      cron: input.cron,
      timezone,
      enabled: input.enabled,
      catchUp: input.catchUp,
      createdAt: now,
      createdBy,
      updatedAt: now,
      // Due times are counted from the creation (createdAt) until the first one is handled.
      lastDueAt: null,
    };
    await unlessTaken(
      db.run(sql`
      INSERT INTO schedules (id, name, task, params, cron, timezone, enabled, catch_up, created_at, created_by, updated_at, last_due_at)
      VALUES (${row.id}, ${row.name}, ${row.task}, ${jsonParam(row.params)}, ${row.cron}, ${row.timezone}, ${row.enabled}, ${row.catchUp},
        ${row.createdAt}, ${row.createdBy}, ${row.updatedAt}, ${row.lastDueAt})`),
      () => nameTaken(input.name),
    );
    return this.view(row, null, now);
  }

  async update(change: ScheduleChange): Promise<Schedule> {
    const now = this.deps.clock.now();
    const current = await this.row(change.id);
    const next = {
      name: change.name ?? current.name,
      task: change.task ?? current.task,
      params: change.params ?? current.params,
      cron: change.cron ?? current.cron,
      timezone: change.timezone ?? current.timezone,
      enabled: change.enabled ?? current.enabled,
      catchUp: change.catchUp ?? current.catchUp,
    };
    const timezone = this.checked(next, now);
    if (next.name !== current.name) await this.assertNameFree(next.name);
    const retimed = next.cron !== current.cron || timezone !== current.timezone || (next.enabled && !current.enabled);
    // A new time, or a schedule enabled again, counts from now: what it would have run before is not caught up.
    const lastDue = retimed ? sql`, last_due_at = ${now}` : sql``;
    await unlessTaken(
      this.deps.db.run(sql`
      UPDATE schedules SET name = ${next.name}, task = ${next.task}, params = ${jsonParam(next.params)}, cron = ${next.cron},
        timezone = ${timezone}, enabled = ${next.enabled}, catch_up = ${next.catchUp}, updated_at = ${now}${lastDue}
      WHERE id = ${change.id}`),
      () => nameTaken(next.name),
    );
    return this.get(change.id);
  }

  /** Removes a schedule; its runs go with it (the foreign key cascades). */
  async delete(id: string): Promise<{ id: string }> {
    const { changes } = await this.deps.db.run(sql`DELETE FROM schedules WHERE id = ${id}`);
    if (changes === 0) throw notFound(id);
    return { id };
  }

  /**
   * Marks a due time handled (run, skipped as busy, or skipped as missed), unless it already is:
   * false when a later or the same due time was handled meanwhile (another process sharing the
   * database ran it; on PostgreSQL its wake holds the row until it commits, then this sees it).
   */
  async claimDue(id: string, dueAt: number): Promise<boolean> {
    const { changes } = await this.deps.db.run(
      sql`UPDATE schedules SET last_due_at = ${dueAt} WHERE id = ${id} AND (last_due_at IS NULL OR last_due_at < ${dueAt})`,
    );
    return changes > 0;
  }

  /** Newest first; runs started in the same millisecond by id, the later first. */
  async runs(scheduleId: string, limit: number): Promise<ScheduleRun[]> {
    await this.row(scheduleId);
    return this.deps.db.all(
      sql`SELECT ${RUN} FROM schedule_runs WHERE schedule_id = ${scheduleId}
        ORDER BY started_at DESC, id DESC LIMIT ${limit}`,
      (row) => runOf(row),
    );
  }

  /** Records a run, in the caller's transaction when there is one. */
  async addRun(run: NewRun): Promise<ScheduleRun> {
    // A transaction (or the caller's savepoint): an INSERT that returns its row is a write on both engines.
    const added = await this.deps.db.transaction((tx) =>
      tx.get(
        sql`INSERT INTO schedule_runs (schedule_id, job_id, due_at, started_at, finished_at, outcome, error_code, caught_up, "trigger")
          VALUES (${run.scheduleId}, ${run.jobId}, ${run.dueAt}, ${run.startedAt}, ${run.finishedAt}, ${run.outcome}, ${run.errorCode},
            ${run.caughtUp}, ${run.trigger})
          RETURNING ${RUN}`,
        (row) => runOf(row),
      ),
    );
    if (!added) throw new AppError('INTERNAL', 'The database did not return the run it recorded.', { hint: 'See the log.', retryable: true });
    return added;
  }

  /** Settles a run's outcome, once: false when it already has one (or is gone). */
  async finishRun(id: number, end: RunEnd): Promise<boolean> {
    const { changes } = await this.deps.db.run(sql`
      UPDATE schedule_runs SET finished_at = ${end.finishedAt}, outcome = ${end.outcome}, error_code = ${end.errorCode}
      WHERE id = ${id} AND outcome IS NULL`);
    return changes > 0;
  }

  /** Runs of a schedule with no outcome yet: their jobs are running, or ended without being recorded. */
  openRuns(scheduleId: string): Promise<ScheduleRun[]> {
    return this.deps.db.all(sql`SELECT ${RUN} FROM schedule_runs WHERE schedule_id = ${scheduleId} AND outcome IS NULL ORDER BY id`, (row) => runOf(row));
  }

  private async views(query: SQL): Promise<Schedule[]> {
    const now = this.deps.clock.now();
    const rows = await this.deps.db.all(query, (row) => ({
      schedule: scheduleOf(row),
      lastRun: row.run_id === null || row.run_id === undefined ? null : runOf(row, 'run_'),
    }));
    return rows.map(({ schedule, lastRun }) => this.view(schedule, lastRun, now));
  }

  private view(row: ScheduleRow, lastRun: ScheduleRun | null, now: number): Schedule {
    return {
      id: row.id,
      name: row.name,
      task: row.task,
      params: row.params,
      cron: row.cron,
      timezone: row.timezone,
      enabled: row.enabled,
      catchUp: row.catchUp,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
      updatedAt: row.updatedAt,
      nextRunAt: row.enabled ? nextDue(row, now) : null,
      lastRun,
    };
  }

  private async assertNameFree(name: string): Promise<void> {
    const taken = await this.deps.db.get(sql`SELECT id FROM schedules WHERE name = ${name}`, (row) => read.text(row, 'id'));
    if (taken !== undefined) throw nameTaken(name);
  }

  /** Checks the task, its params, the expression and the zone together; the zone's canonical name. */
  private checked(input: { task: string; params: Record<string, unknown>; cron: string; timezone: string }, now: number): string {
    const issues: ValidationIssue[] = [];
    const { tasks } = this.deps;
    if (!tasks.has(input.task)) {
      issues.push({ path: ['task'], message: `No task "${input.task}"; tasks are: ${tasks.kinds().join(', ') || 'none'}` });
    } else {
      const parsed = tasks.get(input.task).params.safeParse(input.params);
      if (!parsed.success) issues.push(...zodIssues(parsed.error).map((issue) => ({ ...issue, path: ['params', ...issue.path] })));
    }
    issues.push(...timingIssues(input, now));
    if (issues.length > 0) throw validationError(issues, 'The schedule');
    return canonicalZone(input.timezone) ?? input.timezone;
  }
}
