import type { UpdateChannel } from '@shared/api/updates';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { mayCheckNow, statusSentence } from './update-text';
import { useStoreUpdateStatus, useUpdateStatus } from './use-update-status';
import './updates.css';

const CHANNELS: readonly { value: UpdateChannel; label: string; note: string }[] = [
  { value: 'stable', label: 'Stable', note: 'releases only' },
  { value: 'beta', label: 'Beta', note: 'pre-releases too' },
];

/** Settings → Updates: the version running, the channel, "Check now" and "Restart now". */
export function UpdatesPanel() {
  const info = useMethodQuery('system.info', {}, { staleTime: Infinity, retry: false });
  const status = useUpdateStatus();
  const mayAdminister = useCan()('system:admin');
  const check = useMethodMutation('updates.check');
  const setChannel = useMethodMutation('updates.setChannel');
  const store = useStoreUpdateStatus();
  const openDialog = useDialogStore((state) => state.open);
  const state = status?.state;

  return (
    <section className="panel" aria-labelledby="updates-title" data-testid="updates-panel">
      <h2 id="updates-title" className="panel__title">
        Updates
      </h2>
      <p className="panel__text" data-testid="updates-version">
        {info.data ? `This is Guardian ${info.data.version} (${info.data.mode}).` : 'Reading the version…'}
      </p>
      {!status ? null : !status.supported ? (
        <p className="panel__text" data-testid="updates-unsupported">
          {status.reason}
        </p>
      ) : (
        <>
          <div className="updates-panel__status" role="status" data-testid="updates-state">
            <p>{state ? statusSentence(state) : null}</p>
            {state?.kind === 'error' ? <p className="panel__text">{state.hint}</p> : null}
          </div>
          <fieldset className="updates-panel__channels" disabled={!mayAdminister || setChannel.isPending}>
            <legend className="visually-hidden">Update channel</legend>
            {CHANNELS.map((channel) => (
              <label key={channel.value}>
                <input
                  type="radio"
                  name="update-channel"
                  value={channel.value}
                  checked={status.channel === channel.value}
                  onChange={() => setChannel.mutate({ channel: channel.value }, { onSuccess: store })}
                />
                {channel.label} <span className="muted">({channel.note})</span>
              </label>
            ))}
          </fieldset>
          {mayAdminister ? (
            <div className="updates-panel__actions">
              <button
                type="button"
                className="button"
                disabled={check.isPending || !state || !mayCheckNow(state)}
                onClick={() => check.mutate({}, { onSuccess: store })}
              >
                {state?.kind === 'checking' ? 'Checking…' : 'Check now'}
              </button>
              {state?.kind === 'downloaded' ? (
                <button type="button" className="button button--primary" onClick={() => openDialog({ kind: 'update-restart', version: state.version })}>
                  Restart now
                </button>
              ) : null}
            </div>
          ) : (
            <p className="panel__text">An owner or admin chooses the channel and when to restart.</p>
          )}
          <ErrorBanner error={check.error ?? setChannel.error} />
        </>
      )}
    </section>
  );
}
