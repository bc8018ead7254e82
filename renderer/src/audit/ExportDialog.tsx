import { hasArtifact, type Job } from '@shared/api/jobs';
import { ArtifactActions } from '../jobs/ArtifactActions';
import { JobProgress } from '../jobs/JobProgress';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';
import { EXPORT_FORMAT_TEXT, type AuditExportFormat } from './export-formats';

interface ExportDialogProps {
  jobId: string;
  format: AuditExportFormat;
  filtered: boolean;
  onClose(): void;
}

function eventsIn(result: unknown): number | null {
  if (typeof result !== 'object' || result === null) return null;
  const events: unknown = Reflect.get(result, 'events');
  return typeof events === 'number' ? events : null;
}

export function ExportOutcome({ job }: { job: Job }) {
  if (job.status === 'cancelled') return <p>The export was cancelled; no file was kept.</p>;
  if (job.status === 'failed' || !hasArtifact(job.result)) {
    return (
      <ErrorBanner error={job.error ?? { message: 'The export finished without a file.', hint: 'Try again; if it keeps happening, see the Guardian log.' }} />
    );
  }
  const events = eventsIn(job.result);
  return (
    <div className="export-outcome" data-testid="audit-export-done">
      <p>
        {events !== null ? `${plural(events, 'event', 'events')} exported` : 'Exported'}, oldest first, with their hashes, to{' '}
        <strong>{job.result.artifact.fileName}</strong>.
      </p>
      <div>
        <ArtifactActions jobId={job.id} artifact={job.result.artifact} />
      </div>
    </div>
  );
}

/** A started export: its progress, then the file (download link, or Save in the desktop app). */
export function ExportDialog({ jobId, format, filtered, onClose }: ExportDialogProps) {
  return (
    <Dialog
      title={`Export the audit log as ${EXPORT_FORMAT_TEXT[format].label}`}
      description={filtered ? 'The events matching the filters, oldest first.' : 'Every event, oldest first.'}
      onClose={onClose}
      size="medium"
      testId="audit-export-dialog"
    >
      <JobProgress
        key={jobId}
        jobId={jobId}
        onClose={onClose}
        progressLabel="Export progress"
        progressTestId="audit-export-progress"
        describe={(job) => (job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} events written` : 'Starting…')}
        textTestId="audit-export-progress-text"
        cancelLabel="Cancel export"
        cancellingLabel="Cancelling…"
        background={{ title: 'The export continues in the background', detail: 'Its file is on the Jobs page when it ends.' }}
        onFinished={() => undefined}
        outcome={(job) => <ExportOutcome job={job} />}
      />
    </Dialog>
  );
}
