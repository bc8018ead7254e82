import { create } from 'zustand';
import type { CheckState } from '@shared/api/checks';

export type GridSort = 'status' | 'name';

/** What the fleet overview shows: UI state, kept while moving between pages. */
interface OverviewFilters {
  environment: string | null;
  tags: string[];
  /** Statuses the grid is narrowed to; empty: all. */
  statuses: CheckState[];
  sort: GridSort;
  setEnvironment(environment: string | null): void;
  toggleTag(tag: string): void;
  toggleStatus(status: CheckState): void;
  setSort(sort: GridSort): void;
  clear(): void;
}

export const useOverviewFilters = create<OverviewFilters>((set) => ({
  environment: null,
  tags: [],
  statuses: [],
  sort: 'status',
  setEnvironment: (environment) => set({ environment }),
  toggleTag: (tag) => set((state) => ({ tags: state.tags.includes(tag) ? state.tags.filter((t) => t !== tag) : [...state.tags, tag].sort() })),
  toggleStatus: (status) =>
    set((state) => ({ statuses: state.statuses.includes(status) ? state.statuses.filter((s) => s !== status) : [...state.statuses, status] })),
  setSort: (sort) => set({ sort }),
  clear: () => set({ environment: null, tags: [], statuses: [] }),
}));

/** health.overview's input for the filters; absent keys for unset ones (one cache entry each). */
export function overviewInput(environment: string | null, tags: readonly string[]): { environment?: string; tags?: string[] } {
  return { ...(environment ? { environment } : {}), ...(tags.length ? { tags: [...tags] } : {}) };
}
