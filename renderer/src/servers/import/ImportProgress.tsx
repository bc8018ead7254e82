import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { isFinished } from '../../../../shared/api/jobs';
import { useMethodMutation } from '../../api/hooks';
import { invalidateDomain } from '../../api/query-keys';
import { useJob } from '../../jobs/use-job';
import { toast } from '../../state/toast-store';
import { formatCount } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { ImportSummaryView } from './ImportSummaryView';

interface ImportProgressProps {
  jobId: string;
  fileName: string;
  onAgain(): void;
  onClose(): void;
}

/** Step two: the job's progress while it runs, then its summary. */
export function ImportProgress({ jobId, fileName, onAgain, onClose }: ImportProgressProps) {
  const job = useJob(jobId).data;
  const cancel = useMethodMutation('jobs.cancel');
  const queryClient = useQueryClient();
  const finished = job ? isFinished(job) : false;
  const announced = useRef(false);
  const doneButton = useRef<HTMLButtonElement>(null);

  // The server also sends servers.changed; this refresh covers a stream that dropped it.
  useEffect(() => {
    if (!finished || announced.current) return;
    announced.current = true;
    doneButton.current?.focus();
    void invalidateDomain(queryClient, 'servers');
  }, [finished, queryClient]);

  if (job && finished) {
    return (
      <>
        <div className="dialog__body">
          <ImportSummaryView job={job} />
        </div>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onAgain}>
            Import another file
          </button>
          <button type="button" className="button button--primary" onClick={onClose} ref={doneButton}>
            Done
          </button>
        </footer>
      </>
    );
  }

  const leave = () => {
    toast.info('The import continues in the background', 'Follow it on the Jobs page.');
    onClose();
  };

  return (
    <>
      <div className="dialog__body" aria-live="polite">
        <p>
          Importing <strong>{fileName}</strong>
        </p>
        <ProgressBar done={job?.done ?? 0} total={job?.total ?? null} label="Import progress" />
        <p className="muted" data-testid="import-progress-text">
          {job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} rows` : 'Reading the file…'}
        </p>
        {cancel.error ? (
          <div className="banner banner--error" role="alert">
            <p>{cancel.error.message}</p>
            <p className="banner__hint">{cancel.error.hint}</p>
          </div>
        ) : null}
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={leave}>
          Close
        </button>
        <button
          type="button"
          className="button button--danger"
          onClick={() => cancel.mutate({ id: jobId })}
          disabled={cancel.isPending || cancel.isSuccess}
        >
          {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel import'}
        </button>
      </footer>
    </>
  );
}
