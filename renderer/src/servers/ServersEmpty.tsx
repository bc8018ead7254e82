import { useDialogStore } from '../state/dialog-store';
import { ServerIcon } from '../ui/icons';
import { useListFilters } from './list-filters-store';

/** Zero servers: either none exist yet (what to do first) or none match the filters. */
export function ServersEmpty({ filtered, mayAdd }: { filtered: boolean; mayAdd: boolean }) {
  const open = useDialogStore((state) => state.open);
  const clearFilters = useListFilters((state) => state.clearFilters);

  if (filtered) {
    return (
      <div className="state" data-testid="servers-empty">
        <h2 className="state__title">No servers match</h2>
        <p className="state__text">Nothing matches this search and these filters.</p>
        <button type="button" className="button" onClick={clearFilters}>
          Clear search and filters
        </button>
      </div>
    );
  }
  return (
    <div className="state" data-testid="servers-empty">
      <div className="state__icon">
        <ServerIcon />
      </div>
      <h2 className="state__title">No servers yet</h2>
      {mayAdd ? (
        <>
          <p className="state__text">
            Add the machines you look after: web and API hosts, databases, game servers. You can also bring in a whole
            fleet at once with <strong>Import</strong> (JSON, CSV or your ~/.ssh/config).
          </p>
          <button type="button" className="button button--primary" onClick={() => open({ kind: 'server-create' })}>
            Add your first server
          </button>
        </>
      ) : (
        <p className="state__text">Servers appear here once an owner, admin or operator adds them.</p>
      )}
    </div>
  );
}
