import type { AuditEvent } from '@shared/api/audit';
import { formatDateTime } from '../ui/format';
import { actorLabel, isoTime } from './audit-format';
import { OutcomeBadge } from './OutcomeBadge';

interface AuditTableProps {
  events: readonly AuditEvent[];
  selectedSeq: number | null;
  onOpen(seq: number): void;
}

/** Events, newest first; a row opens its detail drawer. */
export function AuditTable({ events, selectedSeq, onOpen }: AuditTableProps) {
  return (
    <table className="simple-table audit-table" aria-label="Audit events" data-testid="audit-table">
      <thead>
        <tr>
          <th scope="col" className="simple-table__num">
            Seq
          </th>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Method</th>
          <th scope="col">Target</th>
          <th scope="col">Outcome</th>
          <th scope="col">Origin</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr
            key={event.seq}
            data-testid="audit-row"
            className={`audit-table__row${event.seq === selectedSeq ? ' audit-table__row--selected' : ''}`}
            aria-current={event.seq === selectedSeq ? 'true' : undefined}
            onClick={() => onOpen(event.seq)}
          >
            <td className="simple-table__num">
              <button
                type="button"
                className="audit-table__open mono"
                aria-label={`Open event ${event.seq}`}
                onClick={(click) => {
                  click.stopPropagation();
                  onOpen(event.seq);
                }}
              >
                {event.seq}
              </button>
            </td>
            <td className="audit-table__time" title={isoTime(event.at)}>
              {formatDateTime(event.at)}
            </td>
            <td title={event.actor}>{actorLabel(event)}</td>
            <td className="mono">{event.action}</td>
            <td className="mono audit-table__target" title={event.target ?? undefined}>
              {event.target ?? <span className="muted">—</span>}
            </td>
            <td>
              <OutcomeBadge outcome={event.outcome} />
            </td>
            <td className="mono muted">{event.origin}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
