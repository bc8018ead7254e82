import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import type { AppError, OutputOf, Methods } from '@shared/api';
import { rowsOf } from '@shared/api/health';
import { malformedOutput } from '../api/app-errors';
import { useClient } from '../api/client-context';
import { methodKey } from '../api/query-keys';

type Overview = OutputOf<Methods['health.overview']>;

/** The overview with its grid turned back into rows, so the cache (and the patches events make to it) holds rows. */
export function withRows(overview: Overview): Overview {
  if (!overview.grid) return overview;
  const servers = rowsOf(overview.grid);
  if (!servers) throw malformedOutput('health.overview');
  return { ...overview, servers, grid: null };
}

/**
 * The fleet overview, read in its compact form (the servers in columns: a third less on the wire at
 * 10,000 servers) and kept as rows under the method's own key, so use-health-events.ts patches it
 * like any other read of health.overview. `refetchMs`: how often the slow figures are read again.
 */
export function useFleetOverview(filter: { environment?: string; tags?: string[] }, refetchMs?: number): UseQueryResult<Overview, AppError> {
  const client = useClient();
  const input = { ...filter, form: 'columns' as const };
  return useQuery({
    queryKey: methodKey('health.overview', input),
    queryFn: async ({ signal }) => withRows(await client.call('health.overview', input, { signal })),
    placeholderData: keepPreviousData,
    ...(refetchMs === undefined ? {} : { refetchInterval: refetchMs }),
  });
}
