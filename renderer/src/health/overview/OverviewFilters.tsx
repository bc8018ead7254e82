import { useMethodQuery } from '../../api/hooks';
import { formatCount } from '../../ui/format';
import { useOverviewFilters, type GridSort } from './overview-filters-store';

/** Environment and tags (the options servers.facets lists), and how the grid is ordered. */
export function OverviewFilters() {
  const facets = useMethodQuery('servers.facets', {});
  const { environment, tags, statuses, sort, setEnvironment, toggleTag, setSort, clear } = useOverviewFilters();
  // A server without an environment ('') is in no environment to choose.
  const environments = (facets.data?.environments ?? []).filter((env) => env.value !== '');
  const tagOptions = [...(facets.data?.tags ?? [])].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)).slice(0, 40);
  const filtered = environment !== null || tags.length > 0 || statuses.length > 0;

  return (
    <div className="filters">
      <div className="filters__row">
        <select
          className="input select filters__env"
          aria-label="Environment"
          value={environment ?? ''}
          onChange={(event) => setEnvironment(event.target.value === '' ? null : event.target.value)}
          data-testid="overview-environment"
        >
          <option value="">All environments</option>
          {environments.map((env) => (
            <option key={env.value} value={env.value}>
              {env.value} ({formatCount(env.count)})
            </option>
          ))}
        </select>
        <select className="input select filters__env" aria-label="Order" value={sort} onChange={(event) => setSort(event.target.value as GridSort)}>
          <option value="status">Worst first</option>
          <option value="name">By name</option>
        </select>
        {filtered ? (
          <button type="button" className="button button--ghost" onClick={clear}>
            Clear filters
          </button>
        ) : null}
      </div>
      {tagOptions.length > 0 ? (
        <div className="chips" role="group" aria-label="Tag filter">
          {tagOptions.map((tag) => {
            const on = tags.includes(tag.value);
            return (
              <button key={tag.value} type="button" className={`chip${on ? ' chip--on' : ''}`} aria-pressed={on} onClick={() => toggleTag(tag.value)}>
                {tag.value}
                <span className="chip__count">{formatCount(tag.count)}</span>
              </button>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}
