import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import type { FleetServer } from '@shared/api/health';
import type { Server, ServerSortField } from '@shared/api/servers';
import { serverHealthHref } from '../app/routes';
import { PulseIcon } from '../health/icons';
import { StatusPill } from '../health/server/ChecksTable';
import { EditDeleteButtons } from '../ui/EditDeleteButtons';
import { PlusIcon, SortIcon } from '../ui/icons';
import { formatDateTime, formatRelative } from '../ui/format';
import type { SortOrder } from './list-filters-store';

export const ROW_HEIGHT = 36;
const TAGS_SHOWN = 3;

interface Column {
  label: string;
  /** The contract's sort field, for columns the server can sort by. */
  sort?: ServerSortField;
  className: string;
}

const COLUMNS: readonly Column[] = [
  { label: 'Name', sort: 'name', className: 'cell--name' },
  { label: 'Status', className: 'cell--status' },
  { label: 'Host', sort: 'host', className: 'cell--host' },
  { label: 'SSH port', sort: 'port', className: 'cell--num' },
  { label: 'User', className: 'cell--user' },
  { label: 'Environment', sort: 'environment', className: 'cell--env' },
  { label: 'Tags', className: 'cell--tags' },
  { label: 'Updated', sort: 'updatedAt', className: 'cell--date' },
  { label: 'Actions', className: 'cell--actions' },
];

/** A server's status as the health engine has it, and how many checks watch it. */
export type ServerStatusInfo = Pick<FleetServer, 'status' | 'checks'>;

interface ServerTableProps {
  servers: readonly Server[];
  /** Each server's status (health.overview, kept current by the engine's events); absent while loading. */
  statuses?: ReadonlyMap<string, ServerStatusInfo> | undefined;
  sort: ServerSortField;
  order: SortOrder;
  onSort(field: ServerSortField): void;
  /** Absent when the signed-in role may not change servers: no edit or delete buttons then. */
  onEdit?: ((server: Server) => void) | undefined;
  onDelete?: ((server: Server) => void) | undefined;
  /** Absent when the signed-in role may not add checks. */
  onAddCheck?: ((server: Server) => void) | undefined;
}

/** Up, down, …, or that nothing watches the server: the one thing the list must not hide. */
function StatusCell({ status }: { status: ServerStatusInfo | undefined }) {
  if (!status) return <span className="muted">—</span>;
  if (status.checks === 0) {
    return (
      <span className="status status--unwatched" data-status="unwatched" title="No check watches this server">
        Not watched
      </span>
    );
  }
  return <StatusPill state={status.status} />;
}

function HeaderCell({ column, sort, order, onSort }: { column: Column } & Pick<ServerTableProps, 'sort' | 'order' | 'onSort'>) {
  const active = column.sort !== undefined && column.sort === sort;
  const ariaSort = active ? (order === 'asc' ? 'ascending' : 'descending') : column.sort ? 'none' : undefined;
  return (
    <div role="columnheader" aria-sort={ariaSort} className={`cell ${column.className}`}>
      {column.sort ? (
        <button type="button" className={`sort-button${active ? ' sort-button--active' : ''}`} onClick={() => column.sort && onSort(column.sort)}>
          {column.label}
          <SortIcon order={active ? order : null} />
        </button>
      ) : (
        <span className={column.label === 'Actions' ? 'visually-hidden' : undefined}>{column.label}</span>
      )}
    </div>
  );
}

function ServerRow({
  server,
  status,
  index,
  top,
  onEdit,
  onDelete,
  onAddCheck,
}: { server: Server; status: ServerStatusInfo | undefined; index: number; top: number } & Pick<ServerTableProps, 'onEdit' | 'onDelete' | 'onAddCheck'>) {
  const extraTags = server.tags.length - TAGS_SHOWN;
  return (
    <div
      role="row"
      data-testid="server-row"
      aria-rowindex={index + 2}
      className="table__row"
      style={{ transform: `translateY(${top}px)` }}
      onDoubleClick={onEdit ? () => onEdit(server) : undefined}
    >
      <div role="cell" className="cell cell--name" title={server.name}>
        {server.name}
      </div>
      <div role="cell" className="cell cell--status" data-testid="server-status">
        <StatusCell status={status} />
      </div>
      <div role="cell" className="cell cell--host mono" title={server.host}>
        {server.host}
      </div>
      <div role="cell" className="cell cell--num mono">
        {server.port}
      </div>
      <div role="cell" className="cell cell--user mono">
        {server.user ?? <span className="muted">—</span>}
      </div>
      <div role="cell" className="cell cell--env">
        {server.environment === '' ? (
          <span className="muted">None</span>
        ) : (
          <span className={`env env--${server.environment === 'production' ? 'prod' : 'other'}`}>{server.environment}</span>
        )}
      </div>
      <div role="cell" className="cell cell--tags" title={server.tags.join(', ')}>
        {server.tags.slice(0, TAGS_SHOWN).map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
        {extraTags > 0 ? <span className="tag tag--more">+{extraTags}</span> : null}
      </div>
      <div role="cell" className="cell cell--date" title={formatDateTime(server.updatedAt)}>
        {formatRelative(server.updatedAt)}
      </div>
      <div role="cell" className="cell cell--actions">
        <a className="icon-button" href={serverHealthHref(server.id)} aria-label={`Health of ${server.name}`} title="Health">
          <PulseIcon />
        </a>
        {onAddCheck ? (
          <button type="button" className="icon-button" aria-label={`Add check to ${server.name}`} title="Add check" onClick={() => onAddCheck(server)}>
            <PlusIcon />
          </button>
        ) : null}
        <EditDeleteButtons name={server.name} onEdit={onEdit && (() => onEdit(server))} onDelete={onDelete && (() => onDelete(server))} />
      </div>
    </div>
  );
}

/**
 * The servers, as an ARIA table whose body is virtualized: only the rows in view (plus a
 * margin) are in the DOM, so thousands of servers scroll smoothly.
 */
export function ServerTable({ servers, statuses, sort, order, onSort, onEdit, onDelete, onAddCheck }: ServerTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: servers.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => servers[index]?.id ?? index,
  });

  return (
    <div ref={scroller} className="table" role="table" aria-label="Servers" aria-rowcount={servers.length + 1} data-testid="server-table">
      <div role="rowgroup" className="table__head">
        <div role="row" aria-rowindex={1} className="table__header-row">
          {COLUMNS.map((column) => (
            <HeaderCell key={column.label} column={column} sort={sort} order={order} onSort={onSort} />
          ))}
        </div>
      </div>
      <div role="rowgroup" className="table__body" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const server = servers[item.index];
          return server ? (
            <ServerRow
              key={item.key}
              server={server}
              status={statuses?.get(server.id)}
              index={item.index}
              top={item.start}
              onEdit={onEdit}
              onDelete={onDelete}
              onAddCheck={onAddCheck}
            />
          ) : null;
        })}
      </div>
    </div>
  );
}
