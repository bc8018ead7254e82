import { useState } from 'react';
import { useMethodQuery } from '../api/hooks';
import { formatCount } from '../ui/format';
import { SearchIcon } from '../ui/icons';
import { useListFilters } from './list-filters-store';

const TAGS_COLLAPSED = 12;

function TagChips() {
  const facets = useMethodQuery('servers.facets', {});
  const selected = useListFilters((state) => state.tags);
  const toggleTag = useListFilters((state) => state.toggleTag);
  const [expanded, setExpanded] = useState(false);
  const tags = [...(facets.data?.tags ?? [])].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  if (tags.length === 0) return null;
  // Selected tags stay visible even when the list is collapsed.
  const shown = expanded ? tags : tags.filter((tag, index) => index < TAGS_COLLAPSED || selected.includes(tag.value));
  const hidden = tags.length - shown.length;

  return (
    <div className="chips" role="group" aria-label="Tag filter">
      {shown.map((tag) => {
        const on = selected.includes(tag.value);
        return (
          <button
            key={tag.value}
            type="button"
            className={`chip${on ? ' chip--on' : ''}`}
            aria-pressed={on}
            onClick={() => toggleTag(tag.value)}
            data-testid="tag-chip"
          >
            {tag.value}
            <span className="chip__count">{formatCount(tag.count)}</span>
          </button>
        );
      })}
      {hidden > 0 || expanded ? (
        <button type="button" className="chip chip--link" onClick={() => setExpanded(!expanded)} aria-expanded={expanded}>
          {expanded ? 'Fewer' : `${hidden} more`}
        </button>
      ) : null}
    </div>
  );
}

/**
 * Search box, environment filter and tag chips. The environment select is labelled "Env" so
 * that no control on the page shares a label with the server form's fields.
 */
export function ServerFilters() {
  const facets = useMethodQuery('servers.facets', {});
  const { search, environment, tags, setSearch, setEnvironment, clearFilters } = useListFilters();
  const filtered = search.trim() !== '' || environment !== null || tags.length > 0;
  // A server without an environment ('') is in no environment to choose.
  const environments = (facets.data?.environments ?? []).filter((env) => env.value !== '');

  return (
    <div className="filters">
      <div className="filters__row">
        <div className="search">
          <SearchIcon />
          <input
            type="search"
            className="input search__input"
            aria-label="Search servers"
            placeholder="Search by name, host or notes"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            data-testid="server-search"
          />
        </div>
        <select
          className="input select filters__env"
          aria-label="Env"
          value={environment ?? ''}
          onChange={(event) => setEnvironment(event.target.value === '' ? null : event.target.value)}
          data-testid="environment-filter"
        >
          <option value="">All environments</option>
          {environments.map((env) => (
            <option key={env.value} value={env.value}>
              {env.value} ({formatCount(env.count)})
            </option>
          ))}
          {environment !== null && !environments.some((env) => env.value === environment) ? <option value={environment}>{environment} (0)</option> : null}
        </select>
        {filtered ? (
          <button type="button" className="button button--ghost" onClick={clearFilters}>
            Clear filters
          </button>
        ) : null}
      </div>
      <TagChips />
    </div>
  );
}
