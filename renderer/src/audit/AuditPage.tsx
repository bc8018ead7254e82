import { useMemo, useState } from 'react';
import { useCan } from '../auth/session';
import { ErrorState } from '../ui/ErrorState';
import { plural } from '../ui/format';
import { EmptyState, LoadingState, PageHeader } from '../ui/PageParts';
import { useDebouncedValue } from '../ui/use-debounced-value';
import { filterInput, isFiltered } from './audit-filter';
import { useAuditView } from './audit-filter-store';
import { AuditEventDrawer } from './AuditEventDrawer';
import { AuditExportMenu } from './AuditExportMenu';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { ExportDialog } from './ExportDialog';
import type { AuditExportFormat } from './export-formats';
import { RetentionDialog } from './RetentionDialog';
import { useAuditPages } from './use-audit-pages';
import { VerifyDialog } from './VerifyDialog';
import './audit.css';

export const FILTER_DEBOUNCE_MS = 250;

type AuditDialog = { kind: 'verify' } | { kind: 'export'; jobId: string; format: AuditExportFormat } | { kind: 'retention' };

/** Who did what, when, to what, and did it work: the audit log, filtered, with verify, export and retention. */
export function AuditPage() {
  const form = useAuditView((state) => state.form);
  const selectedSeq = useAuditView((state) => state.selectedSeq);
  const select = useAuditView((state) => state.select);
  const mayAdminister = useCan()('audit:admin');
  const [dialog, setDialog] = useState<AuditDialog | null>(null);
  const settledForm = useDebouncedValue(form, FILTER_DEBOUNCE_MS);
  const filter = useMemo(() => filterInput(settledForm), [settledForm]);
  const filtered = isFiltered(settledForm);
  const pages = useAuditPages(filter);
  const events = useMemo(() => pages.data?.pages.flatMap((page) => page.items) ?? [], [pages.data]);
  const close = () => setDialog(null);

  return (
    <>
      <div className="page audit-page" inert={dialog !== null}>
        <PageHeader
          title="Audit log"
          actions={
            <>
              <button type="button" className="button" onClick={() => void pages.refetch()} disabled={pages.isFetching}>
                Refresh
              </button>
              <AuditExportMenu filter={filter} filtered={filtered} onStarted={(jobId, format) => setDialog({ kind: 'export', jobId, format })} />
              {mayAdminister ? (
                <button type="button" className="button" onClick={() => setDialog({ kind: 'retention' })}>
                  Retention
                </button>
              ) : null}
              <button type="button" className="button button--primary" onClick={() => setDialog({ kind: 'verify' })}>
                Verify
              </button>
            </>
          }
        >
          {pages.data ? (
            <span className="page__count" data-testid="audit-count" aria-live="polite">
              {plural(events.length, 'event', 'events')}
              {pages.hasNextPage ? ' loaded' : ''}
              {filtered ? <span className="muted"> matching the filters</span> : null}
            </span>
          ) : null}
          {pages.isFetching && pages.data ? <span className="spinner" role="status" aria-label="Refreshing" /> : null}
        </PageHeader>
        <AuditFilters />
        <div className={`audit-page__content${selectedSeq !== null ? ' audit-page__content--drawer' : ''}`}>
          <div className="audit-page__list">
            {pages.isPending ? (
              <LoadingState>Loading the audit log…</LoadingState>
            ) : pages.isError && !pages.data ? (
              <ErrorState error={pages.error} what="the audit log" onRetry={() => void pages.refetch()} />
            ) : events.length === 0 ? (
              <EmptyState title={filtered ? 'No events match' : 'No events yet'} testId="audit-empty">
                <p className="state__text">
                  {filtered ? 'Nothing in the audit log matches these filters.' : 'Changes, sign-ins and jobs are recorded here as they happen.'}
                </p>
              </EmptyState>
            ) : (
              <>
                <AuditTable events={events} selectedSeq={selectedSeq} onOpen={select} />
                <div className="audit-page__more">
                  {pages.hasNextPage ? (
                    <button type="button" className="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
                      {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
                    </button>
                  ) : (
                    <span className="muted">{filtered ? 'End of the matching events.' : 'This is the oldest event kept.'}</span>
                  )}
                </div>
              </>
            )}
          </div>
          {selectedSeq !== null ? <AuditEventDrawer key={selectedSeq} seq={selectedSeq} onClose={() => select(null)} /> : null}
        </div>
      </div>
      {dialog?.kind === 'verify' ? <VerifyDialog onClose={close} onOpenEvent={select} /> : null}
      {dialog?.kind === 'export' ? <ExportDialog jobId={dialog.jobId} format={dialog.format} filtered={filtered} onClose={close} /> : null}
      {dialog?.kind === 'retention' ? <RetentionDialog onClose={close} /> : null}
    </>
  );
}
