import { useMethodQuery } from '../../api/hooks';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { IncidentItem } from '../incidents/IncidentItem';

const SHOWN = 50;

/** The server's incidents, open first then newest, with acknowledge. */
export function IncidentTimeline({ serverId }: { serverId: string }) {
  const incidents = useMethodQuery('incidents.list', { serverId, limit: SHOWN });
  const items = incidents.data?.items ?? [];
  const total = incidents.data?.total ?? 0;
  return (
    <section className="panel" aria-labelledby="incidents-title" data-testid="incident-timeline">
      <h2 className="panel__title" id="incidents-title">
        Incidents {incidents.data ? <span className="muted">{total}</span> : null}
      </h2>
      <ErrorBanner error={incidents.error} />
      {incidents.data && items.length === 0 ? <p className="muted">No incidents: it has not gone down or degraded.</p> : null}
      {items.length > 0 ? (
        <ol className="incident-list incident-list--timeline">
          {items.map((incident) => (
            <IncidentItem key={incident.id} incident={incident} showServer={false} />
          ))}
        </ol>
      ) : null}
      {total > items.length ? <p className="muted">The {SHOWN} most recent are shown.</p> : null}
    </section>
  );
}
