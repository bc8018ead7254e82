import { AppError } from '@shared/api/errors';
import type { Events, PayloadOf } from '@shared/api';
import { principalAllows } from '@shared/permissions';
import { fromFirstWrite, type Handlers } from '../api/router';
import { actor, who } from '../api/caller';
import { toCheck } from './registry';
import type { EventBus } from '../events/bus';
import type { HealthService } from './service';

type HealthMethods =
  | 'checks.list'
  | 'checks.get'
  | 'checks.create'
  | 'checks.update'
  | 'checks.delete'
  | 'checks.pause'
  | 'checks.resume'
  | 'checks.run'
  | 'checks.test'
  | 'health.overview'
  | 'health.server'
  | 'health.series'
  | 'incidents.list'
  | 'incidents.get'
  | 'incidents.acknowledge'
  | 'maintenance.list'
  | 'maintenance.create'
  | 'maintenance.update'
  | 'maintenance.delete'
  | 'monitoring.settings'
  | 'monitoring.updateSettings'
  | 'monitoring.serverLimits'
  | 'monitoring.setServerLimit';

export function createHealthHandlers(health: HealthService, events: EventBus): Pick<Handlers, HealthMethods> {
  /** Tells every window and stream what changed: the kind of change and ids, never the data (docs/architecture.md §3). */
  const announce = <N extends 'checks.changed' | 'maintenance.changed' | 'monitoring.changed'>(name: N, payload: PayloadOf<Events[N]>) =>
    events.emit(name, payload);
  const { registry, monitoring, limits, incidents, maintenance, queries, engine } = health;
  return {
    'checks.list': ({ serverId }) => {
      if (serverId) registry.server(serverId);
      return { items: registry.list(serverId) };
    },
    'checks.get': ({ id }) => toCheck(registry.get(id)),
    'checks.create': async (input) => {
      await health.assertSpecAllowed(input.spec, input.serverId);
      const check = toCheck(await registry.create(input));
      announce('checks.changed', { change: 'created', ids: [check.id] });
      return check;
    },
    'checks.update': async (input) => {
      if (input.spec) await health.assertSpecAllowed(input.spec, registry.get(input.id).serverId);
      const check = toCheck(await registry.update(input));
      announce('checks.changed', { change: 'updated', ids: [check.id] });
      return check;
    },
    'checks.delete': async ({ id }) => {
      const deleted = await registry.delete(id);
      announce('checks.changed', { change: 'deleted', ids: [deleted.id] });
      return deleted;
    },
    'checks.pause': async (target) => {
      const ids = await registry.setPaused(target, true);
      if (ids.length > 0) announce('checks.changed', { change: 'paused', ids });
      return { ids };
    },
    'checks.resume': async (target) => {
      const ids = await registry.setPaused(target, false);
      if (ids.length > 0) announce('checks.changed', { change: 'resumed', ids });
      return { ids };
    },
    // The check runs (and its result is written) in the engine's own turns; the call only waits for it.
    'checks.run': fromFirstWrite(({ id }) => engine.runNow(id)),
    // A test waits on the network and writes nothing but when a credential was last used.
    'checks.test': fromFirstWrite(async ({ spec, serverId, timeoutMs }, ctx) => {
      const principal = who(ctx);
      await health.assertSpecAllowed(spec, serverId ?? null, principal);
      return engine.test(spec, timeoutMs, { usedBy: `check-test:${actor(ctx)}`, serverId: serverId ?? null, principal });
    }),
    'health.overview': (filter) => queries.overview(filter),
    'health.server': ({ id }) => queries.server(id),
    'health.series': ({ serverId, range }) => queries.series(serverId, range),
    'incidents.list': (filter) => incidents.list(filter),
    'incidents.get': async ({ id }) => {
      const incident = await incidents.get(id);
      return { ...incident, results: await incidents.resultsAround(incident) };
    },
    'incidents.acknowledge': async ({ id, note }, ctx) => {
      const incident = await incidents.acknowledge(id, who(ctx).name, note);
      await health.notifyAcknowledged(incident);
      health.announceAcknowledged(incident);
      return incident;
    },
    'maintenance.list': ({ serverId }) => ({ items: maintenance.list(serverId ? registry.server(serverId) : undefined) }),
    'maintenance.create': async (input, ctx) => {
      const window = await maintenance.create(input, actor(ctx));
      announce('maintenance.changed', { change: 'created', ids: [window.id] });
      return window;
    },
    'maintenance.update': async (input) => {
      const window = await maintenance.update(input);
      announce('maintenance.changed', { change: 'updated', ids: [window.id] });
      return window;
    },
    'maintenance.delete': async ({ id }) => {
      const deleted = await maintenance.delete(id);
      announce('maintenance.changed', { change: 'deleted', ids: [deleted.id] });
      return deleted;
    },
    'monitoring.settings': () => monitoring.get(),
    'monitoring.updateSettings': async (input, ctx) => {
      if (input.allowMetadataAddresses !== undefined && !principalAllows(who(ctx), 'system:admin')) {
        throw new AppError('PERMISSION_DENIED', 'Only an admin may let checks reach cloud metadata addresses.', {
          hint: 'It needs the "system:admin" permission: those addresses hand out this machine’s cloud credentials.',
        });
      }
      const settings = await monitoring.update(input);
      announce('monitoring.changed', { change: 'updated', ids: [] });
      return settings;
    },
    'monitoring.serverLimits': async () => {
      const servers = registry.servers();
      const items = (await limits.list()).flatMap(({ serverId, maxChecks, updatedAt }) => {
        const server = servers.get(serverId);
        return server ? [{ serverId, serverName: server.name, host: server.host, maxChecks, updatedAt }] : [];
      });
      return { items: items.sort((a, b) => a.serverName.localeCompare(b.serverName)) };
    },
    'monitoring.setServerLimit': async ({ serverId, maxChecks }) => {
      registry.server(serverId); // NOT_FOUND for a server that does not exist
      await limits.set(serverId, maxChecks);
      announce('monitoring.changed', { change: 'updated', ids: [serverId] });
      return { serverId, maxChecks, effective: maxChecks ?? monitoring.get().maxChecksPerHost };
    },
  };
}
