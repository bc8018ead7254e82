import { Cron } from 'croner';
import { AppError } from '@shared/api/errors';
import type { MaintenanceSchedule, MaintenanceWindow } from '@shared/api/maintenance';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { CheckConfigStore } from './store/checks';
import type { MaintenanceRow } from './table';

/**
 * Maintenance windows (docs/architecture.md §7): one-off or recurring (cron in a time zone), by server or
 * tag. While one is open for a server its results are marked and its incidents held back; its
 * checks keep running. The windows live in memory too: asking "muted?" costs no query. They are
 * read when the core opens (load) and changed here once a change has committed.
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
  private windows: Compiled[] = [];
  /** Changes applied so far: a load that saw one land while it read reads again. */
  private changes = 0;

  constructor(
    private readonly store: CheckConfigStore,
    private readonly data: Pick<AsyncDatabase, 'afterCommit'>,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** Reads every window (when the core opens, and after another process may have changed them). */
  async load(): Promise<void> {
    for (;;) {
      const seen = this.changes;
      const rows = await this.store.windows();
      if (seen !== this.changes) continue;
      this.windows = rows.map(compile);
      return;
    }
  }

  /** Whether a maintenance window covering `server` is open at `at`. */
  muted(server: ServerRef, at: number): boolean {
    for (const window of this.windows) if (covers(window, server) && openAt(window, at)) return true;
    return false;
  }

  list(server?: ServerRef): MaintenanceWindow[] {
    const now = this.clock.now();
    return this.windows.filter((window) => !server || covers(window, server)).map((window) => this.view(window, now));
  }

  get(id: string): MaintenanceWindow {
    const window = this.windows.find((candidate) => candidate.row.id === id);
    if (!window) throw notFound(id);
    return this.view(window, this.clock.now());
  }

  async create(
    input: { name: string; scope: { serverIds: string[]; tags: string[] }; schedule: MaintenanceSchedule },
    createdBy: string,
  ): Promise<MaintenanceWindow> {
    validateSchedule(input.schedule);
    const now = this.clock.now();
    const row: MaintenanceRow = { id: this.newId(), name: input.name, scope: input.scope, schedule: input.schedule, createdAt: now, createdBy, updatedAt: now };
    await this.store.insertWindow(row);
    const window = compile(row);
    this.committed(() => [...this.windows, window]);
    return this.view(window, now);
  }

  async update(input: {
    id: string;
    name?: string | undefined;
    scope?: { serverIds: string[]; tags: string[] } | undefined;
    schedule?: MaintenanceSchedule | undefined;
  }): Promise<MaintenanceWindow> {
    const current = await this.store.window(input.id);
    if (!current) throw notFound(input.id);
    if (input.schedule) validateSchedule(input.schedule);
    const now = this.clock.now();
    const row: MaintenanceRow = {
      ...current,
      name: input.name ?? current.name,
      scope: input.scope ?? current.scope,
      schedule: input.schedule ?? current.schedule,
      updatedAt: now,
    };
    await this.store.updateWindow(row);
    const window = compile(row);
    this.committed(() => this.windows.map((other) => (other.row.id === row.id ? window : other)));
    return this.view(window, now);
  }

  async delete(id: string): Promise<{ id: string }> {
    if (!(await this.store.deleteWindow(id))) throw notFound(id);
    this.committed(() => this.windows.filter((window) => window.row.id !== id));
    return { id };
  }

  /** Replaces the windows kept here with `next()` once the caller's transaction has committed. */
  private committed(next: () => Compiled[]): void {
    this.data.afterCommit(() => {
      this.changes++;
      this.windows = next();
    });
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
