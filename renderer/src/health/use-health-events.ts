import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { InputOf, MethodName, Methods, OutputOf } from '@shared/api';
import type { ServerHealth } from '@shared/api/health';
import type { Incident } from '@shared/api/incidents';
import { useClient } from '../api/client-context';
import { keepPatch } from '../api/freshness';
import { invalidateDomain, invalidateMethod } from '../api/query-keys';
import {
  patchCheck,
  patchCheckList,
  patchIncidentDetail,
  patchIncidentList,
  patchOverviewIncident,
  patchOverviewStatus,
  patchServerHealthChecks,
  patchServerHealthIncident,
  patchServerHealthStatus,
  resultsByCheck,
  type IncidentEventKind,
} from './health-cache';

/** The cached reads a health event can change; everything else is left alone. */
export const HEALTH_DOMAINS = ['checks', 'health', 'incidents', 'maintenance', 'monitoring'] as const;

/** The server a cached per-server read is for (its input's `serverId`, or `id`). */
function inputServer(key: readonly unknown[], field: 'serverId' | 'id' = 'serverId'): string {
  const input = key[1];
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value : '';
}

/** Patches every cached answer of one method, each with its own input. */
function patchEach<N extends MethodName>(
  queryClient: QueryClient,
  name: N,
  patch: (data: OutputOf<Methods[N]> | undefined, input: InputOf<Methods[N]>) => OutputOf<Methods[N]> | undefined,
): void {
  for (const [key, data] of queryClient.getQueriesData<OutputOf<Methods[N]>>({ queryKey: [name] })) {
    const input = key[1] as InputOf<Methods[N]>;
    const next = patch(data, input);
    if (next !== data) queryClient.setQueryData(key, next);
    // A read in flight would answer with what the server knew before this event: read again.
    keepPatch(queryClient, key);
  }
}

function onIncident(queryClient: QueryClient, incident: Incident, kind: IncidentEventKind): void {
  patchEach(queryClient, 'health.overview', (data) => patchOverviewIncident(data, incident));
  patchEach(queryClient, 'health.server', (data) => patchServerHealthIncident(data, incident, kind));
  patchEach(queryClient, 'incidents.list', (data, input) => patchIncidentList(data, input, incident, kind));
  patchEach(queryClient, 'incidents.get', (data) => patchIncidentDetail(data, incident));
}

/**
 * Keeps the cached health reads in step with the engine (mount once, in the app frame):
 * - check.result (coalesced batches) → the checks' state and last result in 'checks.list',
 *   'checks.get' and 'health.server', patched in place; that server's latency series (and its
 *   uptime, while it has none) read again;
 * - server.status → the server's cell and the status counts in 'health.overview', and its
 *   'health.server';
 * - incident.opened / acknowledged / resolved → inserted or updated wherever incidents are listed;
 * - servers.changed → every health read is refetched (a server added, renamed or removed).
 * The fleet overview is never refetched for a result: with thousands of servers it stays put; only
 * a read that was in flight when an event came is read again once it answers (freshness.ts).
 */
export function useHealthEvents(enabled = true): void {
  const client = useClient();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!enabled) return undefined;
    const offs = [
      client.subscribe('check.result', (batch) => {
        const results = resultsByCheck(batch);
        if (results.size === 0) return;
        const servers = new Set([...results.values()].map((result) => result.serverId));
        patchEach(queryClient, 'checks.list', (data) => patchCheckList(data, results));
        patchEach(queryClient, 'checks.get', (data) => patchCheck(data, results));
        patchEach(queryClient, 'health.server', (data, input) => (servers.has(input.id) ? patchServerHealthChecks(data, results) : data));
        // A server page's chart and uptime count results: a new one is read again there, so the
        // page never shows "no results" beside the result it has just shown.
        void queryClient.invalidateQueries({ queryKey: ['health.series'], predicate: (query) => servers.has(inputServer(query.queryKey)) });
        void queryClient.invalidateQueries({
          queryKey: ['health.server'],
          predicate: (query) => servers.has(inputServer(query.queryKey, 'id')) && (query.state.data as ServerHealth | undefined)?.uptime.h24 === null,
        });
      }),
      client.subscribe('server.status', (change) => {
        patchEach(queryClient, 'health.overview', (data) => patchOverviewStatus(data, change));
        patchEach(queryClient, 'health.server', (data) => patchServerHealthStatus(data, change));
      }),
      client.subscribe('incident.opened', (incident) => onIncident(queryClient, incident, 'opened')),
      client.subscribe('incident.acknowledged', (incident) => onIncident(queryClient, incident, 'acknowledged')),
      client.subscribe('incident.resolved', (incident) => {
        onIncident(queryClient, incident, 'resolved');
        // The uptime figures and the chart now cover the whole incident.
        void invalidateMethod(queryClient, 'health.series');
      }),
      client.subscribe('servers.changed', () => {
        for (const domain of HEALTH_DOMAINS) void invalidateDomain(queryClient, domain);
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, queryClient, enabled]);
}
