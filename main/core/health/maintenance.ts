import { Cron } from 'croner';
import { eq } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { MaintenanceSchedule, MaintenanceWindow } from '@shared/api/maintenance';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { maintenanceTable, type MaintenanceRow } from './table';

/**
 * Maintenance windows (docs/architecture.md §7): one-off or recurring (cron in a time zone), by server or
 * tag. While one is open for a server its results are marked and its incidents held back; its
 * checks keep running. The windows live in memory too: asking "muted?" costs no query.
 */

interface Compiled {
  row: MaintenanceRow;
  schedule: MaintenanceSchedule;
  serverIds: ReadonlySet<string>;
  tags: readonly string[];
  cron: Cron | null;
  durationMs: number;
}

export interface ServerRef {
  id: string;
  tags: readonly string[];
}

export function validateSchedule(schedule: MaintenanceSchedule): void {
  if (schedule.kind !== 'recurring') return;
  try {
    // croner checks the time zone only when it computes a run, so compute one here.
    new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun();
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `The schedule "${schedule.cron}" in ${schedule.timezone} is not valid: ${(error as Error).message}`, {
      hint: 'Use a cron expression such as "0 2 * * 0" (02:00 every Sunday) and an IANA time zone such as Europe/Berlin.',
      issues: [{ path: ['schedule', 'cron'], message: (error as Error).message }],
    });
  }
}

function compile(row: MaintenanceRow): Compiled {
  const schedule = row.schedule as MaintenanceSchedule;
  const cron = schedule.kind === 'recurring' ? new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }) : null;
  return {
    row,
    schedule,
    serverIds: new Set(row.scope.serverIds),
    tags: row.scope.tags,
    cron,
    durationMs: schedule.kind === 'recurring' ? schedule.durationMinutes * 60_000 : 0,
  };
}

/** Whether the window is open at `at`. */
function openAt(window: Compiled, at: number): boolean {
  const { schedule } = window;
  if (schedule.kind === 'once') return at >= schedule.startsAt && at < schedule.endsAt;
  // The first opening after (at − duration) is at or before `at`: that opening still covers `at`.
  const opening = window.cron?.nextRun(new Date(at - window.durationMs));
  return opening !== null && opening !== undefined && opening.getTime() <= at;
}

function nextStart(window: Compiled, at: number): number | null {
  const { schedule } = window;
  if (schedule.kind === 'once') return schedule.startsAt > at ? schedule.startsAt : null;
  return window.cron?.nextRun(new Date(at))?.getTime() ?? null;
}

function covers(window: Compiled, server: ServerRef): boolean {
  return window.serverIds.has(server.id) || window.tags.some((tag) => server.tags.includes(tag));
}

export class MaintenanceCalendar {
  private windows: Compiled[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  private all(): Compiled[] {
    this.windows ??= this.db.select().from(maintenanceTable).all().map(compile);
    return this.windows;
  }

  /** Forget the cached windows (another process may have changed them). */
  reload(): void {
    this.windows = null;
  }

  /** Whether a maintenance window covering `server` is open at `at`. */
  muted(server: ServerRef, at: number): boolean {
    for (const window of this.all()) if (covers(window, server) && openAt(window, at)) return true;
    return false;
  }

  list(server?: ServerRef): MaintenanceWindow[] {
    const now = this.clock.now();
    return this.all()
      .filter((window) => !server || covers(window, server))
      .map((window) => this.view(window, now));
  }

  get(id: string): MaintenanceWindow {
    const window = this.all().find((candidate) => candidate.row.id === id);
    if (!window) throw notFound(id);
    return this.view(window, this.clock.now());
  }

  create(input: { name: string; scope: { serverIds: string[]; tags: string[] }; schedule: MaintenanceSchedule }, createdBy: string): MaintenanceWindow {
    validateSchedule(input.schedule);
    const now = this.clock.now();
    const row: MaintenanceRow = { id: this.newId(), name: input.name, scope: input.scope, schedule: input.schedule, createdAt: now, createdBy, updatedAt: now };
    this.db.insert(maintenanceTable).values(row).run();
    this.reload();
    return this.get(row.id);
  }

  update(input: {
    id: string;
    name?: string | undefined;
    scope?: { serverIds: string[]; tags: string[] } | undefined;
    schedule?: MaintenanceSchedule | undefined;
  }): MaintenanceWindow {
    this.get(input.id);
    if (input.schedule) validateSchedule(input.schedule);
    const set: Partial<MaintenanceRow> = { updatedAt: this.clock.now() };
    if (input.name !== undefined) set.name = input.name;
    if (input.scope !== undefined) set.scope = input.scope;
    if (input.schedule !== undefined) set.schedule = input.schedule;
    this.db.update(maintenanceTable).set(set).where(eq(maintenanceTable.id, input.id)).run();
    this.reload();
    return this.get(input.id);
  }

  delete(id: string): { id: string } {
    const result = this.db.delete(maintenanceTable).where(eq(maintenanceTable.id, id)).run();
    if (result.changes === 0) throw notFound(id);
    this.reload();
    return { id };
  }

  private view(window: Compiled, now: number): MaintenanceWindow {
    const { row, schedule } = window;
    return {
      id: row.id,
      name: row.name,
      scope: { serverIds: [...row.scope.serverIds], tags: [...row.scope.tags] },
      schedule,
      active: openAt(window, now),
      nextStart: nextStart(window, now),
      createdAt: row.createdAt,
      createdBy: row.createdBy,
    };
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no maintenance window ${id}.`, { hint: 'List the maintenance windows to see their ids.' });
}
