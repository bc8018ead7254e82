import { useState, type FormEvent } from 'react';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { JobProgress } from '../jobs/JobProgress';
import { useSeedJob } from '../jobs/use-job';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { formatCount } from '../ui/format';
import { VerifyOutcome } from './VerifyVerdict';

interface VerifyDialogProps {
  onClose(): void;
  /** Show an event (the one where the chain broke) in the page's drawer. */
  onOpenEvent(seq: number): void;
}

function VerifyStart({ onClose, onStarted }: { onClose(): void; onStarted(jobId: string): void }) {
  const [expectHead, setExpectHead] = useState('');
  const verify = useMethodMutation('audit.verify');
  const seedJob = useSeedJob();
  const fieldError = issueOn(verify.error, 'expectHead');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const kept = expectHead.trim();
    verify.mutate(kept ? { expectHead: kept } : {}, {
      onSuccess: (job) => {
        seedJob(job);
        onStarted(job.id);
      },
    });
  };

  return (
    <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={verify.isPending}>
      <p>Guardian walks the whole hash chain and names the first event that was edited, removed, reordered or re-hashed.</p>
      <Field
        label="Expected head hash (optional)"
        help="A head hash you kept elsewhere: the verdict also says whether the chain still holds it."
        error={fieldError}
        testId="verify-expect-head"
      >
        {(control) => (
          <input
            {...control}
            className="input mono"
            value={expectHead}
            onChange={(event) => setExpectHead(event.target.value)}
            placeholder="64 hex digits"
            spellCheck={false}
            autoComplete="off"
          />
        )}
      </Field>
      {fieldError ? null : <ErrorBanner error={verify.error} />}
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={verify.isPending} data-autofocus>
          {verify.isPending ? 'Starting…' : 'Verify'}
        </button>
      </footer>
    </form>
  );
}

/** Verify the audit chain: optionally against a kept head hash, with progress, then the verdict. */
export function VerifyDialog({ onClose, onOpenEvent }: VerifyDialogProps) {
  const [jobId, setJobId] = useState<string | null>(null);
  return (
    <Dialog title="Verify the audit log" onClose={onClose} size="large" testId="verify-dialog">
      {jobId === null ? (
        <VerifyStart onClose={onClose} onStarted={setJobId} />
      ) : (
        <JobProgress
          key={jobId}
          jobId={jobId}
          onClose={onClose}
          progressLabel="Verification progress"
          progressTestId="verify-progress"
          describe={(job) => (job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} events checked` : 'Starting…')}
          textTestId="verify-progress-text"
          cancelLabel="Stop verifying"
          cancellingLabel="Stopping…"
          background={{ title: 'Verification continues in the background', detail: 'Follow it on the Jobs page.' }}
          onFinished={() => undefined}
          outcome={(job) => (
            <VerifyOutcome
              job={job}
              onOpenEvent={(seq) => {
                onOpenEvent(seq);
                onClose();
              }}
            />
          )}
          finishedActions={
            <button type="button" className="button" onClick={() => setJobId(null)}>
              Verify again
            </button>
          }
        />
      )}
    </Dialog>
  );
}
