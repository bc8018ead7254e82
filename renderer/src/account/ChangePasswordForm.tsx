import { useState, type FormEvent } from 'react';
import type { Me } from '@shared/api/auth';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { useStatusUpdates } from '../auth/auth-status';
import { NewPasswordFields, newPasswordProblems, type NewPasswordErrors, type NewPasswordValues } from '../auth/NewPasswordFields';
import { refusedByPolicy, usePasswordCheck } from '../auth/use-password-check';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';

const EMPTY = { current: '', password: '', confirm: '' };

/** Current password, then the new one twice with the rules ticked off live. */
export function ChangePasswordForm({ me, onChanged }: { me: Me; onChanged?(me: Me): void }) {
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<NewPasswordErrors & { current?: string }>({});
  const change = useMethodMutation('auth.changePassword');
  const status = useStatusUpdates();
  const password = usePasswordCheck(me.username, values.password);
  const failure = change.error;

  const onNewPassword = (next: NewPasswordValues) => {
    setValues({ ...values, ...next });
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (change.isPending) return;
    const problems: typeof errors = newPasswordProblems(values, refusedByPolicy(password));
    if (values.current === '') problems.current = 'Enter the password you signed in with.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    change.mutate(
      { currentPassword: values.current, newPassword: values.password },
      {
        onSuccess: (updated) => {
          setValues(EMPTY);
          status.signedIn(updated);
          onChanged?.(updated);
        },
      },
    );
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={change.isPending} aria-label="Change password">
      <ErrorBanner error={failure} testId="change-password-error" />
      <input type="text" className="visually-hidden" autoComplete="username" value={me.username} readOnly tabIndex={-1} aria-hidden="true" />
      <PasswordField
        label="Current password"
        error={errors.current ?? issueOn(failure, 'currentPassword')}
        testId="change-password-current"
        value={values.current}
        onChange={(current) => setValues({ ...values, current })}
      />
      <NewPasswordFields
        values={values}
        onChange={onNewPassword}
        check={password.check}
        errors={{ ...errors, password: errors.password ?? issueOn(failure, 'newPassword') }}
        labels={{ password: 'New password', confirm: 'Confirm new password' }}
        testId="change-password-new"
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={change.isPending}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
