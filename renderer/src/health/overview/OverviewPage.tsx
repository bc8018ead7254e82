import { useMemo } from 'react';
import type { FleetOverview } from '@shared/api/health';
import { useCan } from '../../auth/session';
import { ErrorState } from '../../ui/ErrorState';
import { formatCount, plural } from '../../ui/format';
import { EmptyState, LoadingState, PageHeader } from '../../ui/PageParts';
import { OverviewIcon } from '../icons';
import { useFleetOverview } from '../use-fleet-overview';
import { BacklogBanner } from './BacklogBanner';
import { gridOrder } from './grid-layout';
import { useOverviewFilters, overviewInput } from './overview-filters-store';
import { OverviewFilters } from './OverviewFilters';
import { CertificatesPanel, FlakiestPanel, OpenIncidentsPanel, SlowestPanel, UptimePanel } from './OverviewPanels';
import { StatusCounts } from './StatusCounts';
import { StatusGrid } from './StatusGrid';

const AGGREGATES_REFRESH_MS = 120_000;

function NoChecks({ noServers, mayWrite }: { noServers: boolean; mayWrite: boolean }) {
  if (noServers) {
    return (
      <EmptyState title="No servers yet" testId="overview-empty" icon={<OverviewIcon />}>
        <p className="state__text">
          The overview shows the health of every server.{' '}
          {mayWrite ? 'Add your servers first, then give each a check.' : 'Servers appear once an owner, admin or operator adds them.'}
        </p>
        <a className="button button--primary" href="#/servers">
          Go to servers
        </a>
      </EmptyState>
    );
  }
  return (
    <EmptyState title="Nothing is watched yet" testId="overview-empty" icon={<OverviewIcon />}>
      <p className="state__text">
        {mayWrite
          ? 'Open a server (click its cell below) and choose Add check: a TCP port, an HTTP(S) URL, a certificate, DNS, SSH or a game server. Guardian then checks it on its interval and tells you when it goes down.'
          : 'No server has a check yet. An owner, admin or operator adds them from a server’s health page.'}
      </p>
    </EmptyState>
  );
}

function Fleet({ overview }: { overview: FleetOverview }) {
  const statuses = useOverviewFilters((state) => state.statuses);
  const sort = useOverviewFilters((state) => state.sort);
  const mayWrite = useCan()('servers:write');
  const shown = useMemo(() => {
    const matching = statuses.length ? overview.servers.filter((server) => statuses.includes(server.status)) : overview.servers;
    return gridOrder(matching, sort);
  }, [overview.servers, statuses, sort]);
  const checks = useMemo(() => overview.servers.reduce((sum, server) => sum + server.checks, 0), [overview.servers]);

  return (
    <>
      <BacklogBanner backlog={overview.schedule} />
      <StatusCounts counts={overview.counts} />
      {checks === 0 ? <NoChecks noServers={overview.servers.length === 0} mayWrite={mayWrite} /> : null}
      <div className="overview">
        <section className="overview__grid panel" aria-label="Servers">
          <h2 className="panel__title">
            Servers{' '}
            <span className="muted">
              {shown.length === overview.servers.length ? formatCount(shown.length) : `${formatCount(shown.length)} of ${formatCount(overview.servers.length)}`}
            </span>
          </h2>
          {shown.length > 0 ? <StatusGrid servers={shown} /> : <p className="muted">No server has the chosen status.</p>}
        </section>
        <div className="overview__side">
          <OpenIncidentsPanel incidents={overview.openIncidents} />
          <UptimePanel uptime={overview.uptime} />
          <SlowestPanel slowest={overview.slowest} />
          <FlakiestPanel flakiest={overview.flakiest} />
          <CertificatesPanel certificates={overview.certificates} />
        </div>
      </div>
    </>
  );
}

/** The home page: the whole fleet's health at a glance, kept live by the engine's events. */
export function OverviewPage() {
  const environment = useOverviewFilters((state) => state.environment);
  const tags = useOverviewFilters((state) => state.tags);
  // Statuses and incidents arrive as events; uptime and the rankings move slowly and are
  // refreshed every couple of minutes instead.
  const overview = useFleetOverview(overviewInput(environment, tags), AGGREGATES_REFRESH_MS);
  const data = overview.data;
  const bad = data ? (data.counts.down ?? 0) + (data.counts.degraded ?? 0) : 0;

  return (
    <div className="page">
      <PageHeader title="Overview">
        {data ? (
          <span className="page__count" aria-live="polite" data-testid="overview-summary">
            {plural(data.servers.length, 'server', 'servers')}
            {bad > 0 ? <span className="overview__bad"> · {formatCount(bad)} need attention</span> : null}
          </span>
        ) : null}
        {overview.isFetching && data ? <span className="spinner" role="status" aria-label="Refreshing" /> : null}
      </PageHeader>
      <OverviewFilters />
      <div className="page__content page__content--scroll">
        {overview.isPending ? (
          <LoadingState>Loading the fleet…</LoadingState>
        ) : overview.isError && !data ? (
          <ErrorState error={overview.error} what="the overview" onRetry={() => void overview.refetch()} />
        ) : data ? (
          <Fleet overview={data} />
        ) : null}
      </div>
    </div>
  );
}
