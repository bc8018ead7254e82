import { useState } from 'react';
import type { Incident } from '@shared/api/incidents';
import { DeliveryLog } from '../../alerts/DeliveryLog';
import { serverHealthHref } from '../../app/routes';
import { useCan } from '../../auth/session';
import { formatDateTime, formatRelative } from '../../ui/format';
import { CHECK_TYPE_LABELS } from '../editor/check-fields';
import { formatDuration } from '../health-format';
import { useHealthDialogs } from '../health-dialog-store';
import { STATUS_GLYPHS, STATUS_LABELS } from '../status';
import { useNow } from '../use-now';

/** How long an incident has lasted: ticking while it is open. */
export function IncidentDuration({ incident }: { incident: Incident }) {
  const now = useNow();
  if (incident.endedAt !== null) return <>{formatDuration(incident.endedAt - incident.startedAt)}</>;
  return (
    <span className="incident__live" data-testid="incident-duration">
      {formatDuration(Math.max(incident.durationMs, now - incident.startedAt))}
    </span>
  );
}

export function AcknowledgeButton({ incident }: { incident: Incident }) {
  const mayAck = useCan()('servers:write');
  const open = useHealthDialogs((state) => state.open);
  if (!mayAck || incident.acknowledgedAt !== null || incident.endedAt !== null) return null;
  return (
    <button
      type="button"
      className="button button--small"
      aria-label={`Acknowledge the incident on ${incident.serverName}`}
      onClick={() => open({ kind: 'incident-ack', incident })}
    >
      Acknowledge
    </button>
  );
}

/**
 * Who was told of an incident, when, and how each delivery went: its notifications in the alerts'
 * delivery log, read only once opened (a list of incidents asks for none).
 */
function WhoWasNotified({ incidentId }: { incidentId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="incident__notified" data-testid="incident-notified" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Who was notified</summary>
      {open ? <DeliveryLog incidentId={incidentId} /> : null}
    </details>
  );
}

/**
 * One incident: severity, server, cause, when and for how long, the types of its bad checks, who acknowledged it with what
 * note, who was notified, and (open, unacknowledged, for those who may) the way to acknowledge it.
 */
export function IncidentItem({ incident, showServer = true }: { incident: Incident; showServer?: boolean }) {
  const open = incident.endedAt === null;
  return (
    <li className={`incident incident--${open ? 'open' : 'resolved'}`} data-testid="incident" data-state={open ? 'open' : 'resolved'}>
      <span className={`status status--${incident.severity}`}>
        <span aria-hidden="true">{STATUS_GLYPHS[incident.severity]}</span> {STATUS_LABELS[incident.severity]}
      </span>
      <div className="incident__body">
        <p className="incident__title">
          {showServer ? (
            <a href={serverHealthHref(incident.serverId)} className="incident__server">
              {incident.serverName || 'A removed server'}
            </a>
          ) : null}
          <span className="incident__cause">{incident.cause || 'No cause recorded'}</span>
        </p>
        <p className="incident__meta">
          <span title={formatDateTime(incident.startedAt)}>Started {formatRelative(incident.startedAt)}</span>
          {' · '}
          {open ? 'open for ' : 'lasted '}
          <IncidentDuration incident={incident} />
          {incident.endedAt !== null ? <span title={formatDateTime(incident.endedAt)}> · resolved {formatRelative(incident.endedAt)}</span> : null}
          {incident.checkTypes.length > 0 ? (
            <span data-testid="incident-checks">
              {' · '}
              {incident.checkTypes.map((type) => (CHECK_TYPE_LABELS as Partial<Record<string, string>>)[type] ?? type).join(', ')}
            </span>
          ) : null}
        </p>
        {incident.acknowledgedAt !== null ? (
          <p className="incident__ack" data-testid="incident-ack">
            Acknowledged by {incident.acknowledgedBy ?? 'someone'} {formatRelative(incident.acknowledgedAt)}
            {incident.note ? <>: “{incident.note}”</> : null}
          </p>
        ) : null}
        <WhoWasNotified incidentId={incident.id} />
      </div>
      <div className="incident__actions">
        <AcknowledgeButton incident={incident} />
      </div>
    </li>
  );
}
