import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { isFinished, type Job } from '@shared/api/jobs';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ProgressBar } from '../ui/ProgressBar';
import { useJob } from './use-job';

interface JobProgressProps {
  jobId: string;
  onClose(): void;
  /** Shown above the bar while the job runs. */
  intro?: ReactNode;
  progressLabel: string;
  progressTestId?: string;
  /** The line under the bar; the job is undefined until it is first read. */
  describe(job: Job | undefined): string;
  textTestId: string;
  cancelErrorTestId?: string;
  cancelLabel: string;
  cancellingLabel: string;
  /** The toast shown when the dialog closes while the job still runs. */
  background: { title: string; detail: string };
  /** Runs once, when the job finishes (to refresh what it changed). */
  onFinished(queryClient: QueryClient): void;
  /** How the job ended. */
  outcome(job: Job): ReactNode;
  /** Buttons before Done once the job has finished. */
  finishedActions?: ReactNode;
}

/** A job in a dialog: its progress while it runs (Close leaves it running, Cancel stops it), then how it ended. */
export function JobProgress({
  jobId,
  onClose,
  intro,
  progressLabel,
  progressTestId,
  describe,
  textTestId,
  cancelErrorTestId,
  cancelLabel,
  cancellingLabel,
  background,
  onFinished,
  outcome,
  finishedActions,
}: JobProgressProps) {
  const job = useJob(jobId).data;
  const cancel = useMethodMutation('jobs.cancel');
  const queryClient = useQueryClient();
  const finished = job ? isFinished(job) : false;
  const announced = useRef(false);
  const doneButton = useRef<HTMLButtonElement>(null);
  const finishedRef = useRef(onFinished);
  finishedRef.current = onFinished;

  useEffect(() => {
    if (!finished || announced.current) return;
    announced.current = true;
    doneButton.current?.focus();
    finishedRef.current(queryClient);
  }, [finished, queryClient]);

  if (job && finished) {
    return (
      <>
        <div className="dialog__body">{outcome(job)}</div>
        <footer className="dialog__footer">
          {finishedActions}
          <button type="button" className="button button--primary" onClick={onClose} ref={doneButton}>
            Done
          </button>
        </footer>
      </>
    );
  }

  const leave = () => {
    toast.info(background.title, background.detail);
    onClose();
  };
  const stopping = cancel.isPending || cancel.isSuccess;

  return (
    <>
      <div className="dialog__body" aria-live="polite">
        {intro}
        <ProgressBar done={job?.done ?? 0} total={job?.total ?? null} label={progressLabel} testId={progressTestId} />
        <p className="muted" data-testid={textTestId}>
          {describe(job)}
        </p>
        <ErrorBanner error={cancel.error} testId={cancelErrorTestId} />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={leave}>
          Close
        </button>
        <button type="button" className="button button--danger" onClick={() => cancel.mutate({ id: jobId })} disabled={stopping}>
          {stopping ? cancellingLabel : cancelLabel}
        </button>
      </footer>
    </>
  );
}
