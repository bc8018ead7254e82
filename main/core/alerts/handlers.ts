import type { Events, PayloadOf } from '@shared/api';
import { fromFirstWrite, type Handlers } from '../api/router';
import { actor, who } from '../api/caller';
import type { EventBus } from '../events/bus';
import type { Alerts } from './index';

type AlertMethods =
  | 'alerts.channels'
  | 'alerts.createChannel'
  | 'alerts.updateChannel'
  | 'alerts.deleteChannel'
  | 'alerts.testChannel'
  | 'alerts.rules'
  | 'alerts.previewMatch'
  | 'alerts.createRule'
  | 'alerts.updateRule'
  | 'alerts.deleteRule'
  | 'alerts.deliveries'
  | 'alerts.silences'
  | 'alerts.addSilence'
  | 'alerts.expireSilence'
  | 'alerts.settings'
  | 'alerts.updateSettings';

export function createAlertHandlers(alerts: Alerts, events: EventBus): Pick<Handlers, AlertMethods> {
  /** The kind of change and the ids, never a channel's config or secret (docs/architecture.md §3). */
  const announce = (payload: PayloadOf<Events['alerts.changed']>) => events.emit('alerts.changed', payload);
  const { service } = alerts;
  return {
    'alerts.channels': async () => ({ items: await service.channels() }),
    'alerts.createChannel': async (input, ctx) => {
      const channel = await service.createChannel(input, actor(ctx), who(ctx));
      announce({ change: 'created', ids: [channel.id] });
      return channel;
    },
    'alerts.updateChannel': async (input, ctx) => {
      const channel = await service.updateChannel(input, actor(ctx), who(ctx));
      announce({ change: 'updated', ids: [channel.id] });
      return channel;
    },
    'alerts.deleteChannel': async ({ id }) => {
      const deleted = await service.deleteChannel(id);
      announce({ change: 'deleted', ids: [id] });
      return deleted;
    },
    // A test waits on the receiver and writes nothing but when the secret was last used.
    'alerts.testChannel': fromFirstWrite(({ id }, ctx) => alerts.sendTest(id, actor(ctx), who(ctx))),
    'alerts.rules': async () => ({ items: await service.rulesList() }),
    'alerts.previewMatch': ({ match }) => service.preview(match),
    'alerts.createRule': async (input, ctx) => {
      const rule = await service.createRule(input, actor(ctx));
      announce({ change: 'created', ids: [rule.id] });
      return rule;
    },
    'alerts.updateRule': async (input) => {
      const rule = await service.updateRule(input);
      announce({ change: 'updated', ids: [rule.id] });
      return rule;
    },
    'alerts.deleteRule': async ({ id }) => {
      const deleted = await service.deleteRule(id);
      announce({ change: 'deleted', ids: [id] });
      return deleted;
    },
    'alerts.deliveries': (filter) => service.deliveries(filter),
    'alerts.silences': async (filter) => ({ items: await service.silences(filter) }),
    'alerts.addSilence': async (input, ctx) => {
      const silence = await service.addSilence(input, actor(ctx));
      announce({ change: 'created', ids: [silence.id] });
      return silence;
    },
    'alerts.expireSilence': async ({ id, reason }, ctx) => {
      const silence = await service.expireSilence(id, actor(ctx), reason);
      announce({ change: 'updated', ids: [silence.id] });
      return silence;
    },
    'alerts.settings': () => service.settings(),
    'alerts.updateSettings': async (input) => {
      const settings = await service.updateSettings(input);
      announce({ change: 'settings', ids: [] });
      return settings;
    },
  };
}
