import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Me } from '@shared/api/auth';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';
import { LockIcon } from '../ui/icons';
import { useStatusUpdates } from './auth-status';
import { useLockStore } from './lock-store';
import { OneTimeCodeField } from './OneTimeCodeField';
import { useSignOut } from './SignOutButton';
import { useSignIn } from './use-sign-in';

function minutes(ms: number): string {
  const value = Math.max(1, Math.round(ms / 60_000));
  return `${value} minute${value === 1 ? '' : 's'}`;
}

/**
 * Over the page, which stays as it was underneath: the session ended (idle, expired, revoked),
 * so the same person signs in again, and the page's data is refreshed.
 */
export function LockScreen({ user }: { user: Me }) {
  const titleId = useId();
  const password = useRef<HTMLInputElement>(null);
  const [values, setValues] = useState({ username: user.username, password: '', code: '' });
  const reason = useLockStore((state) => state.reason);
  const unlock = useLockStore((state) => state.unlock);
  const queryClient = useQueryClient();
  const status = useStatusUpdates();
  const { signOut, pending: signingOut } = useSignOut(unlock);
  const signIn = useSignIn((me) => {
    status.signedIn(me);
    unlock();
    void queryClient.invalidateQueries();
  }, user.totpEnabled);

  useEffect(() => password.current?.focus(), []);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    signIn.submit(values);
  };

  return (
    <div className="lock-backdrop">
      <div className="lock" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="lock-screen">
        <div className="state__icon">
          <LockIcon />
        </div>
        <h2 id={titleId} className="auth-card__title">
          Session locked
        </h2>
        <p className="auth-card__text">
          {reason === 'idle' ? `Nothing happened here for ${minutes(user.idleTimeoutMs)}, so Guardian locked your session.` : 'Your session has ended.'} Sign in
          again as <strong>{user.displayName || user.username}</strong> to carry on where you were.
        </p>
        <form className="form" onSubmit={onSubmit} noValidate aria-busy={signIn.pending} aria-label="Unlock">
          <ErrorBanner error={signIn.error} testId="lock-error" />
          <input type="text" className="visually-hidden" autoComplete="username" value={user.username} readOnly tabIndex={-1} aria-hidden="true" />
          <PasswordField
            label="Password"
            testId="lock-password"
            inputRef={password}
            value={values.password}
            onChange={(value) => setValues({ ...values, password: value })}
          />
          {signIn.needsCode ? <OneTimeCodeField value={values.code} onChange={(code) => setValues({ ...values, code })} testId="lock-code" /> : null}
          <div className="form__actions">
            <button type="button" className="button button--ghost" onClick={signOut} disabled={signingOut}>
              Sign out
            </button>
            <button type="submit" className="button button--primary" disabled={signIn.pending}>
              {signIn.pending ? 'Unlocking…' : 'Unlock'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
