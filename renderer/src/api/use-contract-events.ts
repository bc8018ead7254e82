import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { EventName } from '@shared/api';
import type { Job } from '@shared/api/jobs';
import { useClient } from './client-context';
import { refreshAfterStreamOpened } from './freshness';
import { newerJob } from './job-cache';
import { invalidateDomain, invalidateMethod, methodKey } from './query-keys';

type ChangeEventName = Extract<EventName, `${string}.changed` | `${string}Changed`>;

/**
 * What each domain's change event makes stale: every cached read of these namespaces is read
 * again. The only refresh after a change, the caller's own included (hooks.ts). A change event
 * added to the contract and missing here fails to compile.
 */
export const CHANGE_EVENT_DOMAINS: { readonly [E in ChangeEventName]: readonly string[] } = {
  // A server added, renamed, retagged or deleted shows in the overview and takes its checks with it.
  'servers.changed': ['servers', 'health', 'checks'],
  // A check or a window changes the server's health page and the overview's counts too.
  'checks.changed': ['checks', 'health'],
  'maintenance.changed': ['maintenance', 'health'],
  'monitoring.changed': ['monitoring'],
  'schedules.changed': ['schedules'],
  // An account deleted or disabled takes its keys and sessions with it.
  'users.changed': ['users', 'apikeys', 'sessions'],
  'apikeys.changed': ['apikeys'],
  'security.changed': ['security'],
  'secrets.changed': ['secrets'],
  // Locked or unlocked, the vault's secrets read differently.
  'vault.changed': ['vault', 'secrets'],
  'audit.settingsChanged': ['audit'],
  'alerts.changed': ['alerts'],
  // A runbook created, changed or archived; its runs are operations' and have their own events.
  'runbooks.changed': ['runbooks'],
  'operations.settingsChanged': ['operations'],
};

/**
 * Keeps the query cache in step with what happens on the server, for the whole app: mount once.
 * - a change event (servers.changed, checks.changed, …) → every read of the namespaces it names
 *   in CHANGE_EVENT_DOMAINS is refetched;
 * - job.progress → the job's cached 'jobs.get' is patched in place and 'jobs.list' refetched;
 * - the event stream opened (the first time, or again after a drop) → whatever was read before
 *   it, or is being read, is read again (events emitted before it never arrived: freshness.ts).
 * The stream needs a signed-in session: pass `enabled` false while nobody is (or the session is
 * locked); the last unsubscribe closes it, and enabling again opens a fresh one.
 */
export function useContractEvents(enabled = true): void {
  const client = useClient();
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!enabled) return undefined;
    const changes = Object.entries(CHANGE_EVENT_DOMAINS) as [ChangeEventName, readonly string[]][];
    const offs = [
      ...changes.map(([name, domains]) =>
        client.subscribe(name, () => {
          for (const domain of domains) void invalidateDomain(queryClient, domain);
        }),
      ),
      client.subscribe('job.progress', (job) => {
        queryClient.setQueryData<Job>(methodKey('jobs.get', { id: job.id }), (current) => newerJob(current, job));
        void invalidateMethod(queryClient, 'jobs.list');
      }),
      client.onReconnect(() => {
        void refreshAfterStreamOpened(queryClient, Date.now());
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, queryClient, enabled]);
}
