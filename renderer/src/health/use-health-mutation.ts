import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import type { AppError, InputOf, MethodName, Methods, OutputOf } from '../../../shared/api';
import { useClient } from '../api/client-context';
import { invalidateDomain } from '../api/query-keys';
import { HEALTH_DOMAINS } from './use-health-events';

/** What a change to checks, incidents or maintenance may alter: every health read. */
export function invalidateHealth(queryClient: ReturnType<typeof useQueryClient>): Promise<void[]> {
  return Promise.all(HEALTH_DOMAINS.map((domain) => invalidateDomain(queryClient, domain)));
}

/**
 * A health change through the contract. Unlike useMethodMutation, which refreshes only its own
 * domain, this refreshes every health read on success: a new check changes the server's
 * health, the overview's counts and the chart at once. Test runs (checks.test) change nothing.
 */
export function useHealthMutation<N extends MethodName>(name: N): UseMutationResult<OutputOf<Methods[N]>, AppError, InputOf<Methods[N]>> {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: InputOf<Methods[N]>) => client.call(name, input),
    onSuccess: () => {
      if (name !== 'checks.test') void invalidateHealth(queryClient);
    },
  });
}
