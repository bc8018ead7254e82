import { API_PREFIX } from '@shared/api/http';
import type { Transport } from '../api/transport';
import { formatCount } from '../ui/format';

/** Where the browser fetches a finished job's file (the session cookie goes with it). */
export function artifactUrl(jobId: string): string {
  return `${API_PREFIX}/jobs/${encodeURIComponent(jobId)}/artifact`;
}

/**
 * How a job's file reaches the person: in the desktop app (IPC) the main process saves it where
 * they pick (jobs.saveArtifact opens the native dialog); in a browser it is a download link.
 */
export type ArtifactDelivery = 'save' | 'download';

export function deliveryFor(transport: Transport['kind']): ArtifactDelivery {
  switch (transport) {
    case 'ipc':
      return 'save';
    case 'http':
      return 'download';
    default: {
      const unreachable: never = transport;
      return unreachable;
    }
  }
}

/** "812 bytes", "14.2 KB", "3.1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatCount(bytes)} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? 'GB'}`;
}
