import type { ScheduleRun } from '@shared/api/schedules';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { RunOutcome } from './RunOutcome';

export const RUNS_SHOWN = 20;
const RUNNING_POLL_MS = 2_000;

function took(run: ScheduleRun): string {
  if (run.finishedAt === null) return '—';
  const seconds = Math.max(0, Math.round((run.finishedAt - run.startedAt) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** One schedule's history, newest first. */
export function ScheduleRuns({ scheduleId, name }: { scheduleId: string; name: string }) {
  const runs = useMethodQuery(
    'schedules.runs',
    { id: scheduleId, limit: RUNS_SHOWN },
    { refetchInterval: (query) => (query.state.data?.items.some((run) => run.outcome === 'running') ? RUNNING_POLL_MS : false) },
  );
  if (runs.isPending) return <LoadingState spinner={false}>Loading the history…</LoadingState>;
  if (runs.isError) return <ErrorState error={runs.error} what={`the history of ${name}`} onRetry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0) return <p className="muted schedule-runs__empty">{name} has not run yet.</p>;
  return (
    <table className="simple-table schedule-runs" aria-label={`Runs of ${name}`} data-testid="schedule-runs">
      <thead>
        <tr>
          <th scope="col">Due</th>
          <th scope="col">Started</th>
          <th scope="col">How</th>
          <th scope="col">Outcome</th>
          <th scope="col" className="simple-table__num">
            Took
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.data.items.map((run) => (
          <tr key={run.id} data-testid="schedule-run">
            <td>{formatDateTime(run.dueAt)}</td>
            <td title={formatDateTime(run.startedAt)}>{formatRelative(run.startedAt)}</td>
            <td>{run.trigger === 'manual' ? 'Run now' : run.caughtUp ? 'Caught up at start' : 'On schedule'}</td>
            <td>
              <RunOutcome run={run} />
            </td>
            <td className="simple-table__num">{took(run)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
