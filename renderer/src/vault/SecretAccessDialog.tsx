import { useCallback, useEffect, useRef, useState } from 'react';
import type { AppError } from '@shared/api';
import type { Secret, SecretValue } from '@shared/api/vault';
import { useDirectCall } from '../api/use-direct-call';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ReauthForm } from './ReauthForm';
import { RevealedValue } from './RevealedValue';
import { KIND_LABELS } from './vault-labels';

export const COPIED_MESSAGE = 'Copied; the clipboard clears in 30 s';

type Stage = { stage: 'working' } | { stage: 'reauth' } | { stage: 'shown'; value: SecretValue } | { stage: 'hidden' } | { stage: 'failed'; error: AppError };

interface SecretAccessDialogProps {
  secret: Secret;
  mode: 'reveal' | 'copy';
  /** The copy was asked for in a browser, which reveals instead. */
  browser?: boolean | undefined;
  onClose(): void;
}

/**
 * Reveals a secret's value, or (desktop) has the main process copy it, asking for the password
 * first when the server wants a fresh re-authentication. A revealed value hides itself after
 * 30 s and is gone when the dialog closes: it lives only in this component's state.
 */
export function SecretAccessDialog({ secret, mode: asked, browser = false, onClose }: SecretAccessDialogProps) {
  const [mode, setMode] = useState(asked);
  const [fellBack, setFellBack] = useState(browser);
  const [stage, setStage] = useState<Stage>({ stage: 'working' });
  const { run: revealCall } = useDirectCall('secrets.reveal');
  const { run: copyCall } = useDirectCall('secrets.copy');
  const started = useRef(false);

  const refused = useCallback((error: AppError) => {
    if (error.code === 'REAUTH_REQUIRED') setStage({ stage: 'reauth' });
    else setStage({ stage: 'failed', error });
  }, []);

  const run = useCallback(
    async (current: 'reveal' | 'copy') => {
      setStage({ stage: 'working' });
      if (current === 'copy') {
        const copied = await copyCall({ id: secret.id });
        if (copied.ok) {
          toast.success(COPIED_MESSAGE);
          return onClose();
        }
        if (copied.error.code !== 'NOT_SUPPORTED_HERE') return refused(copied.error);
        // Only the desktop app can copy without the value reaching the page: reveal instead.
        setMode('reveal');
        setFellBack(true);
      }
      const revealed = await revealCall({ id: secret.id });
      if (revealed.ok) setStage({ stage: 'shown', value: revealed.value.value });
      else refused(revealed.error);
    },
    [copyCall, revealCall, secret.id, onClose, refused],
  );

  useEffect(() => {
    // Once per dialog, also under StrictMode's double effects: each reveal is audited.
    if (started.current) return;
    started.current = true;
    void run(asked);
  }, [run, asked]);

  const hide = useCallback(() => setStage({ stage: 'hidden' }), []);

  return (
    <Dialog
      title={`${mode === 'copy' ? 'Copy' : 'Reveal'} “${secret.name}”`}
      description={KIND_LABELS[secret.kind]}
      onClose={onClose}
      testId="secret-access-dialog"
    >
      {stage.stage === 'reauth' ? (
        <ReauthForm onConfirmed={() => void run(mode)} onCancel={onClose} />
      ) : (
        <>
          <div className="dialog__body">
            {fellBack && mode === 'reveal' ? (
              <p className="banner banner--info" data-testid="copy-fallback">
                Copying through Guardian works in the desktop app. Here the value is shown for you to copy; the browser will not clear the clipboard afterwards.
              </p>
            ) : null}
            {stage.stage === 'working' ? (
              <p className="muted" role="status">
                <span className="spinner" aria-hidden="true" /> {mode === 'copy' ? 'Copying…' : 'Opening the secret…'}
              </p>
            ) : null}
            {stage.stage === 'shown' ? <RevealedValue value={stage.value} onHide={hide} copyable={fellBack} /> : null}
            {stage.stage === 'hidden' ? (
              <p className="muted" role="status" data-testid="reveal-hidden">
                The value is hidden again.
              </p>
            ) : null}
            {stage.stage === 'failed' ? <ErrorBanner error={stage.error} testId="secret-access-error" /> : null}
          </div>
          <footer className="dialog__footer">
            {stage.stage === 'hidden' || stage.stage === 'failed' ? (
              <button type="button" className="button" onClick={() => void run(mode)}>
                {stage.stage === 'hidden' ? 'Reveal again' : 'Try again'}
              </button>
            ) : null}
            <button type="button" className="button button--primary" onClick={onClose} data-autofocus>
              Close
            </button>
          </footer>
        </>
      )}
    </Dialog>
  );
}
