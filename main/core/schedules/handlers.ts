import { actor } from '../api/caller';
import type { Handlers } from '../api/router';
import type { ScheduleService } from './service';

export type ScheduleMethodName = Extract<keyof Handlers, `schedules.${string}`>;

/** The schedules methods: each one service call; validation, permission and audit are the router's. */
export function createScheduleHandlers(schedules: ScheduleService): Pick<Handlers, ScheduleMethodName> {
  return {
    'schedules.list': () => ({ items: schedules.list() }),
    'schedules.create': (input, ctx) => schedules.create(input, actor(ctx)),
    'schedules.update': (input) => schedules.update(input),
    'schedules.delete': ({ id }) => schedules.delete(id),
    // Async on purpose: the router commits what an async handler wrote before it failed, so a
    // task that cannot start stays in the history as a failed run (a synchronous throw rolls back).
    'schedules.run': async ({ id }, ctx) => schedules.runNow(id, actor(ctx)),
    'schedules.runs': ({ id, limit }) => ({ items: schedules.runs(id, limit) }),
    'schedules.tasks': () => ({ items: schedules.taskList() }),
  };
}
