import type { OperationRun } from '@shared/api/operations';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { formatCount, formatDateTime, formatRelative } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { useOperationsView } from './operations-store';
import { runBadge, runbookOf, TARGET_GLYPHS } from './states';
import { useActorName } from './use-actor-name';

/** Runs listed, newest first. */
export const HISTORY_LIMIT = 50;

/** The counts worth a glance in a list: how many succeeded, and how many did not. */
function CountsCell({ run }: { run: OperationRun }) {
  const total = Object.values(run.counts).reduce((sum, count) => sum + count, 0);
  const bad = run.counts.failed + run.counts['timed-out'];
  const other = run.counts.cancelled + run.counts.skipped;
  return (
    <span className="op-history__counts">
      <span className="target-state target-state--succeeded">
        <span aria-hidden="true">{TARGET_GLYPHS.succeeded}</span> {formatCount(run.counts.succeeded)} of {formatCount(total)} succeeded
      </span>
      {bad > 0 ? (
        <span className="target-state target-state--failed">
          <span aria-hidden="true">{TARGET_GLYPHS.failed}</span> {formatCount(bad)} failed
        </span>
      ) : null}
      {other > 0 ? (
        <span className="target-state target-state--cancelled">
          <span aria-hidden="true">{TARGET_GLYPHS.cancelled}</span> {formatCount(other)} not run
        </span>
      ) : null}
    </span>
  );
}

/** Past and running runs, newest first: what ran, how it went, who ran it and when; a click opens one. */
export function RunHistory() {
  const runs = useMethodQuery('operations.runs', { limit: HISTORY_LIMIT });
  const runId = useOperationsView((state) => state.runId);
  const openRun = useOperationsView((state) => state.openRun);
  const actorName = useActorName();
  if (runs.isPending) return <LoadingState spinner={false}>Loading runs…</LoadingState>;
  if (runs.isError) return <ErrorState error={runs.error} what="the runs" onRetry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0) {
    return (
      <p className="muted" data-testid="history-empty">
        No command has been run yet.
      </p>
    );
  }
  return (
    <table className="simple-table op-history" aria-label="Runs" data-testid="history-table">
      <thead>
        <tr>
          <th scope="col">What ran</th>
          <th scope="col">Status</th>
          <th scope="col">Targets</th>
          <th scope="col">By</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {runs.data.items.map((run) => {
          const badge = runBadge(run);
          const runbook = runbookOf(run);
          const what = runbook ? `Runbook ${runbook}` : run.command;
          return (
            <tr key={run.id} data-testid="history-row" data-status={run.status} aria-current={run.id === runId ? 'true' : undefined}>
              <td>
                <button type="button" className="op-open" onClick={() => openRun(run.id)} aria-label={`Open the run of ${what}`}>
                  {what}
                </button>
              </td>
              <td>
                <span className={`badge badge--${badge.tone}`}>{badge.label}</span>
              </td>
              <td>
                <CountsCell run={run} />
              </td>
              <td>{actorName(run.createdBy)}</td>
              <td title={formatDateTime(run.createdAt)}>{formatRelative(run.createdAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
