import { ReportResult, REPORT_TITLES, type ReportType } from '@shared/api/reports';
import type { Job } from '@shared/api/jobs';
import { ArtifactActions } from '../jobs/ArtifactActions';
import { formatBytes } from '../jobs/artifact';
import { JobProgress } from '../jobs/JobProgress';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';
import { ProgressBar } from '../ui/ProgressBar';

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function describe(job: Job | undefined): string {
  if (!job?.total) return 'Reading the history…';
  return `Step ${formatCount(Math.min(job.done, job.total))} of ${formatCount(job.total)}`;
}

/** A finished report: the file to open or save, or why there is none. */
export function ReportOutcome({ job }: { job: Job }) {
  if (job.status === 'cancelled') return <p>The report was cancelled; no file was kept.</p>;
  const report = ReportResult.safeParse(job.result);
  if (job.status === 'failed' || !report.success) {
    return (
      <ErrorBanner error={job.error ?? { message: 'The report finished without a file.', hint: 'Try again; if it keeps happening, see the Guardian log.' }} />
    );
  }
  const { artifact, period, servers, type } = report.data;
  return (
    <div className="report-outcome" data-testid="report-done">
      {/* The bar stays, full, so the dialog does not jump when the job ends. */}
      <ProgressBar done={job.total ?? job.done} total={job.total ?? job.done} label="Report progress" testId="report-progress" />
      <p>
        <strong>{REPORT_TITLES[type]}</strong> for {day.format(period.from)} to {day.format(Math.max(period.from, period.to - 1))}
        {type === 'audit-summary' ? '' : `, ${plural(servers, 'server', 'servers')}`}.
      </p>
      <p className="muted">
        {artifact.fileName} · {formatBytes(artifact.bytes)}
      </p>
      <div>
        <ArtifactActions jobId={job.id} artifact={artifact} />
      </div>
    </div>
  );
}

/** A started report job: progress while it runs, then the file. */
export function ReportJobDialog({ jobId, type, onClose }: { jobId: string; type: ReportType; onClose(): void }) {
  return (
    <Dialog title={REPORT_TITLES[type]} onClose={onClose} size="medium" testId="report-dialog">
      <JobProgress
        key={jobId}
        jobId={jobId}
        onClose={onClose}
        progressLabel="Report progress"
        progressTestId="report-progress"
        describe={describe}
        textTestId="report-progress-text"
        cancelLabel="Cancel report"
        cancellingLabel="Cancelling…"
        background={{ title: 'The report continues in the background', detail: 'Its file is on the Jobs page when it ends.' }}
        onFinished={() => undefined}
        outcome={(job) => <ReportOutcome job={job} />}
      />
    </Dialog>
  );
}
