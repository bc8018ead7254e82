import { SECRET_KINDS, type Secret, type SecretKind } from '@shared/api/vault';
import { formatCount } from '../ui/format';
import { SearchIcon } from '../ui/icons';
import { KIND_LABELS } from './vault-labels';

export interface SecretFilterState {
  q: string;
  kind: SecretKind | null;
  tags: string[];
}

export const NO_FILTERS: SecretFilterState = { q: '', kind: null, tags: [] };

export const isFiltered = (filters: SecretFilterState): boolean => filters.q.trim() !== '' || filters.kind !== null || filters.tags.length > 0;

/** The secrets.list input for the filters. */
export function listInput(filters: SecretFilterState, q: string): { q?: string; kind?: SecretKind; tags?: string[] } {
  return {
    ...(q.trim() !== '' ? { q: q.trim() } : {}),
    ...(filters.kind ? { kind: filters.kind } : {}),
    ...(filters.tags.length > 0 ? { tags: filters.tags } : {}),
  };
}

/** Every tag in use, most used first. */
export function tagCounts(secrets: readonly Secret[]): { value: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const secret of secrets) for (const tag of secret.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

const isKind = (value: string): value is SecretKind => SECRET_KINDS.some((kind) => kind === value);

interface SecretFiltersProps {
  filters: SecretFilterState;
  onChange(filters: SecretFilterState): void;
  tags: { value: string; count: number }[];
}

/** Search box, kind filter and tag chips. The kind filter is not labelled with "Kind": the add form’s select is. */
export function SecretFilters({ filters, onChange, tags }: SecretFiltersProps) {
  const toggle = (tag: string) =>
    onChange({ ...filters, tags: filters.tags.includes(tag) ? filters.tags.filter((value) => value !== tag) : [...filters.tags, tag] });
  return (
    <div className="filters">
      <div className="filters__row">
        <div className="search">
          <SearchIcon />
          <input
            type="search"
            className="input search__input"
            aria-label="Search secrets"
            placeholder="Search by name, username, tag or fingerprint"
            value={filters.q}
            onChange={(event) => onChange({ ...filters, q: event.target.value })}
            data-testid="secret-search"
          />
        </div>
        <select
          className="input select filters__env"
          aria-label="Filter by type"
          value={filters.kind ?? ''}
          onChange={(event) => onChange({ ...filters, kind: isKind(event.target.value) ? event.target.value : null })}
          data-testid="secret-kind-filter"
        >
          <option value="">All kinds</option>
          {SECRET_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind]}
            </option>
          ))}
        </select>
        {isFiltered(filters) ? (
          <button type="button" className="button button--ghost" onClick={() => onChange(NO_FILTERS)}>
            Clear filters
          </button>
        ) : null}
      </div>
      {tags.length > 0 ? (
        <div className="chips" role="group" aria-label="Tag filter">
          {tags.map((tag) => {
            const on = filters.tags.includes(tag.value);
            return (
              <button
                key={tag.value}
                type="button"
                className={`chip${on ? ' chip--on' : ''}`}
                aria-pressed={on}
                onClick={() => toggle(tag.value)}
                data-testid="secret-tag-chip"
              >
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
