import { and, desc, eq, isNull } from 'drizzle-orm';
import { AppError, validationError, zodIssues, type ValidationIssue } from '@shared/api/errors';
import { RUN_OUTCOMES, RUN_TRIGGERS, type RunOutcome, type RunTrigger, type Schedule, type ScheduleRun } from '@shared/api/schedules';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { canonicalZone, nextDue, timingIssues } from './cron';
import { scheduleRunsTable, schedulesTable, type ScheduleRow, type ScheduleRunRow } from './table';
import type { TaskRegistry } from './tasks';

/** The schedules and their run history: rows in, API shapes out, every input checked. */

export interface ScheduleStoreDeps {
  db: Db;
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

const isOutcome = (value: string | null): value is RunOutcome => value !== null && (RUN_OUTCOMES as readonly string[]).includes(value);
const isTrigger = (value: string): value is RunTrigger => (RUN_TRIGGERS as readonly string[]).includes(value);

export function toRun(row: ScheduleRunRow): ScheduleRun {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    jobId: row.jobId,
    dueAt: row.dueAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    outcome: isOutcome(row.outcome) ? row.outcome : 'running',
    errorCode: row.errorCode,
    caughtUp: row.caughtUp,
    trigger: isTrigger(row.trigger) ? row.trigger : 'schedule',
  };
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no schedule ${id}.`, { hint: 'List the schedules to see their ids (guardian job list).' });
}

export class ScheduleStore {
  // The scheduler reads this at every wake (at least once a minute, twice per wake): built once,
  // since building and preparing the query cost far more than running it. It still reads the rows
  // each time, so a schedule another process changed is seen at the next wake.
  private readonly enabled;

  constructor(private readonly deps: ScheduleStoreDeps) {
    this.enabled = deps.db.select().from(schedulesTable).where(eq(schedulesTable.enabled, true)).prepare();
  }

  list(): Schedule[] {
    const now = this.deps.clock.now();
    return this.deps.db
      .select()
      .from(schedulesTable)
      .orderBy(schedulesTable.name)
      .all()
      .map((row) => this.view(row, now));
  }

  get(id: string): Schedule {
    return this.view(this.row(id), this.deps.clock.now());
  }

  row(id: string): ScheduleRow {
    const row = this.deps.db.select().from(schedulesTable).where(eq(schedulesTable.id, id)).get();
    if (!row) throw notFound(id);
    return row;
  }

  enabledRows(): ScheduleRow[] {
    return this.enabled.all();
  }

  create(input: ScheduleInput, createdBy: string): Schedule {
    const { clock, newId, localZone } = this.deps;
    const now = clock.now();
    const timezone = this.checked({ ...input, timezone: input.timezone ?? localZone() }, now);
    this.assertNameFree(input.name);
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
    this.deps.db.insert(schedulesTable).values(row).run();
    return this.view(row, now);
  }

  update(change: ScheduleChange): Schedule {
    const now = this.deps.clock.now();
    const current = this.row(change.id);
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
    if (next.name !== current.name) this.assertNameFree(next.name);
    const retimed = next.cron !== current.cron || timezone !== current.timezone || (next.enabled && !current.enabled);
    this.deps.db
      .update(schedulesTable)
      .set({
        ...next,
        timezone,
        updatedAt: now,
        // A new time, or a schedule enabled again, counts from now: what it would have run before is not caught up.
        ...(retimed ? { lastDueAt: now } : {}),
      })
      .where(eq(schedulesTable.id, change.id))
      .run();
    return this.get(change.id);
  }

  delete(id: string): { id: string } {
    const result = this.deps.db.delete(schedulesTable).where(eq(schedulesTable.id, id)).run();
    if (result.changes === 0) throw notFound(id);
    return { id };
  }

  /** Marks a due time handled (run, skipped as busy, or skipped as missed). */
  setLastDue(id: string, dueAt: number): void {
    this.deps.db.update(schedulesTable).set({ lastDueAt: dueAt }).where(eq(schedulesTable.id, id)).run();
  }

  runs(scheduleId: string, limit: number): ScheduleRun[] {
    this.row(scheduleId);
    return this.deps.db
      .select()
      .from(scheduleRunsTable)
      .where(eq(scheduleRunsTable.scheduleId, scheduleId))
      .orderBy(desc(scheduleRunsTable.startedAt), desc(scheduleRunsTable.id))
      .limit(limit)
      .all()
      .map(toRun);
  }

  addRun(run: NewRun): ScheduleRun {
    const row = this.deps.db.insert(scheduleRunsTable).values(run).returning().get();
    return toRun(row);
  }

  finishRun(id: number, fields: { finishedAt: number; outcome: Exclude<RunOutcome, 'running'>; errorCode: string | null }): void {
    this.deps.db.update(scheduleRunsTable).set(fields).where(eq(scheduleRunsTable.id, id)).run();
  }

  /** Runs of a schedule with no outcome yet: their jobs are running, or ended without being recorded. */
  openRuns(scheduleId?: string): ScheduleRunRow[] {
    const open = isNull(scheduleRunsTable.outcome);
    return this.deps.db
      .select()
      .from(scheduleRunsTable)
      .where(scheduleId === undefined ? open : and(open, eq(scheduleRunsTable.scheduleId, scheduleId)))
      .all();
  }

  private lastRun(scheduleId: string): ScheduleRun | null {
    const row = this.deps.db
      .select()
      .from(scheduleRunsTable)
      .where(eq(scheduleRunsTable.scheduleId, scheduleId))
      .orderBy(desc(scheduleRunsTable.startedAt), desc(scheduleRunsTable.id))
      .limit(1)
      .get();
    return row ? toRun(row) : null;
  }

  private view(row: ScheduleRow, now: number): Schedule {
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
      lastRun: this.lastRun(row.id),
    };
  }

  private assertNameFree(name: string): void {
    const taken = this.deps.db.select({ id: schedulesTable.id }).from(schedulesTable).where(eq(schedulesTable.name, name)).get();
    if (taken) {
      throw new AppError('CONFLICT', `A schedule named "${name}" already exists.`, {
        hint: 'Pick another name, or change the existing schedule.',
        issues: [{ path: ['name'], message: 'Already taken' }],
      });
    }
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
