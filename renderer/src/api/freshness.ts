import type { Query, QueryClient, QueryKey } from '@tanstack/react-query';

/**
 * Keeping cached reads from losing an event (docs/architecture.md §3: the renderer patches its
 * cache from events). Two ways an update can be lost:
 * - a read in flight when an event is patched in answers with what the server knew before the
 *   event and overwrites the patch: such a read is read again once it has answered;
 * - an event emitted before the event stream opened (the first time, or again after a drop)
 *   never arrives: whatever was read before the stream opened, or is still being read, is read
 *   again.
 */

const isFetching = (query: Query) => query.state.fetchStatus === 'fetching';

/** The queries already waiting for their read in flight to answer. */
const waiting = new WeakSet<Query>();

/** Reads the query again once its read in flight has answered (at most one wait per query). */
export function refetchAfterFetch(queryClient: QueryClient, query: Query): void {
  if (waiting.has(query)) return;
  waiting.add(query);
  const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
    if (event.query !== query || (event.type !== 'removed' && isFetching(query))) return;
    unsubscribe();
    waiting.delete(query);
    if (event.type === 'removed') return;
    // After the cache has finished telling everyone about the answer just stored.
    queueMicrotask(() => void queryClient.invalidateQueries({ queryKey: query.queryKey, exact: true }));
  });
}

/**
 * After an event patched the cached answer under `queryKey`: if that answer is still being read,
 * read it again once it arrives, so the event is not overwritten by an older view.
 */
export function keepPatch(queryClient: QueryClient, queryKey: QueryKey): void {
  const query = queryClient.getQueryCache().find({ queryKey, exact: true });
  if (query && isFetching(query)) refetchAfterFetch(queryClient, query);
}

/**
 * The event stream has just opened: every answer read before `openedAt` is refreshed (the ones
 * on screen at once), and every read in flight is restarted, since it may have been answered
 * before the stream could carry what changed since.
 */
export function refreshAfterStreamOpened(queryClient: QueryClient, openedAt: number): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (query) => isFetching(query) || (query.state.dataUpdatedAt > 0 && query.state.dataUpdatedAt < openedAt),
  });
}
