import { useMutation, useQuery, useQueryClient, type UseMutationResult, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import type { AppError, InputOf, MethodName, Methods, OutputOf } from '@shared/api';
import { useClient } from './client-context';
import { domainOf, invalidateDomain, methodKey, type MethodQueryKey } from './query-keys';

type QueryExtras<N extends MethodName> = Omit<UseQueryOptions<OutputOf<Methods[N]>, AppError, OutputOf<Methods[N]>, MethodQueryKey<N>>, 'queryKey' | 'queryFn'>;

/** A read through the contract, cached under `[name, input]`. */
export function useMethodQuery<N extends MethodName>(
  name: N,
  input: InputOf<Methods[N]>,
  options: QueryExtras<N> = {},
): UseQueryResult<OutputOf<Methods[N]>, AppError> {
  const client = useClient();
  return useQuery({
    ...options,
    queryKey: methodKey(name, input),
    queryFn: ({ signal }) => client.call(name, input, { signal }),
  });
}

/**
 * Namespaces whose changes concern the caller's own session alone (signing in and out, one's own
 * password and two-step sign-in, sessions, onboarding): no event announces them (sign-in comes
 * before any event stream, and an event goes to everyone holding a permission, not to one
 * session), so their reads are refreshed when the call succeeds.
 */
const SESSION_DOMAINS: ReadonlySet<string> = new Set(['auth', 'sessions', 'onboarding']);

/**
 * A change through the contract. What it changed is refreshed by its domain's change event
 * (use-contract-events.ts), which comes back to this window over the same stream as to every
 * other: one source, so nothing is read twice. A missed event is made up for when the stream
 * opens again (freshness.ts). Only the session's own namespaces refresh on success.
 */
export function useMethodMutation<N extends MethodName>(name: N): UseMutationResult<OutputOf<Methods[N]>, AppError, InputOf<Methods[N]>> {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: InputOf<Methods[N]>) => client.call(name, input),
    onSuccess: () => {
      const domain = domainOf(name);
      if (SESSION_DOMAINS.has(domain)) void invalidateDomain(queryClient, domain);
    },
  });
}
