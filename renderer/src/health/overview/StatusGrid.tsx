import { useState, type FocusEvent, type MouseEvent } from 'react';
import type { FleetServer } from '@shared/api/health';
import { serverHealthHref } from '../../app/routes';
import { formatDateTime, formatRelative } from '../../ui/format';
import { STATUS_GLYPHS, STATUS_LABELS } from '../status';
import { useVirtualGrid } from './use-virtual-grid';

function describe(server: FleetServer): string {
  const since = server.since !== null ? `, since ${formatDateTime(server.since)}` : '';
  return `${server.name}: ${STATUS_LABELS[server.status]}${since}`;
}

function Readout({ server }: { server: FleetServer | undefined }) {
  return (
    <p className="status-grid__readout" aria-hidden="true" data-testid="status-grid-readout">
      {server ? (
        <>
          <span className={`status-dot status-dot--${server.status}`}>{STATUS_GLYPHS[server.status]}</span>
          <strong>{server.name}</strong>
          <span className="muted">
            {server.host}
            {server.environment ? ` · ${server.environment}` : ''} · {STATUS_LABELS[server.status]}
            {server.since !== null ? ` ${formatRelative(server.since)}` : ''} · {server.checks} {server.checks === 1 ? 'check' : 'checks'}
          </span>
        </>
      ) : (
        <span className="muted">Point at a server, or Tab to the grid and use the arrow keys, to see it here; a click or Enter opens its health.</span>
      )}
    </p>
  );
}

/**
 * Every server as one cell: colour and glyph say its status. Up to LABELLED_MAX servers a cell
 * also shows the name (cut with an ellipsis; in full in the readout above on hover or focus);
 * past it, small squares whose name shows on hover or focus. A click opens its health page. The rows are virtualized, so 5,000 servers put a few
 * hundred cells in the DOM. One cell is in the tab order; arrow keys, Page Up/Down, Home and
 * End move between them.
 */
export function StatusGrid({ servers }: { servers: readonly FleetServer[] }) {
  const [pointed, setPointed] = useState<number | null>(null);
  const grid = useVirtualGrid(servers.length, setPointed);
  const { layout, columns, activeIndex } = grid;

  const indexOf = (event: MouseEvent | FocusEvent) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-index]');
    return target ? Number(target.dataset.index) : null;
  };

  return (
    <div className={`status-grid${layout.labelled ? ' status-grid--labelled' : ''}`}>
      <Readout server={pointed !== null ? servers[pointed] : undefined} />
      <div
        ref={grid.scroller}
        className="status-grid__scroller"
        role="grid"
        aria-label="Status of every server"
        aria-rowcount={grid.rows}
        aria-colcount={columns}
        data-testid="status-grid"
        style={{ height: grid.height }}
        onKeyDown={grid.onKeyDown}
        onMouseOver={(event) => setPointed(indexOf(event))}
        onMouseLeave={() => setPointed(null)}
        onFocus={(event) => {
          const index = indexOf(event);
          if (index !== null) {
            setPointed(index);
            grid.setActive(index);
          }
        }}
      >
        <div className="status-grid__body" style={{ height: grid.bodyHeight }}>
          {grid.items.map((row) => {
            const start = row.index * columns;
            const cells = servers.slice(start, start + columns);
            return (
              <div key={row.key} role="row" aria-rowindex={row.index + 1} className="status-grid__row" style={{ transform: `translateY(${row.start}px)` }}>
                {cells.map((server, offset) => {
                  const index = start + offset;
                  // A link may not be a grid cell itself (ARIA in HTML): the cell holds it.
                  return (
                    <div key={server.id} role="gridcell" aria-colindex={offset + 1} className="status-grid__cell">
                      <a
                        href={serverHealthHref(server.id)}
                        className={layout.labelled ? 'status-cell status-cell--labelled' : `status-cell status-cell--${server.status}`}
                        aria-label={describe(server)}
                        title={server.name}
                        tabIndex={index === activeIndex ? 0 : -1}
                        data-index={index}
                        data-status={server.status}
                        data-testid="status-cell"
                      >
                        {layout.labelled ? (
                          <>
                            <span className={`status-dot status-dot--${server.status}`} aria-hidden="true">
                              {STATUS_GLYPHS[server.status]}
                            </span>
                            <span className="status-cell__name" aria-hidden="true">
                              {server.name}
                            </span>
                          </>
                        ) : (
                          <span aria-hidden="true">{STATUS_GLYPHS[server.status]}</span>
                        )}
                      </a>
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
}
