import { z } from 'zod';
import type { Job } from '@shared/api/jobs';
import { invalidateMethod } from '../api/query-keys';
import { JobProgress } from '../jobs/JobProgress';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';

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
  return (
    <JobProgress
      jobId={jobId}
      onClose={onClose}
      progressLabel="Rotation progress"
      progressTestId="rotation-progress"
      describe={(job) => (job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} secrets re-sealed` : 'Starting…')}
      textTestId="rotation-progress-text"
      cancelErrorTestId="rotation-cancel-error"
      cancelLabel="Stop rotation"
      cancellingLabel="Stopping…"
      background={{ title: 'The rotation continues in the background', detail: 'Follow it on the Vault or Jobs page.' }}
      onFinished={(queryClient) => void invalidateMethod(queryClient, 'vault.status')}
      outcome={(job) => <Outcome job={job} />}
    />
  );
}
