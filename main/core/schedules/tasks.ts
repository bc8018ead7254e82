import { z } from 'zod';
import { AppError } from '../../../shared/api/errors';
import type { Job } from '../../../shared/api/jobs';
import type { TaskInfo } from '../../../shared/api/schedules';

/**
 * What a schedule can run. Each domain registers its own tasks once, in `createCore`
 * (main/core/app.ts), after its service exists; one line per kind:
 *
 *   tasks.registerTask({ kind: 'audit.verify', summary: 'Walk the audit chain and name the first broken link.',
 *     params: NO_PARAMS, start: (_params, createdBy) => audit.startVerify(createdBy) });
 *
 * `params` is a zod schema: it checks a schedule's params when the schedule is created or changed,
 * and again (with its defaults) before each run. `start` starts the work as a job
 * (`jobs.start(...)`) and returns it at once; it may throw an AppError when the task cannot
 * start, which the run records as failed with that code. `createdBy` is who the job is for:
 * `schedule:<name>` at a due time, the caller (`user:<id>`) for `run now`.
 */

export interface TaskDef<P extends z.ZodType = z.ZodType> {
  /** Stable name stored in schedules: `<domain>.<what>` (`health.retention`). Renaming it orphans schedules. */
  kind: string;
  /** One sentence for pickers and `guardian job add --help`. */
  summary: string;
  params: P;
  start(params: z.output<P>, createdBy: string): Job;
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
      return { kind, summary: task.summary, params };
    });
  }
}
