import { useState } from 'react';
import type { TerminalEndReason, TerminalRecording } from '@shared/api/terminal';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime } from '../ui/format';
import { EmptyState, LoadingState, PageHeader } from '../ui/PageParts';
import { Player } from './Player';
import './terminal.css';

const REASONS: Record<TerminalEndReason, string> = {
  closed: 'closed',
  idle: 'idle too long',
  'signed-out': 'signed out',
  disconnected: 'disconnected',
  shutdown: 'Guardian stopped',
};

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Recorded terminal sessions (docs/operations.md, "Terminal"), newest first, and one played back.
 * For auditors, admins and owners: a recording is everything a shell printed.
 */
export function RecordingsPage() {
  const list = useMethodQuery('terminal.recordings', { limit: 200 });
  const [selected, setSelected] = useState<string | null>(null);

  let body;
  if (list.isPending) body = <LoadingState>Loading the recordings…</LoadingState>;
  else if (list.isError) body = <ErrorState error={list.error} what="the recordings" onRetry={() => void list.refetch()} />;
  else if (list.data.items.length === 0)
    body = (
      <EmptyState title="No terminal was recorded yet" testId="recordings-empty">
        <p className="state__text">Every terminal opened from a server’s page is recorded here when it ends; what is typed is not recorded.</p>
      </EmptyState>
    );
  else body = <RecordingsTable items={list.data.items} selected={selected} onPlay={setSelected} />;

  return (
    <div className="page">
      <PageHeader title="Terminal recordings" />
      {body}
      {selected ? <Playback key={selected} id={selected} /> : null}
    </div>
  );
}

function RecordingsTable({ items, selected, onPlay }: { items: readonly TerminalRecording[]; selected: string | null; onPlay(id: string): void }) {
  return (
    <table className="table" data-testid="recordings">
      <thead>
        <tr>
          <th scope="col">Server</th>
          <th scope="col">Opened by</th>
          <th scope="col">Started</th>
          <th scope="col">Length</th>
          <th scope="col">Printed</th>
          <th scope="col">Ended</th>
          <th scope="col">
            <span className="visually-hidden">Play</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id} aria-selected={item.id === selected}>
            <td>
              {item.serverName} <span className="muted mono">{item.address}</span>
            </td>
            <td>{item.openedByName}</td>
            <td>{formatDateTime(item.startedAt)}</td>
            <td>{duration(item.durationMs)}</td>
            <td>
              {size(item.outputBytes)}
              {item.truncated ? <span className="muted"> (recording cut)</span> : null}
            </td>
            <td>{REASONS[item.endReason]}</td>
            <td>
              <button
                type="button"
                className="button"
                onClick={() => onPlay(item.id)}
                aria-label={`Play the session on ${item.serverName} of ${formatDateTime(item.startedAt)}`}
              >
                Play
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Playback({ id }: { id: string }) {
  const recording = useMethodQuery('terminal.recording', { id }, { staleTime: Infinity });
  if (recording.isPending) return <LoadingState>Loading the recording…</LoadingState>;
  if (recording.isError) return <ErrorState error={recording.error} what="the recording" onRetry={() => void recording.refetch()} />;
  const { data } = recording;
  return (
    <section className="panel" aria-labelledby="playback-title">
      <h2 className="panel__title" id="playback-title">
        {data.serverName}, {formatDateTime(data.startedAt)}{' '}
        <span className="muted mono" title="SHA-256 of the recording, as its audit event names it">
          {data.sha256.slice(0, 16)}…
        </span>
      </h2>
      <Player asciicast={data.asciicast} />
    </section>
  );
}
