import { useState, type FormEvent } from 'react';
import type { User } from '@shared/api/users';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { refusedByPolicy, usePasswordCheck } from '../auth/use-password-check';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { TemporaryPasswordField } from './TemporaryPasswordField';

/** A new temporary password for someone who forgot theirs; their sessions are signed out. */
export function ResetPasswordDialog({ user, onClose }: { user: User; onClose(): void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const reset = useMethodMutation('users.resetPassword');
  const verdict = usePasswordCheck(user.username, password);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reset.isPending) return;
    if (password === '') return setError('Enter a temporary password, or generate one.');
    if (refusedByPolicy(verdict)) return setError('Meet every rule in the list below first.');
    reset.mutate(
      { id: user.id, password },
      {
        onSuccess: () => {
          toast.success(`Reset the password of ${user.username}`, 'Give them the temporary password; they choose their own when they sign in.');
          onClose();
        },
      },
    );
  };

  return (
    <Dialog
      title={`Reset password of ${user.username}`}
      description="Their sessions are signed out, and they must choose a new password when they next sign in."
      onClose={onClose}
      testId="reset-password-dialog"
    >
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={reset.isPending}>
        <ErrorBanner error={reset.error} testId="reset-password-error" />
        <TemporaryPasswordField
          value={password}
          onChange={(next) => {
            setPassword(next);
            setError(undefined);
          }}
          check={verdict.check}
          error={error ?? issueOn(reset.error, 'password')}
          testId="reset-password-password"
        />
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={reset.isPending}>
            {reset.isPending ? 'Resetting…' : 'Reset password'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
