import { hasArtifact, isFinished, type Job } from '@shared/api/jobs';
import { PERMISSIONS, type Permission } from '@shared/permissions';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { EmptyState, LoadingState } from '../ui/PageParts';
import { ProgressBar } from '../ui/ProgressBar';
import { ArtifactActions } from './ArtifactActions';
import { JobStatus } from './JobStatus';

export const RECENT_JOBS = 50;
/** Fallback refresh while something runs, in case progress events do not arrive. */
const RUNNING_POLL_MS = 2_000;

function duration(job: Job): string {
  if (job.startedAt === null) return '—';
  const end = job.finishedAt ?? Date.now();
  const seconds = Math.max(0, Math.round((end - job.startedAt) / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
}

/** The one-line summary some results carry (a verification's verdict, for one). */
function summaryOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const summary: unknown = Reflect.get(result, 'summary');
  return typeof summary === 'string' && summary !== '' ? summary : null;
}

const isPermission = (name: string): name is Permission => (PERMISSIONS as readonly string[]).includes(name);

function JobFile({ job }: { job: Job }) {
  const can = useCan();
  if (job.status !== 'succeeded' || !hasArtifact(job.result)) return null;
  const { artifact } = job.result;
  // The file needs the permission the job needed; a role without it would only get an error.
  if (isPermission(artifact.permission) && !can(artifact.permission)) return null;
  return <ArtifactActions jobId={job.id} artifact={artifact} compact />;
}

function JobRow({ job }: { job: Job }) {
  const cancel = useMethodMutation('jobs.cancel');
  const running = !isFinished(job);
  const summary = summaryOf(job.result);
  return (
    <tr data-testid="job-row">
      <td>
        <div className="job__title">{job.title}</div>
        {job.error ? <div className="job__error">{job.error.message}</div> : null}
        {summary ? <div className="muted job__summary">{summary}</div> : null}
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
            onClick={() => cancel.mutate({ id: job.id }, { onSuccess: () => toast.success(`Cancelling ${job.title}`), onError: (e) => toast.error(e) })}
          >
            Cancel
          </button>
        ) : (
          <JobFile job={job} />
        )}
      </td>
    </tr>
  );
}

/** Recent long-running work with live progress, cancel, how it ended and the file it made. */
export function RecentJobs() {
  const jobs = useMethodQuery(
    'jobs.list',
    { limit: RECENT_JOBS },
    { refetchInterval: (query) => (query.state.data?.items.some((job) => !isFinished(job)) ? RUNNING_POLL_MS : false) },
  );

  if (jobs.isPending) return <LoadingState spinner={false}>Loading jobs…</LoadingState>;
  if (jobs.isError) return <ErrorState error={jobs.error} what="the jobs" onRetry={() => void jobs.refetch()} />;
  if (jobs.data.items.length === 0) {
    return (
      <EmptyState title="No jobs yet">
        <p className="state__text">Imports, exports, reports and other long tasks appear here with their progress.</p>
      </EmptyState>
    );
  }
  return (
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
  );
}
