import type { Job } from '@shared/api/jobs';

const LABELS: Record<Job['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function JobStatus({ status }: { status: Job['status'] }) {
  return <span className={`badge badge--${status}`}>{LABELS[status]}</span>;
}
