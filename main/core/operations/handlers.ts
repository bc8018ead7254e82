import { fromFirstWrite, type Handlers } from '../api/router';
import { who } from '../api/caller';
import type { OperationsService } from './service';

type OperationMethods = 'operations.run' | 'operations.runs' | 'operations.get' | 'operations.output' | 'operations.cancel';

export function createOperationHandlers(operations: OperationsService): Pick<Handlers, OperationMethods> {
  return {
    'operations.run': (input, ctx) => operations.start(input, who(ctx), ctx.origin),
    'operations.runs': async ({ limit }) => ({ items: await operations.runs(limit) }),
    'operations.get': ({ id }) => operations.get(id),
    'operations.output': ({ id, serverId }) => operations.output(id, serverId),
    // Reads and signals only: the run's own writes take their turns.
    'operations.cancel': fromFirstWrite(({ id, serverId }) => operations.cancel(id, serverId)),
  };
}
