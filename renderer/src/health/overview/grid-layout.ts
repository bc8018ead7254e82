import type { FleetServer } from '@shared/api/health';
import { statusRank } from '../status';
import type { GridSort } from './overview-filters-store';

/** One cell and the gap after it, in px: the dense grid's pitch. */
export const CELL_SIZE = 22;
export const CELL_GAP = 4;
export const CELL_PITCH = CELL_SIZE + CELL_GAP;

/** A cell's size and the gap after it, in px (health.css draws the same). */
export interface GridLayout {
  /** Cells show the server's name (truncated) beside its status glyph. */
  labelled: boolean;
  width: number;
  height: number;
  gap: number;
}

/** Up to this many servers, every cell carries its name; past it, the dense grid of squares. */
export const LABELLED_MAX = 300;
export const DENSE_LAYOUT: GridLayout = { labelled: false, width: CELL_SIZE, height: CELL_SIZE, gap: CELL_GAP };
export const LABELLED_LAYOUT: GridLayout = { labelled: true, width: 168, height: 28, gap: 6 };

/**
 * Named cells while a fleet is small enough for names to be read (a few screens of them);
 * squares for thousands, where the pattern of colours is what is read.
 */
export function layoutFor(count: number): GridLayout {
  return count <= LABELLED_MAX ? LABELLED_LAYOUT : DENSE_LAYOUT;
}

/** How many cells fit across a width. */
export function columnsFor(width: number, layout: GridLayout = DENSE_LAYOUT): number {
  return Math.max(1, Math.floor((width + layout.gap) / (layout.width + layout.gap)));
}

/** The servers in the grid's order: worst status first (longest in it first), or by name. */
export function gridOrder(servers: readonly FleetServer[], sort: GridSort): FleetServer[] {
  if (sort === 'name') return [...servers];
  return servers
    .map((server, index) => ({ server, index }))
    .sort((a, b) => statusRank(a.server.status) - statusRank(b.server.status) || (a.server.since ?? 0) - (b.server.since ?? 0) || a.index - b.index)
    .map(({ server }) => server);
}

/** The cell a key moves to from `index`, in a grid of `count` cells `columns` wide. */
export function moveIndex(key: string, index: number, count: number, columns: number, pageRows: number): number | null {
  const last = count - 1;
  const clamp = (value: number) => Math.min(last, Math.max(0, value));
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return clamp(index + columns);
    case 'ArrowUp':
      return clamp(index - columns);
    case 'PageDown':
      return clamp(index + columns * pageRows);
    case 'PageUp':
      return clamp(index - columns * pageRows);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
