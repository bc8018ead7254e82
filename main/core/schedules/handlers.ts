import { AppError } from '@shared/api/errors';
import type { Events, PayloadOf } from '@shared/api';
import { who } from '../api/caller';
import type { Handlers } from '../api/router';
import type { EventBus } from '../events/bus';
import type { OutputFolderPolicy } from './output-folders';
import type { ScheduleService } from './service';

export type ScheduleMethodName = Extract<keyof Handlers, `schedules.${string}`>;

/** The schedules methods: each one service call; validation, permission and audit are the router's. */
export function createScheduleHandlers(schedules: ScheduleService, outputFolders: OutputFolderPolicy, events: EventBus): Pick<Handlers, ScheduleMethodName> {
  /** Announces a change to schedules: its kind and the ids, never the parameters (docs/architecture.md §3). */
  const changed = <T>(change: PayloadOf<Events['schedules.changed']>['change'], ids: string[], value: T): T => {
    events.emit('schedules.changed', { change, ids });
    return value;
  };
  return {
    'schedules.list': async () => ({ items: await schedules.list() }),
    'schedules.create': async (input, ctx) => {
      const schedule = await schedules.create(input, who(ctx));
      return changed('created', [schedule.id], schedule);
    },
    'schedules.update': async (input, ctx) => changed('updated', [input.id], await schedules.update(input, who(ctx))),
    'schedules.delete': async ({ id }) => changed('deleted', [id], await schedules.delete(id)),
    // A task that cannot start stays in the history as a failed run: the service writes it once
    // this call's transaction has rolled back, outside it. It is announced too: it is in the schedule's history.
    'schedules.run': async ({ id }, ctx) => {
      try {
        return changed('ran', [id], await schedules.runNow(id, who(ctx)));
      } catch (cause) {
        if (!(cause instanceof AppError && cause.code === 'NOT_FOUND')) changed('ran', [id], null);
        throw cause;
      }
    },
    'schedules.runs': async ({ id, limit }) => ({ items: await schedules.runs(id, limit) }),
    'schedules.tasks': () => ({ items: schedules.taskList() }),
    'schedules.outputFolders': () => outputFolders.list(),
    'schedules.setOutputFolders': async ({ folders }, ctx) => {
      // Where the machine's files may be written is the owner's call, not an admin's.
      if (who(ctx).role !== 'owner') {
        throw new AppError('PERMISSION_DENIED', 'Only an owner may change the folders scheduled reports are written to.', { hint: 'Ask an owner to do this.' });
      }
      return changed('outputFolders', [], await outputFolders.set(folders));
    },
  };
}
