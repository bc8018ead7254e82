import { isFinished, type Job } from '../../../shared/api/jobs';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { EmptyState, LoadingState, PageHeader } from '../ui/PageParts';
import { ProgressBar } from '../ui/ProgressBar';
import { JobStatus } from './JobStatus';

const RECENT_JOBS = 50;
/** Fallback refresh while something runs, in case progress events do not arrive. */
const RUNNING_POLL_MS = 2_000;

function duration(job: Job): string {
  if (job.startedAt === null) return '—';
  const end = job.finishedAt ?? Date.now();
  const seconds = Math.max(0, Math.round((end - job.startedAt) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

function JobRow({ job }: { job: Job }) {
  const cancel = useMethodMutation('jobs.cancel');
  const running = !isFinished(job);
  return (
    <tr data-testid="job-row">
      <td>
        <div className="job__title">{job.title}</div>
        {job.error ? <div className="job__error">{job.error.message}</div> : null}
      </td>
      <td className="mono muted">{job.kind}</td>
      <td>
        <JobStatus status={job.status} />
      </td>
      <td>
        <div className="job__progress">
          <ProgressBar done={job.done} total={job.total ?? (running ? null : job.done)} label={`Progress of ${job.title}`} />
          <span className="muted">{job.total !== null ? `${job.done} / ${job.total}` : job.done}</span>
        </div>
      </td>
      <td title={formatDateTime(job.createdAt)}>{formatRelative(job.createdAt)}</td>
      <td className="simple-table__num">{duration(job)}</td>
      <td className="simple-table__actions">
        {running ? (
          <button
            type="button"
            className="button button--small"
            aria-label={`Cancel ${job.title}`}
            disabled={cancel.isPending}
            onClick={() =>
              cancel.mutate({ id: job.id }, { onSuccess: () => toast.success(`Cancelling ${job.title}`), onError: (e) => toast.error(e) })
            }
          >
            Cancel
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** Recent long-running work (imports, for now) with live progress and cancel. */
export function JobsPage() {
  const jobs = useMethodQuery(
    'jobs.list',
    { limit: RECENT_JOBS },
    { refetchInterval: (query) => (query.state.data?.items.some((job) => !isFinished(job)) ? RUNNING_POLL_MS : false) },
  );

  return (
    <div className="page">
      <PageHeader title="Jobs">
        <span className="page__count">Most recent {RECENT_JOBS}</span>
      </PageHeader>
      <div className="page__content page__content--scroll">
        {jobs.isPending ? (
          <LoadingState spinner={false}>Loading jobs…</LoadingState>
        ) : jobs.isError ? (
          <ErrorState error={jobs.error} what="the jobs" onRetry={() => void jobs.refetch()} />
        ) : jobs.data.items.length === 0 ? (
          <EmptyState title="No jobs yet">
            <p className="state__text">Imports and other long tasks appear here with their progress.</p>
          </EmptyState>
        ) : (
          <table className="simple-table simple-table--jobs" aria-label="Jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
                <th scope="col" className="simple-table__num">
                  Took
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.items.map((job) => (
                <JobRow key={job.id} job={job} />
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
