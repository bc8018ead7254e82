import type { Handlers } from '../api/router';
import { actor } from '../api/caller';
import type { EventBus } from '../events/bus';
import type { AuditService } from './service';

type AuditMethods = 'audit.list' | 'audit.get' | 'audit.verify' | 'audit.export' | 'audit.settings' | 'audit.updateSettings' | 'audit.prune';

export function createAuditHandlers(audit: AuditService, events: EventBus): Pick<Handlers, AuditMethods> {
  return {
    'audit.list': (input) => audit.list(input),
    'audit.get': ({ seq }) => audit.get(seq),
    'audit.verify': ({ expectHead }, ctx) => audit.startVerify(actor(ctx), expectHead),
    'audit.export': ({ format, ...filter }, ctx) => audit.startExport(actor(ctx), filter, format),
    'audit.settings': async () => ({ ...(await audit.settings()), checkpoints: await audit.checkpoints() }),
    'audit.updateSettings': async (input) => {
      const settings = await audit.updateSettings(input);
      events.emit('audit.settingsChanged', { change: 'updated', ids: [] });
      return settings;
    },
    'audit.prune': (_input, ctx) => audit.startPrune(actor(ctx)),
  };
}
