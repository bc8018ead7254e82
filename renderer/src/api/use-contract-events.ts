import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Job } from '../../../shared/api/jobs';
import { useClient } from './client-context';
import { refreshAfterStreamOpened } from './freshness';
import { newerJob } from './job-cache';
import { invalidateDomain, invalidateMethod, methodKey } from './query-keys';

/**
 * Keeps the query cache in step with what happens on the server, for the whole app: mount once.
 * - servers.changed → every 'servers.*' read is refetched;
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
    const offs = [
      client.subscribe('servers.changed', () => {
        void invalidateDomain(queryClient, 'servers');
      }),
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
