import { create } from 'zustand';
import type { ServerListInput, ServerSortField } from '@shared/api/servers';

export type SortOrder = 'asc' | 'desc';

/** What the servers table shows: search text, filters, sort. UI state, kept across pages. */
interface ListFilters {
  search: string;
  environment: string | null;
  tags: string[];
  sort: ServerSortField;
  order: SortOrder;
  setSearch(search: string): void;
  setEnvironment(environment: string | null): void;
  toggleTag(tag: string): void;
  clearFilters(): void;
  sortBy(field: ServerSortField): void;
}

export const useListFilters = create<ListFilters>((set) => ({
  search: '',
  environment: null,
  tags: [],
  sort: 'name',
  order: 'asc',
  setSearch: (search) => set({ search }),
  setEnvironment: (environment) => set({ environment }),
  toggleTag: (tag) =>
    set((state) => ({
      tags: state.tags.includes(tag) ? state.tags.filter((t) => t !== tag) : [...state.tags, tag].sort(),
    })),
  clearFilters: () => set({ search: '', environment: null, tags: [] }),
  // A new column sorts ascending; the same column again flips the order.
  sortBy: (field) => set((state) => ({ sort: field, order: state.sort === field && state.order === 'asc' ? 'desc' : 'asc' })),
}));

/** The contract's limit: the table loads every matching server and virtualizes the rows. */
export const LIST_LIMIT = 10_000;

export interface FilterValues {
  q?: string;
  environment?: string;
  tags?: string[];
}

/** The filter part of servers.list / servers.export input; absent keys for unset filters. */
export function filterInput(search: string, environment: string | null, tags: readonly string[]): FilterValues {
  const q = search.trim();
  return {
    ...(q ? { q } : {}),
    ...(environment ? { environment } : {}),
    ...(tags.length ? { tags: [...tags] } : {}),
  };
}

export function listInput(filters: FilterValues, sort: ServerSortField, order: SortOrder): ServerListInput {
  return { ...filters, sort, order, limit: LIST_LIMIT };
}
