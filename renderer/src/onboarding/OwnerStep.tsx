import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { Username, type Me } from '@shared/api/auth';
import { useMethodMutation } from '../api/hooks';
import { methodKey } from '../api/query-keys';
import { NewPasswordFields, newPasswordProblems, type NewPasswordErrors } from '../auth/NewPasswordFields';
import { refusedByPolicy, usePasswordCheck } from '../auth/use-password-check';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';

type OwnerErrors = NewPasswordErrors & { username?: string; displayName?: string };

function serverIssues(error: AppError): OwnerErrors {
  const errors: OwnerErrors = {};
  for (const issue of error.issues ?? []) {
    const field = issue.path[0];
    if (field === 'username' || field === 'displayName' || field === 'password') errors[field] ??= issue.message;
  }
  return errors;
}

/** Step 2: the first account, an owner, which is then signed in. */
export function OwnerStep({ onCreated }: { onCreated(me: Me): void }) {
  const [values, setValues] = useState({ username: '', displayName: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<OwnerErrors>({});
  const setup = useMethodMutation('auth.setup');
  const queryClient = useQueryClient();
  const password = usePasswordCheck(values.username, values.password);

  const edit = (patch: Partial<typeof values>) => {
    setValues({ ...values, ...patch });
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (setup.isPending) return;
    const problems: OwnerErrors = newPasswordProblems(values, refusedByPolicy(password));
    const username = Username.safeParse(values.username);
    if (!username.success) problems.username = username.error.issues[0]?.message ?? 'Choose a username.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const displayName = values.displayName.trim();
    setup.mutate(
      { username: values.username.trim(), password: values.password, ...(displayName ? { displayName } : {}) },
      {
        onSuccess: onCreated,
        onError: (error) => {
          setErrors(serverIssues(error));
          // Someone created the owner meanwhile: the status now says "sign in".
          if (error.code === 'CONFLICT') void queryClient.invalidateQueries({ queryKey: methodKey('auth.status', {}) });
        },
      },
    );
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={setup.isPending} aria-label="Owner account">
      <p className="auth-card__text">The owner may do everything, including adding the other accounts. Choose a password you do not use anywhere else.</p>
      <ErrorBanner error={setup.error} testId="owner-error" />
      <Field label="Username" error={errors.username} help="Letters, digits, dot, dash, underscore and @." testId="owner-username">
        {(control) => (
          <input
            {...control}
            className="input"
            autoComplete="username"
            spellCheck={false}
            autoFocus
            value={values.username}
            onChange={(event) => edit({ username: event.target.value })}
          />
        )}
      </Field>
      <Field label="Display name" error={errors.displayName} help="Optional: how your name appears in Guardian." testId="owner-display-name">
        {(control) => (
          <input
            {...control}
            className="input"
            autoComplete="name"
            value={values.displayName}
            onChange={(event) => edit({ displayName: event.target.value })}
          />
        )}
      </Field>
      <NewPasswordFields
        values={values}
        onChange={(next) => edit(next)}
        check={password.check}
        errors={errors}
        labels={{ password: 'Password', confirm: 'Confirm password' }}
        testId="owner"
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" {...busyProps(setup.isPending)}>
          {setup.isPending ? 'Creating…' : 'Create owner account'}
        </button>
      </div>
    </form>
  );
}
