import { keepPreviousData } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Server } from '@shared/api/servers';
import { serverHealthHref } from '../app/routes';
import { useHealthDialogs } from '../health/health-dialog-store';
import { useFleetOverview } from '../health/use-fleet-overview';
import { useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { runOnServers } from '../operations/operations-store';
import { TerminalIcon } from '../operations/icons';
import { useDialogStore } from '../state/dialog-store';
import { ErrorState } from '../ui/ErrorState';
import { formatCount, plural } from '../ui/format';
import { PlusIcon, UploadIcon } from '../ui/icons';
import { useDebouncedValue } from '../ui/use-debounced-value';
import { ExportMenu } from './ExportMenu';
import { filterInput, LIST_LIMIT, listInput, useListFilters } from './list-filters-store';
import { LoadingState, PageHeader } from '../ui/PageParts';
import { ServerFilters } from './ServerFilters';
import { ServersEmpty } from './ServersEmpty';
import { ServerTable, type ServerStatusInfo } from './ServerTable';

export const SEARCH_DEBOUNCE_MS = 200;

function useFleetSize(): number | undefined {
  const facets = useMethodQuery('servers.facets', {});
  // Every server has exactly one environment, so the environment counts add up to the fleet.
  return facets.data?.environments.reduce((sum, env) => sum + env.count, 0);
}

/**
 * Each server's status, from the same read as the overview (health.overview, patched in place by
 * the engine's server.status events and read again when servers change: use-health-events.ts).
 */
function useServerStatuses(): ReadonlyMap<string, ServerStatusInfo> | undefined {
  const overview = useFleetOverview({});
  return useMemo(
    () => (overview.data ? new Map(overview.data.servers.map((server) => [server.id, { status: server.status, checks: server.checks }])) : undefined),
    [overview.data],
  );
}

/** The check editor for a server, over its health page, where the new check will show. */
function useAddCheck(): (server: Server) => void {
  const openHealthDialog = useHealthDialogs((state) => state.open);
  return (server) => {
    window.location.hash = serverHealthHref(server.id);
    openHealthDialog({ kind: 'check-create', server });
  };
}

/** The home page: every server, searchable, filterable, sortable; add, edit, delete, import, export. */
export function ServersPage() {
  const { search, environment, tags, sort, order, sortBy } = useListFilters();
  const open = useDialogStore((state) => state.open);
  const can = useCan();
  const mayChange = can('servers:write');
  const debouncedSearch = useDebouncedValue(search, SEARCH_DEBOUNCE_MS);
  const filters = filterInput(debouncedSearch, environment, tags);
  const filtered = Object.keys(filters).length > 0;
  const list = useMethodQuery('servers.list', listInput(filters, sort, order), { placeholderData: keepPreviousData });
  const fleetSize = useFleetSize();
  const statuses = useServerStatuses();
  const addCheck = useAddCheck();
  const total = list.data?.total;

  return (
    <div className="page">
      <PageHeader
        title="Servers"
        actions={
          <>
            {mayChange ? (
              <button type="button" className="button" onClick={() => open({ kind: 'server-import' })}>
                <UploadIcon />
                Import
              </button>
            ) : null}
            <ExportMenu filters={filters} filtered={filtered} disabled={total === 0} />
            {can('operations:run') && list.data && list.data.items.length > 0 ? (
              <button
                type="button"
                className="button"
                title="Run a command on the servers listed (the search and filters narrow them)"
                onClick={() => runOnServers(list.data.items.map((server) => server.id))}
                data-testid="run-on-these"
              >
                <TerminalIcon />
                Run on these
              </button>
            ) : null}
            {mayChange ? (
              <button type="button" className="button button--primary" onClick={() => open({ kind: 'server-create' })}>
                <PlusIcon />
                Add server
              </button>
            ) : null}
          </>
        }
      >
        {total !== undefined ? (
          <span className="page__count" data-testid="server-count" aria-live="polite">
            {plural(total, 'server', 'servers')}
            {filtered && fleetSize !== undefined ? <span className="muted"> of {formatCount(fleetSize)}</span> : null}
          </span>
        ) : null}
        {list.isFetching && list.data ? <span className="spinner" role="status" aria-label="Refreshing" /> : null}
      </PageHeader>
      <ServerFilters />
      {total !== undefined && total > LIST_LIMIT ? (
        <p className="banner banner--info">
          Showing the first {formatCount(LIST_LIMIT)} of {formatCount(total)} servers. Narrow the search to see the others.
        </p>
      ) : null}
      <div className="page__content">
        {list.isPending ? (
          <LoadingState>Loading servers…</LoadingState>
        ) : list.isError && !list.data ? (
          <ErrorState error={list.error} what="the servers" onRetry={() => void list.refetch()} />
        ) : list.data && list.data.items.length === 0 ? (
          <ServersEmpty filtered={filtered} mayAdd={mayChange} />
        ) : list.data ? (
          <ServerTable
            servers={list.data.items}
            statuses={statuses}
            sort={sort}
            order={order}
            onSort={sortBy}
            onEdit={mayChange ? (server) => open({ kind: 'server-edit', server }) : undefined}
            onDelete={mayChange ? (server) => open({ kind: 'server-delete', server }) : undefined}
            onAddCheck={mayChange ? addCheck : undefined}
          />
        ) : null}
      </div>
    </div>
  );
}
