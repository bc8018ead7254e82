import { AppError } from '../../../shared/api/errors';
import { who } from '../api/caller';
import type { Handlers } from '../api/router';
import type { OutputFolderPolicy } from './output-folders';
import type { ScheduleService } from './service';

export type ScheduleMethodName = Extract<keyof Handlers, `schedules.${string}`>;

/** The schedules methods: each one service call; validation, permission and audit are the router's. */
export function createScheduleHandlers(schedules: ScheduleService, outputFolders: OutputFolderPolicy): Pick<Handlers, ScheduleMethodName> {
  return {
    'schedules.list': () => ({ items: schedules.list() }),
    'schedules.create': (input, ctx) => schedules.create(input, who(ctx)),
    'schedules.update': (input, ctx) => schedules.update(input, who(ctx)),
    'schedules.delete': ({ id }) => schedules.delete(id),
    // Async on purpose: the router commits what an async handler wrote before it failed, so a
    // task that cannot start stays in the history as a failed run (a synchronous throw rolls back).
    'schedules.run': async ({ id }, ctx) => schedules.runNow(id, who(ctx)),
    'schedules.runs': ({ id, limit }) => ({ items: schedules.runs(id, limit) }),
    'schedules.tasks': () => ({ items: schedules.taskList() }),
    'schedules.outputFolders': () => outputFolders.list(),
    'schedules.setOutputFolders': ({ folders }, ctx) => {
      // Where the machine's files may be written is the owner's call, not an admin's.
      if (who(ctx).role !== 'owner') {
        throw new AppError('PERMISSION_DENIED', 'Only an owner may change the folders scheduled reports are written to.', { hint: 'Ask an owner to do this.' });
      }
      return outputFolders.set(folders);
    },
  };
}
