import { useDialogStore } from '../state/dialog-store';
import { ServerIcon } from '../ui/icons';
import { EmptyState, NoMatchesState } from '../ui/PageParts';
import { useListFilters } from './list-filters-store';

/** Zero servers: either none exist yet (what to do first) or none match the filters. */
export function ServersEmpty({ filtered, mayAdd }: { filtered: boolean; mayAdd: boolean }) {
  const open = useDialogStore((state) => state.open);
  const clearFilters = useListFilters((state) => state.clearFilters);

  if (filtered) {
    return <NoMatchesState what="servers" testId="servers-empty" onClear={clearFilters} />;
  }
  return (
    <EmptyState title="No servers yet" testId="servers-empty" icon={<ServerIcon />}>
      {mayAdd ? (
        <>
          <p className="state__text">
            Add the machines you look after: web and API hosts, databases, game servers. You can also bring in a whole fleet at once with{' '}
            <strong>Import</strong> (JSON, CSV or your ~/.ssh/config).
          </p>
          <button type="button" className="button button--primary" onClick={() => open({ kind: 'server-create' })}>
            Add your first server
          </button>
        </>
      ) : (
        <p className="state__text">Servers appear here once an owner, admin or operator adds them.</p>
      )}
    </EmptyState>
  );
}
