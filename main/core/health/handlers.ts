import { AppError } from '../../../shared/api/errors';
import { principalAllows } from '../../../shared/permissions';
import type { Handlers } from '../api/router';
import { actor, who } from '../api/caller';
import { toCheck } from './registry';
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
  | 'monitoring.updateSettings';

export function createHealthHandlers(health: HealthService): Pick<Handlers, HealthMethods> {
  const { registry, monitoring, incidents, maintenance, queries, engine } = health;
  return {
    'checks.list': ({ serverId }) => {
      if (serverId) registry.server(serverId);
      return { items: registry.list(serverId) };
    },
    'checks.get': ({ id }) => toCheck(registry.get(id)),
    'checks.create': (input) => {
      health.assertSpecAllowed(input.spec, input.serverId);
      return toCheck(registry.create(input));
    },
    'checks.update': (input) => {
      if (input.spec) health.assertSpecAllowed(input.spec, registry.get(input.id).serverId);
      return toCheck(registry.update(input));
    },
    'checks.delete': ({ id }) => registry.delete(id),
    'checks.pause': (target) => ({ ids: registry.setPaused(target, true) }),
    'checks.resume': (target) => ({ ids: registry.setPaused(target, false) }),
    'checks.run': ({ id }) => engine.runNow(id),
    'checks.test': ({ spec, serverId, timeoutMs }, ctx) => {
      const principal = who(ctx);
      health.assertSpecAllowed(spec, serverId ?? null, principal);
      return engine.test(spec, timeoutMs, { usedBy: `check-test:${actor(ctx)}`, serverId: serverId ?? null, principal });
    },
    'health.overview': (filter) => queries.overview(filter),
    'health.server': ({ id }) => queries.server(id),
    'health.series': ({ serverId, range }) => queries.series(serverId, range),
    'incidents.list': (filter) => incidents.list(filter),
    'incidents.get': ({ id }) => {
      const incident = incidents.get(id);
      return { ...incident, results: incidents.resultsAround(incident) };
    },
    'incidents.acknowledge': ({ id, note }, ctx) => {
      const incident = incidents.acknowledge(id, who(ctx).name, note);
      health.announceAcknowledged(incident);
      return incident;
    },
    'maintenance.list': ({ serverId }) => ({ items: maintenance.list(serverId ? registry.server(serverId) : undefined) }),
    'maintenance.create': (input, ctx) => maintenance.create(input, actor(ctx)),
    'maintenance.update': (input) => maintenance.update(input),
    'maintenance.delete': ({ id }) => maintenance.delete(id),
    'monitoring.settings': () => monitoring.get(),
    'monitoring.updateSettings': (input, ctx) => {
      if (input.allowMetadataAddresses !== undefined && !principalAllows(who(ctx), 'system:admin')) {
        throw new AppError('PERMISSION_DENIED', 'Only an admin may let checks reach cloud metadata addresses.', {
          hint: 'It needs the "system:admin" permission: those addresses hand out this machine’s cloud credentials.',
        });
      }
      return monitoring.update(input);
    },
  };
}
