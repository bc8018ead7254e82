import { fireEvent, render, screen, cleanup, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { withLayout } from '../../testing/layout';
import { fleet } from '../testing/fixtures';
import { columnsFor, gridOrder, LABELLED_MAX, layoutFor, moveIndex } from './grid-layout';
import { StatusGrid } from './StatusGrid';

withLayout();
afterEach(cleanup);

describe('The status grid', () => {
  it('draws 5,000 servers with only the rows in view in the DOM', () => {
    const servers = fleet(5_000);
    render(<StatusGrid servers={servers} />);
    const cells = screen.getAllByTestId('status-cell');
    // 800 px wide: 30 cells a row; 800 px high: about 31 rows plus a few either side.
    expect(cells.length).toBeGreaterThan(300);
    expect(cells.length).toBeLessThan(1_500);
    expect(screen.getByTestId('status-grid').getAttribute('aria-rowcount')).toBe(String(Math.ceil(5_000 / columnsFor(800 - 8))));
  });

  it('names every server in its cell while the fleet is small enough to read them, beside its glyph, with a link to it', () => {
    render(<StatusGrid servers={fleet(30)} />);
    const cells = screen.getAllByTestId('status-cell');
    expect(cells).toHaveLength(30);
    const first = cells[0];
    expect(first?.textContent).toBe('✕srv-00000');
    expect(first?.querySelector('.status-dot--down')).toBeTruthy();
    expect(first?.querySelector('.status-cell__name')?.textContent).toBe('srv-00000');
    expect(first?.getAttribute('aria-label')).toMatch(/^srv-00000: Down/);
    expect(first?.getAttribute('title')).toBe('srv-00000');
    expect(first?.getAttribute('href')).toBe('#/servers/00000000-0000-4000-8000-000000000000/health');
    // 800 px wide: four named cells a row.
    expect(screen.getByTestId('status-grid').getAttribute('aria-colcount')).toBe(String(columnsFor(800 - 8, layoutFor(30))));
    expect(layoutFor(30).labelled).toBe(true);
  });

  it('keeps thousands of servers as a dense grid of coloured squares with their status glyph', () => {
    render(<StatusGrid servers={fleet(LABELLED_MAX + 1)} />);
    const first = screen.getAllByTestId('status-cell')[0];
    expect(first?.className).toContain('status-cell--down');
    expect(first?.textContent).toBe('✕');
    expect(first?.getAttribute('aria-label')).toMatch(/^srv-00000: Down/);
  });

  it('shows the full name of a focused cell, however long, and says how to get there by keyboard', () => {
    const long = fleet(3).map((server, i) => (i === 1 ? { ...server, name: 'payments-gateway-eu-west-3-canary-blue' } : server));
    render(<StatusGrid servers={long} />);
    expect(screen.getByTestId('status-grid-readout').textContent).toContain('arrow keys');
    const cells = screen.getAllByTestId('status-cell');
    cells[0]?.focus();
    fireEvent.keyDown(screen.getByTestId('status-grid'), { key: 'ArrowRight' });
    expect(screen.getByTestId('status-grid-readout').textContent).toContain('payments-gateway-eu-west-3-canary-blue');
  });

  it('puts each server link inside a grid cell (a link may not be a cell itself)', () => {
    render(<StatusGrid servers={fleet(3)} />);
    const cells = screen.getAllByRole('gridcell');
    expect(cells).toHaveLength(3);
    for (const cell of cells) expect(cell.tagName).toBe('DIV');
    expect(
      within(cells[0] as HTMLElement)
        .getByRole('link')
        .getAttribute('aria-label'),
    ).toMatch(/^srv-00000: Down/);
  });

  it('keeps one cell in the tab order and moves focus with the arrow keys, naming the server', () => {
    render(<StatusGrid servers={fleet(100)} />);
    const cells = screen.getAllByTestId('status-cell');
    expect(cells.filter((cell) => cell.tabIndex === 0)).toHaveLength(1);
    cells[0]?.focus();
    fireEvent.keyDown(screen.getByTestId('status-grid'), { key: 'ArrowRight' });
    expect((document.activeElement as HTMLElement).dataset.index).toBe('1');
    expect(screen.getByTestId('status-grid-readout').textContent).toContain('srv-00001');
  });
});

describe('grid layout', () => {
  it('orders worst first, the longest in trouble first, and by name on request', () => {
    const servers = fleet(21);
    const ordered = gridOrder(servers, 'status').map((server) => server.status);
    expect(ordered.slice(0, 3)).toEqual(['down', 'down', 'down']);
    expect(ordered.slice(3, 5)).toEqual(['degraded', 'degraded']);
    expect(gridOrder(servers, 'name')).toEqual(servers);
  });

  it('moves by cell, row and page, and stays inside the grid', () => {
    expect(moveIndex('ArrowDown', 3, 100, 10, 5)).toBe(13);
    expect(moveIndex('ArrowUp', 3, 100, 10, 5)).toBe(0);
    expect(moveIndex('PageDown', 3, 100, 10, 5)).toBe(53);
    expect(moveIndex('End', 3, 100, 10, 5)).toBe(99);
    expect(moveIndex('ArrowRight', 99, 100, 10, 5)).toBe(99);
    expect(moveIndex('a', 3, 100, 10, 5)).toBeNull();
  });
});
