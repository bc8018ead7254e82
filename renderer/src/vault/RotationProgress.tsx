import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { z } from 'zod';
import { isFinished, type Job } from '../../../shared/api/jobs';
import { useMethodMutation } from '../api/hooks';
import { invalidateMethod } from '../api/query-keys';
import { useJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';

/** What a 'vault.rotate' job reports when it ends. */
const RotationResult = z.object({ reSealed: z.number().int(), finished: z.boolean() });

function Outcome({ job }: { job: Job }) {
  const result = RotationResult.safeParse(job.result);
  if (job.status === 'failed') {
    return job.error ? <ErrorBanner error={job.error} testId="rotation-error" /> : <p role="alert">The rotation failed.</p>;
  }
  if (result.success && result.data.finished) {
    return (
      <div className="banner banner--good" role="status" data-testid="rotation-result">
        <p>{plural(result.data.reSealed, 'secret re-sealed', 'secrets re-sealed')}</p>
        <p className="banner__hint">Every secret is now encrypted with the new data key; the old one is gone.</p>
      </div>
    );
  }
  return (
    <div className="banner banner--warn" role="status" data-testid="rotation-result">
      <p>Stopped after {plural(result.success ? result.data.reSealed : job.done, 'secret re-sealed', 'secrets re-sealed')}.</p>
      <p className="banner__hint">Every secret can still be read. Resume the rotation from the Vault page to finish it.</p>
    </div>
  );
}

/** A rotation job: its progress while it runs, then how it ended. */
export function RotationProgress({ jobId, onClose }: { jobId: string; onClose(): void }) {
  const job = useJob(jobId).data;
  const cancel = useMethodMutation('jobs.cancel');
  const queryClient = useQueryClient();
  const finished = job ? isFinished(job) : false;
  const doneButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!finished) return;
    doneButton.current?.focus();
    void invalidateMethod(queryClient, 'vault.status');
  }, [finished, queryClient]);

  if (job && finished) {
    return (
      <>
        <div className="dialog__body">
          <Outcome job={job} />
        </div>
        <footer className="dialog__footer">
          <button type="button" className="button button--primary" onClick={onClose} ref={doneButton}>
            Done
          </button>
        </footer>
      </>
    );
  }

  const leave = () => {
    toast.info('The rotation continues in the background', 'Follow it on the Vault or Jobs page.');
    onClose();
  };

  return (
    <>
      <div className="dialog__body" aria-live="polite">
        <ProgressBar done={job?.done ?? 0} total={job?.total ?? null} label="Rotation progress" testId="rotation-progress" />
        <p className="muted" data-testid="rotation-progress-text">
          {job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} secrets re-sealed` : 'Starting…'}
        </p>
        <ErrorBanner error={cancel.error} testId="rotation-cancel-error" />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={leave}>
          Close
        </button>
        <button type="button" className="button button--danger" onClick={() => cancel.mutate({ id: jobId })} disabled={cancel.isPending || cancel.isSuccess}>
          {cancel.isPending || cancel.isSuccess ? 'Stopping…' : 'Stop rotation'}
        </button>
      </footer>
    </>
  );
}
