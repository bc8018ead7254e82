import { keepPreviousData } from '@tanstack/react-query';
import { useState } from 'react';
import { useMethodQuery } from '../../api/hooks';
import { ErrorState } from '../../ui/ErrorState';
import { formatCount, plural } from '../../ui/format';
import { EmptyState, LoadingState, PageHeader } from '../../ui/PageParts';
import { IncidentIcon } from '../icons';
import { IncidentItem } from './IncidentItem';

const PAGE = 100;
type Show = 'all' | 'open' | 'resolved';
const SHOW_LABELS: Record<Show, string> = { all: 'All', open: 'Open', resolved: 'Resolved' };

function openInput(show: Show): { open?: boolean } {
  return show === 'all' ? {} : { open: show === 'open' };
}

/** Every incident, open ones first, then the newest; acknowledge from here. */
export function IncidentsPage() {
  const [show, setShow] = useState<Show>('all');
  const [limit, setLimit] = useState(PAGE);
  const incidents = useMethodQuery('incidents.list', { ...openInput(show), limit }, { placeholderData: keepPreviousData });
  const openCount = useMethodQuery('incidents.list', { open: true, limit: 1 });
  const data = incidents.data;

  return (
    <div className="page">
      <PageHeader title="Incidents">
        {openCount.data ? (
          <span className="page__count" data-testid="open-incident-count">
            {plural(openCount.data.total, 'open incident', 'open incidents')}
          </span>
        ) : null}
        {incidents.isFetching && data ? <span className="spinner" role="status" aria-label="Refreshing" /> : null}
      </PageHeader>
      <div className="segmented" role="group" aria-label="Show">
        {(Object.keys(SHOW_LABELS) as Show[]).map((value) => (
          <button
            key={value}
            type="button"
            className="segmented__option"
            aria-pressed={show === value}
            onClick={() => {
              setShow(value);
              setLimit(PAGE);
            }}
          >
            {SHOW_LABELS[value]}
          </button>
        ))}
      </div>
      <div className="page__content page__content--scroll">
        {incidents.isPending ? (
          <LoadingState>Loading incidents…</LoadingState>
        ) : incidents.isError && !data ? (
          <ErrorState error={incidents.error} what="the incidents" onRetry={() => void incidents.refetch()} />
        ) : data && data.items.length === 0 ? (
          <EmptyState title={show === 'resolved' ? 'No resolved incidents' : 'No incidents'} testId="incidents-empty" icon={<IncidentIcon />}>
            <p className="state__text">An incident opens when a server goes down or degraded, and resolves when it is back up.</p>
          </EmptyState>
        ) : data ? (
          <>
            <ul className="incident-list" data-testid="incident-list">
              {data.items.map((incident) => (
                <IncidentItem key={incident.id} incident={incident} />
              ))}
            </ul>
            {data.total > data.items.length ? (
              <div className="form__inline">
                <button type="button" className="button" onClick={() => setLimit((current) => Math.min(1000, current + PAGE))} disabled={limit >= 1000}>
                  Show more
                </button>
                <span className="muted">
                  {formatCount(data.items.length)} of {formatCount(data.total)}
                </span>
              </div>
            ) : null}
          </>
        ) : null}
      </div>
    </div>
  );
}
