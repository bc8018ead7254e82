import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useClient } from '../api/client-context';
import { useMethodQuery } from '../api/hooks';
import { invalidateMethod } from '../api/query-keys';

/**
 * The vault locks itself after a while without use and sends no event when it does, so its
 * status is re-read now and then; reading it does not count as use.
 */
export const VAULT_STATUS_POLL_MS = 30_000;

export function useVaultStatus() {
  return useMethodQuery('vault.status', {}, { staleTime: 0, refetchInterval: VAULT_STATUS_POLL_MS });
}

/** A call refused because the vault is locked (or gone) refreshes the vault's status at once. */
export function useVaultRefusalWatch(): void {
  const client = useClient();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      client.onFailure((error) => {
        if (error.code === 'VAULT_LOCKED' || error.code === 'VAULT_NOT_INITIALIZED') void invalidateMethod(queryClient, 'vault.status');
      }),
    [client, queryClient],
  );
}
