import { invalidateDomain } from '../../api/query-keys';
import { JobProgress } from '../../jobs/JobProgress';
import { formatCount } from '../../ui/format';
import { ImportSummaryView } from './ImportSummaryView';

interface ImportProgressProps {
  jobId: string;
  fileName: string;
  onAgain(): void;
  onClose(): void;
}

/** Step two: the job's progress while it runs, then its summary. */
export function ImportProgress({ jobId, fileName, onAgain, onClose }: ImportProgressProps) {
  return (
    <JobProgress
      jobId={jobId}
      onClose={onClose}
      intro={
        <p>
          Importing <strong>{fileName}</strong>
        </p>
      }
      progressLabel="Import progress"
      describe={(job) => (job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} rows` : 'Reading the file…')}
      textTestId="import-progress-text"
      cancelLabel="Cancel import"
      cancellingLabel="Cancelling…"
      background={{ title: 'The import continues in the background', detail: 'Follow it on the Jobs page.' }}
      // The server also sends servers.changed; this refresh covers a stream that dropped it.
      onFinished={(queryClient) => void invalidateDomain(queryClient, 'servers')}
      outcome={(job) => <ImportSummaryView job={job} />}
      finishedActions={
        <button type="button" className="button" onClick={onAgain}>
          Import another file
        </button>
      }
    />
  );
}
