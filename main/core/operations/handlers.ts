import type { Events, PayloadOf } from '@shared/api';
import { fromFirstWrite, type Handlers } from '../api/router';
import { actor, who } from '../api/caller';
import type { EventBus } from '../events/bus';
import type { RunbookService } from './runbooks';
import type { OperationsService } from './service';

type OperationMethods = Extract<keyof Handlers, `operations.${string}` | `runbooks.${string}`>;

export function createOperationHandlers(operations: OperationsService, runbooks: RunbookService, events: EventBus): Pick<Handlers, OperationMethods> {
  /** The kind of change and the ids, never a script (docs/architecture.md §3). */
  const announce = (payload: PayloadOf<Events['runbooks.changed']>) => events.emit('runbooks.changed', payload);
  return {
    'operations.run': (input, ctx) => operations.start(input, who(ctx), ctx.origin),
    'operations.push': (input, ctx) => operations.push(input, who(ctx), ctx.origin),
    'operations.runs': async ({ limit, ...filter }) => ({ items: await operations.runs(limit, filter) }),
    'operations.get': ({ id }) => operations.get(id),
    'operations.output': ({ id, serverId }) => operations.output(id, serverId),
    // Reads and signals only: the run's own writes take their turns.
    'operations.cancel': fromFirstWrite(({ id, serverId }) => operations.cancel(id, serverId)),
    'operations.rerun': (input, ctx) => operations.rerun(input, who(ctx), ctx.origin),
    'operations.searchOutput': ({ text, limit, ...filter }) => operations.searchOutput(text, filter, limit),
    'operations.settings': () => operations.settings(),
    'operations.updateSettings': async (input) => {
      const settings = await operations.updateSettings(input);
      events.emit('operations.settingsChanged', { change: 'updated', ids: [] });
      return settings;
    },
    'runbooks.list': async ({ archived }) => ({ items: await runbooks.list(archived) }),
    'runbooks.get': ({ id }) => runbooks.get(id),
    'runbooks.versions': async ({ id, limit }) => ({ items: await runbooks.versions(id, limit) }),
    'runbooks.create': async (input, ctx) => {
      const runbook = await runbooks.create(input, actor(ctx));
      announce({ change: 'created', ids: [runbook.id] });
      return runbook;
    },
    'runbooks.update': async ({ id, ...patch }, ctx) => {
      const runbook = await runbooks.update(id, patch, actor(ctx));
      announce({ change: 'updated', ids: [runbook.id] });
      return runbook;
    },
    'runbooks.delete': async ({ id }, ctx) => {
      const runbook = await runbooks.archive(id, actor(ctx));
      announce({ change: 'archived', ids: [runbook.id] });
      return runbook;
    },
    'runbooks.export': ({ id }) => runbooks.export(id),
    'runbooks.import': async ({ content }, ctx) => {
      const imported = await runbooks.import(content, actor(ctx));
      if (imported.outcome !== 'unchanged') announce({ change: imported.outcome === 'created' ? 'created' : 'updated', ids: [imported.runbook.id] });
      return imported;
    },
    'runbooks.run': (input, ctx) => operations.runRunbook(input, who(ctx), ctx.origin),
  };
}
