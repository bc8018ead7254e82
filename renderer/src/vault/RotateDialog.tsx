import { useState } from 'react';
import { useMethodMutation } from '../api/hooks';
import { useSeedJob } from '../jobs/use-job';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { RotationProgress } from './RotationProgress';

interface RotateDialogProps {
  /** Finish an interrupted rotation rather than start one. */
  resume: boolean;
  /** A rotation already running: follow it. */
  jobId?: string | undefined;
  onClose(): void;
}

/** Replacing the data key: what it does, then the job's progress and result. */
export function RotateDialog({ resume, jobId: running, onClose }: RotateDialogProps) {
  const [jobId, setJobId] = useState<string | undefined>(running);
  const rotate = useMethodMutation('vault.rotate');
  const seedJob = useSeedJob();

  const start = () =>
    rotate.mutate(
      {},
      {
        onSuccess: (job) => {
          seedJob(job);
          setJobId(job.id);
        },
      },
    );

  return (
    <Dialog title={resume ? 'Resume the rotation' : 'Rotate the data key'} onClose={onClose} testId="rotate-dialog">
      {jobId ? (
        <RotationProgress jobId={jobId} onClose={onClose} />
      ) : (
        <>
          <div className="dialog__body">
            <p>
              {resume
                ? 'The last rotation stopped before every secret was re-encrypted. Resuming finishes it with the same new key.'
                : 'A new data key is made and every secret is re-encrypted with it, in batches. Do it when someone who could read the vault leaves, or on a schedule.'}
            </p>
            <p className="muted">
              The vault stays usable meanwhile. If Guardian stops halfway, nothing is lost: every secret stays readable and the rotation can be resumed. Key
              slots and passphrases do not change.
            </p>
            <ErrorBanner error={rotate.error} testId="rotate-error" />
          </div>
          <footer className="dialog__footer">
            <button type="button" className="button" onClick={onClose} data-autofocus>
              Cancel
            </button>
            <button type="button" className="button button--primary" onClick={start} disabled={rotate.isPending}>
              {rotate.isPending ? 'Starting…' : resume ? 'Resume rotation' : 'Rotate data key'}
            </button>
          </footer>
        </>
      )}
    </Dialog>
  );
}
