import type { CheckState } from '@shared/api/checks';

/**
 * How a status looks. Colour is never the only sign: each status also has its own glyph (a
 * shape a colour-blind user tells apart) and its word.
 */
export const STATUS_LABELS: Record<CheckState, string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
  paused: 'Paused',
};

export const STATUS_GLYPHS: Record<CheckState, string> = {
  up: '✓',
  degraded: '!',
  down: '✕',
  unknown: '?',
  paused: '‖',
};

/** Worst first: the order of the counts and of the grid sorted by status. */
export const STATUS_ORDER: readonly CheckState[] = ['down', 'degraded', 'unknown', 'paused', 'up'];

export const statusRank = (status: CheckState): number => STATUS_ORDER.indexOf(status);

/** A status as a small pill: glyph and word, coloured. */
export function statusClass(status: CheckState): string {
  return `status status--${status}`;
}
