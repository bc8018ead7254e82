import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationResult,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query';
import { methods, type AppError, type InputOf, type MethodName, type Methods, type OutputOf } from '../../../shared/api';
import { useClient } from './client-context';
import { domainOf, invalidateDomain, methodKey, type MethodQueryKey } from './query-keys';

type QueryExtras<N extends MethodName> = Omit<
  UseQueryOptions<OutputOf<Methods[N]>, AppError, OutputOf<Methods[N]>, MethodQueryKey<N>>,
  'queryKey' | 'queryFn'
>;

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
 * A change through the contract. On success every cached read of the same domain is refreshed
 * (the matching event does the same; this covers a missed or late event). Methods routed as
 * GET (exports) change nothing and refresh nothing.
 */
export function useMethodMutation<N extends MethodName>(
  name: N,
): UseMutationResult<OutputOf<Methods[N]>, AppError, InputOf<Methods[N]>> {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: InputOf<Methods[N]>) => client.call(name, input),
    onSuccess: () => {
      if (methods[name].http.method !== 'GET') void invalidateDomain(queryClient, domainOf(name));
    },
  });
}
