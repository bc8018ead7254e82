import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { OperationTarget } from '@shared/api/operations';
import { columnsFor, layoutFor, moveIndex } from '../health/overview/grid-layout';
import { useContentWidth } from '../ui/use-content-width';
import { TARGET_GLYPHS, TARGET_LABELS } from './states';

/** The scroller's padding (operations.css), kept out of the rows' height. */
const GRID_PADDING = 4;

function describe(target: OperationTarget): string {
  const exit = target.exitCode !== null ? `, exit ${target.exitCode}` : '';
  return `${target.serverName}: ${TARGET_LABELS[target.state]}${exit}`;
}

interface TargetGridProps {
  targets: readonly OperationTarget[];
  /** The target whose output is shown. */
  selected: string | null;
  onSelect(serverId: string): void;
}

/**
 * Every target of a run as one cell, coloured and marked by its state, laid out like the
 * overview's fleet grid (health/overview/grid-layout.ts): named cells up to a few hundred, small
 * squares past that. Rows are virtualized, so 500 targets put a few dozen cells in the DOM and a
 * state change re-renders those alone. One cell is in the tab order; the arrow keys, Page Up/Down,
 * Home and End move between them; Enter or a click shows that target's output.
 */
export const TargetGrid = memo(function TargetGrid({ targets, selected, onSelect }: TargetGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const width = useContentWidth(scroller);
  const layout = layoutFor(targets.length);
  const pitch = layout.height + layout.gap;
  const columns = columnsFor(width, layout);
  const rows = Math.ceil(targets.length / columns);
  const [active, setActive] = useState(0);
  const focusActive = useRef(false);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => pitch, overscan: 3 });
  const activeIndex = Math.min(active, Math.max(0, targets.length - 1));
  const items = virtualizer.getVirtualItems();

  useEffect(() => {
    if (!focusActive.current) return;
    const cell = scroller.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`);
    if (cell) {
      cell.focus();
      focusActive.current = false;
    }
  }, [activeIndex, items]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? pitch) / pitch) - 1);
    const next = moveIndex(event.key, activeIndex, targets.length, columns, pageRows);
    if (next === null) return;
    event.preventDefault();
    focusActive.current = true;
    setActive(next);
    virtualizer.scrollToIndex(Math.floor(next / columns));
  };

  return (
    <div
      ref={scroller}
      className={`target-grid${layout.labelled ? ' target-grid--labelled' : ''}`}
      role="grid"
      aria-label="Targets by state"
      aria-rowcount={rows}
      aria-colcount={columns}
      data-testid="target-grid"
      style={{ height: virtualizer.getTotalSize() + 2 * GRID_PADDING + 2 }}
      onKeyDown={onKeyDown}
    >
      <div className="target-grid__body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((row) => {
          const start = row.index * columns;
          return (
            <div key={row.key} role="row" aria-rowindex={row.index + 1} className="target-grid__row" style={{ transform: `translateY(${row.start}px)` }}>
              {targets.slice(start, start + columns).map((target, offset) => {
                const index = start + offset;
                return (
                  <div key={target.serverId} role="gridcell" aria-colindex={offset + 1} className="target-grid__cell">
                    <button
                      type="button"
                      className={`target-cell target-cell--${target.state}${layout.labelled ? ' target-cell--labelled' : ''}`}
                      aria-label={describe(target)}
                      aria-pressed={target.serverId === selected}
                      title={describe(target)}
                      tabIndex={index === activeIndex ? 0 : -1}
                      data-index={index}
                      data-state={target.state}
                      data-testid="target-cell"
                      onFocus={() => setActive(index)}
                      onClick={() => onSelect(target.serverId)}
                    >
                      <span className="target-cell__glyph" aria-hidden="true">
                        {TARGET_GLYPHS[target.state]}
                      </span>
                      {layout.labelled ? (
                        <span className="target-cell__name" aria-hidden="true">
                          {target.serverName}
                        </span>
                      ) : null}
                    </button>
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
});
