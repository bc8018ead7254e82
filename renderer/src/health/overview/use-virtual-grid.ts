import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useContentWidth } from '../../ui/use-content-width';
import { columnsFor, layoutFor, moveIndex } from './grid-layout';

/** The scroller's padding (health.css), kept out of the rows' height. */
export const GRID_PADDING = 4;

/**
 * A grid of `count` cells laid out by grid-layout.ts, its rows virtualized: the fleet's status
 * grid and a run's targets. One cell (the active one, `data-index` on it) is in the tab order; the
 * arrow keys, Page Up/Down, Home and End move it and its focus, and `onMove` hears where to.
 */
export function useVirtualGrid(count: number, onMove?: (index: number) => void) {
  const scroller = useRef<HTMLDivElement>(null);
  const width = useContentWidth(scroller);
  const layout = layoutFor(count);
  const pitch = layout.height + layout.gap;
  const columns = columnsFor(width, layout);
  const rows = Math.ceil(count / columns);
  const [active, setActive] = useState(0);
  const focusActive = useRef(false);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => pitch, overscan: 3 });
  const activeIndex = Math.min(active, Math.max(0, count - 1));
  const items = virtualizer.getVirtualItems();

  useEffect(() => {
    if (!focusActive.current) return;
    const cell = scroller.current?.querySelector<HTMLElement>(`[data-index="${activeIndex}"]`);
    if (cell) {
      cell.focus();
      focusActive.current = false;
    }
  }, [activeIndex, items]);

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? pitch) / pitch) - 1);
    const next = moveIndex(event.key, activeIndex, count, columns, pageRows);
    if (next === null) return;
    event.preventDefault();
    focusActive.current = true;
    setActive(next);
    onMove?.(next);
    virtualizer.scrollToIndex(Math.floor(next / columns));
  };

  return {
    scroller,
    layout,
    columns,
    rows,
    items,
    activeIndex,
    setActive,
    onKeyDown,
    /** The scroller's height: the rows', its padding and border (up to its CSS maximum). */
    height: virtualizer.getTotalSize() + 2 * GRID_PADDING + 2,
    bodyHeight: virtualizer.getTotalSize(),
  };
}
