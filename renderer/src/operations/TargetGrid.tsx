import { memo } from 'react';
import type { OperationTarget } from '@shared/api/operations';
import { useVirtualGrid } from '../health/overview/use-virtual-grid';
import { TARGET_GLYPHS, TARGET_LABELS } from './states';

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
 * squares past that. Rows are virtualized (5,000 targets put a few hundred cells in the DOM), and
 * target events reach it in batches (use-operation-events.ts). One cell is in the tab order; the arrow keys, Page Up/Down,
 * Home and End move between them; Enter or a click shows that target's output.
 */
export const TargetGrid = memo(function TargetGrid({ targets, selected, onSelect }: TargetGridProps) {
  const grid = useVirtualGrid(targets.length);
  const { layout, columns, activeIndex } = grid;

  // The fleet grid's layout classes (health.css); the cells' colours are operations.css's.
  return (
    <div className={`status-grid${layout.labelled ? ' status-grid--labelled' : ''}`}>
      <div
        ref={grid.scroller}
        className="status-grid__scroller"
        role="grid"
        aria-label="Targets by state"
        aria-rowcount={grid.rows}
        aria-colcount={columns}
        data-testid="target-grid"
        style={{ height: grid.height }}
        onKeyDown={grid.onKeyDown}
      >
        <div className="status-grid__body" style={{ height: grid.bodyHeight }}>
          {grid.items.map((row) => {
            const start = row.index * columns;
            return (
              <div key={row.key} role="row" aria-rowindex={row.index + 1} className="status-grid__row" style={{ transform: `translateY(${row.start}px)` }}>
                {targets.slice(start, start + columns).map((target, offset) => {
                  const index = start + offset;
                  return (
                    <div key={target.serverId} role="gridcell" aria-colindex={offset + 1} className="status-grid__cell">
                      <button
                        type="button"
                        className={`status-cell target-cell target-cell--${target.state}${layout.labelled ? ' status-cell--labelled' : ''}`}
                        aria-label={describe(target)}
                        aria-pressed={target.serverId === selected}
                        title={describe(target)}
                        tabIndex={index === activeIndex ? 0 : -1}
                        data-index={index}
                        data-state={target.state}
                        data-testid="target-cell"
                        onFocus={() => grid.setActive(index)}
                        onClick={() => onSelect(target.serverId)}
                      >
                        <span className="target-cell__glyph" aria-hidden="true">
                          {TARGET_GLYPHS[target.state]}
                        </span>
                        {layout.labelled ? (
                          <span className="status-cell__name" aria-hidden="true">
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
    </div>
  );
});
