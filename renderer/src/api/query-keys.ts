import type { Query, QueryClient } from '@tanstack/react-query';
import type { InputOf, MethodName, Methods } from '@shared/api';

/** Every cached answer is keyed by the contract method that produced it and its input. */
export type MethodQueryKey<N extends MethodName> = readonly [N, InputOf<Methods[N]>];

export function methodKey<N extends MethodName>(name: N, input: InputOf<Methods[N]>): MethodQueryKey<N> {
  return [name, input];
}

/** The domain of a method name: 'servers.list' → 'servers'. */
export function domainOf(name: string): string {
  const dot = name.indexOf('.');
  return dot === -1 ? name : name.slice(0, dot);
}

const inDomain = (domain: string) => (query: Query) => {
  const [name] = query.queryKey;
  return typeof name === 'string' && domainOf(name) === domain;
};

/** Refetches every cached answer of a domain, e.g. all 'servers.*' queries. */
export function invalidateDomain(queryClient: QueryClient, domain: string): Promise<void> {
  return queryClient.invalidateQueries({ predicate: inDomain(domain) });
}

/** Refetches every cached answer of one method, whatever its input. */
export function invalidateMethod(queryClient: QueryClient, name: MethodName): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: [name] });
}
