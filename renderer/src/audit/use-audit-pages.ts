import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import type { AppError, Methods, OutputOf } from '@shared/api';
import type { AuditFilter } from '@shared/api/audit';
import { useClient } from '../api/client-context';
import { methodKey, type MethodQueryKey } from '../api/query-keys';

type Page = OutputOf<Methods['audit.list']>;

/** Events per page: the contract's default, which the server pages by sequence number. */
export const AUDIT_PAGE_SIZE = 100;

/**
 * The filtered events, newest first, a page at a time: each next page starts `before` the last
 * sequence number of the previous one. Cached under 'audit.list', so audit changes refresh it.
 */
export function useAuditPages(filter: AuditFilter) {
  const client = useClient();
  const input = { ...filter, limit: AUDIT_PAGE_SIZE };
  return useInfiniteQuery<Page, AppError, InfiniteData<Page, number | null>, MethodQueryKey<'audit.list'>, number | null>({
    queryKey: methodKey('audit.list', input),
    queryFn: ({ pageParam, signal }) => client.call('audit.list', pageParam === null ? input : { ...input, before: pageParam }, { signal }),
    initialPageParam: null,
    getNextPageParam: (page) => page.nextBefore,
  });
}
