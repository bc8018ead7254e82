import type { Artifact } from '@shared/api/jobs';
import { useClient } from '../api/client-context';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { DownloadIcon } from '../ui/icons';
import { artifactUrl, deliveryFor, formatBytes } from './artifact';
import './jobs.css';

interface ArtifactActionsProps {
  jobId: string;
  artifact: Artifact;
  /** Smaller controls, for a table row. */
  compact?: boolean;
}

/** The file a finished job produced: a download link in the browser, a Save button in the desktop app. */
export function ArtifactActions({ jobId, artifact, compact = false }: ArtifactActionsProps) {
  const delivery = deliveryFor(useClient().transport);
  const size = compact ? ' button--small' : '';
  if (delivery === 'download') {
    return (
      <a
        className={`button artifact-link${compact ? '' : ' button--primary'}${size}`}
        href={artifactUrl(jobId)}
        download={artifact.fileName}
        title={`${artifact.fileName}, ${formatBytes(artifact.bytes)}`}
        data-testid="artifact-download"
      >
        <DownloadIcon />
        {compact ? 'Download' : `Download ${artifact.fileName}`}
      </a>
    );
  }
  return <SaveArtifact jobId={jobId} artifact={artifact} compact={compact} />;
}

function SaveArtifact({ jobId, artifact, compact }: Required<ArtifactActionsProps>) {
  const save = useMethodMutation('jobs.saveArtifact');
  const savedTo = save.data?.savedTo;
  return (
    <span className="artifact-save">
      <button
        type="button"
        className={`button${compact ? ' button--small' : ' button--primary'}`}
        onClick={() => save.mutate({ id: jobId }, compact ? { onError: (error) => toast.error(error) } : {})}
        disabled={save.isPending}
        title={`${artifact.fileName}, ${formatBytes(artifact.bytes)}`}
        data-testid="artifact-save"
      >
        <DownloadIcon />
        {save.isPending ? 'Saving…' : compact ? 'Save…' : `Save ${artifact.fileName}…`}
      </button>
      <span className="muted" role="status" data-testid="artifact-saved">
        {save.isSuccess ? (savedTo ? `Saved to ${savedTo}` : 'Not saved: the dialog was closed.') : ''}
      </span>
      {compact ? null : <ErrorBanner error={save.error} />}
    </span>
  );
}
