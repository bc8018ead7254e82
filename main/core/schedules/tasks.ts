import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { TaskInfo } from '@shared/api/schedules';
import { principalAllows, type Permission, type Principal } from '@shared/permissions';

/**
 * What a schedule can run. Each domain registers its own tasks once, in `createCore`
 * (main/core/app.ts), after its service exists; one line per kind:
 *
 *   tasks.registerTask({ kind: 'audit.verify', summary: 'Walk the audit chain and name the first broken link.',
 *     params: NO_PARAMS, permission: 'audit:read', start: (_params, createdBy) => audit.startVerify(createdBy) });
 *
 * `params` is a zod schema: it checks a schedule's params when the schedule is created or changed,
 * and again (with its defaults) before each run. `start` starts the work as a job
 * (`jobs.start(...)`) and returns it once its row is written; it may throw an AppError when the task cannot
 * start, which the run records as failed with that code. `createdBy` is who the job is for:
 * `schedule:<name>` at a due time, the caller (`user:<id>`) for `run now`.
 *
 * `permission` is what calling the same work directly needs (audit.prune: audit:admin): a
 * schedule is no way around it. It is checked for whoever creates, changes or runs a schedule,
 * and for the schedule's creator (their role now) at every run. `check` refuses params this
 * installation does not allow (a report's folder), at the same times.
 */

export interface TaskDef<P extends z.ZodType = z.ZodType> {
  /** Stable name stored in schedules: `<domain>.<what>` (`health.retention`). Renaming it orphans schedules. */
  kind: string;
  /** One sentence for pickers and `guardian job add --help`. */
  summary: string;
  params: P;
  /** The permission the task needs; a function when it depends on the params (a report: what it summarises). */
  permission: Permission | ((params: z.output<P>) => Permission);
  /** Throws an AppError for params this installation refuses (e.g. a folder outside the allowed ones). */
  check?(params: z.output<P>): Promise<void>;
  start(params: z.output<P>, createdBy: string): Promise<Job>;
}

/** The permission a task needs with these params. */
export function taskPermission(task: TaskDef, params: unknown): Permission {
  return typeof task.permission === 'function' ? task.permission(params) : task.permission;
}

/** Refuses a principal that may not run this task with these params (PERMISSION_DENIED). */
export function assertMayRun(task: TaskDef, params: unknown, principal: Pick<Principal, 'role' | 'permissions'>, who: string): void {
  const needed = taskPermission(task, params);
  if (principalAllows(principal, needed)) return;
  throw new AppError('PERMISSION_DENIED', `${who} may not run the task "${task.kind}": it needs the "${needed}" permission.`, {
    hint: 'A schedule is no way around a permission: ask someone whose role has it to schedule this.',
  });
}

/** For tasks that take no params. */
export const NO_PARAMS = z.strictObject({});

export class TaskRegistry {
  private readonly tasks = new Map<string, TaskDef>();

  registerTask<P extends z.ZodType>(def: TaskDef<P>): void {
    if (this.tasks.has(def.kind)) throw new Error(`The task "${def.kind}" is registered twice.`);
    this.tasks.set(def.kind, def as unknown as TaskDef);
  }

  has(kind: string): boolean {
    return this.tasks.has(kind);
  }

  /** The task of a kind; NOT_FOUND names the kinds there are. */
  get(kind: string): TaskDef {
    const task = this.tasks.get(kind);
    if (!task) {
      throw new AppError('NOT_FOUND', `There is no task "${kind}".`, {
        hint: `Tasks are: ${this.kinds().join(', ') || 'none'}. A schedule of a task that no longer exists can be changed to another task or removed.`,
      });
    }
    return task;
  }

  kinds(): string[] {
    return [...this.tasks.keys()].sort();
  }

  list(): TaskInfo[] {
    return this.kinds().map((kind) => {
      const task = this.get(kind);
      const params = z.toJSONSchema(task.params, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
      return { kind, summary: task.summary, params, permission: typeof task.permission === 'function' ? null : task.permission };
    });
  }
}
