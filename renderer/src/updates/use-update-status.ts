import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { UpdatesStatus } from '@shared/api/updates';
import { useClient } from '../api/client-context';
import { useMethodQuery } from '../api/hooks';
import { methodKey } from '../api/query-keys';

const STATUS_KEY = methodKey('updates.status', {});

/** Whether and how this Guardian updates itself; kept live by {@link useUpdateEvents}. */
export function useUpdateStatus(): UpdatesStatus | undefined {
  return useMethodQuery('updates.status', {}, { staleTime: Infinity, retry: false }).data;
}

/**
 * Puts every `update.status` event in the cached `updates.status` (mount once, in the app frame;
 * `enabled` false while the session is locked, as the other event hooks).
 */
export function useUpdateEvents(enabled = true): void {
  const client = useClient();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!enabled) return undefined;
    return client.subscribe('update.status', (status) => queryClient.setQueryData(STATUS_KEY, status));
  }, [client, queryClient, enabled]);
}

/** After a call that answers the status, show it at once (the event may come later or not at all). */
export function useStoreUpdateStatus(): (status: UpdatesStatus) => void {
  const queryClient = useQueryClient();
  return (status) => queryClient.setQueryData(STATUS_KEY, status);
}
