import type { FleetOverview } from '@shared/api/health';
import { serverHealthHref } from '../../app/routes';
import { formatDateTime, plural } from '../../ui/format';
import { formatLatency, formatUptimeOver, SPAN_MS } from '../health-format';
import { useNow } from '../use-now';
import { IncidentItem } from '../incidents/IncidentItem';

function Panel({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  return (
    <section className="panel" aria-label={title} data-testid={testId}>
      <h2 className="panel__title">{title}</h2>
      {children}
    </section>
  );
}

export function UptimePanel({ uptime }: { uptime: FleetOverview['uptime'] }) {
  const now = useNow();
  const spans = [
    ['24 h', uptime.h24, SPAN_MS.h24],
    ['7 d', uptime.d7, SPAN_MS.d7],
    ['30 d', uptime.d30, SPAN_MS.d30],
  ] as const;
  return (
    <Panel title="Uptime" testId="overview-uptime">
      <dl className="uptime-figures">
        {spans.map(([label, value, spanMs]) => (
          <div key={label} className="uptime-figure">
            <dt>{label}</dt>
            <dd data-testid={`uptime-${label.replace(' ', '')}`}>{formatUptimeOver(value, spanMs, uptime.since, now)}</dd>
          </div>
        ))}
      </dl>
    </Panel>
  );
}

export function OpenIncidentsPanel({ incidents }: { incidents: FleetOverview['openIncidents'] }) {
  return (
    <Panel title={`Open incidents (${incidents.length})`} testId="overview-incidents">
      {incidents.length === 0 ? (
        <p className="muted">No open incidents.</p>
      ) : (
        <ul className="incident-list incident-list--compact">
          {incidents.map((incident) => (
            <IncidentItem key={incident.id} incident={incident} />
          ))}
        </ul>
      )}
      <a href="#/incidents" className="panel__more">
        All incidents
      </a>
    </Panel>
  );
}

function Ranked({ rows, empty }: { rows: { serverId: string; name: string; value: string; title?: string }[]; empty: string }) {
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="ranked">
      {rows.map((row) => (
        <li key={`${row.serverId}-${row.value}`} className="ranked__row" title={row.title}>
          <a href={serverHealthHref(row.serverId)}>{row.name}</a>
          <span className="ranked__value">{row.value}</span>
        </li>
      ))}
    </ol>
  );
}

export function SlowestPanel({ slowest }: { slowest: FleetOverview['slowest'] }) {
  return (
    <Panel title="Slowest" testId="overview-slowest">
      <Ranked rows={slowest.map((row) => ({ serverId: row.serverId, name: row.name, value: formatLatency(row.latencyMs) }))} empty="No latency measured yet." />
    </Panel>
  );
}

export function FlakiestPanel({ flakiest }: { flakiest: FleetOverview['flakiest'] }) {
  return (
    <Panel title="Flakiest (7 days)" testId="overview-flakiest">
      <Ranked
        rows={flakiest.map((row) => ({
          serverId: row.serverId,
          name: row.name,
          value: `${plural(row.incidents, 'incident', 'incidents')} · ${plural(row.failures, 'failure', 'failures')}`,
        }))}
        empty="No incidents in the last 7 days."
      />
    </Panel>
  );
}

export function CertificatesPanel({ certificates }: { certificates: FleetOverview['certificates'] }) {
  return (
    <Panel title="Certificates expiring soonest" testId="overview-certificates">
      <Ranked
        rows={certificates.map((cert) => ({
          serverId: cert.serverId,
          name: `${cert.name} (${cert.subject})`,
          value: cert.daysLeft < 0 ? 'expired' : plural(cert.daysLeft, 'day', 'days'),
          title: `Valid until ${formatDateTime(cert.validTo)}`,
        }))}
        empty="No certificates seen yet: tls and https checks report them."
      />
    </Panel>
  );
}
