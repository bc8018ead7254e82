import { useState, type FormEvent } from 'react';
import { Username } from '@shared/api/auth';
import type { Role } from '@shared/permissions';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { refusedByPolicy, usePasswordCheck } from '../auth/use-password-check';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { RoleSelect } from './RoleSelect';
import { TemporaryPasswordField } from './TemporaryPasswordField';

type Errors = Partial<Record<'username' | 'password', string>>;

/** A new account with a role and a temporary password it must replace at first sign-in. */
export function AddUserDialog({ onClose }: { onClose(): void }) {
  const [values, setValues] = useState({ username: '', displayName: '', role: 'operator' as Role, password: '' });
  const [errors, setErrors] = useState<Errors>({});
  const create = useMethodMutation('users.create');
  const verdict = usePasswordCheck(values.username, values.password);

  const edit = (patch: Partial<typeof values>) => {
    setValues({ ...values, ...patch });
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    const problems: Errors = {};
    const username = Username.safeParse(values.username);
    if (!username.success) problems.username = username.error.issues[0]?.message;
    if (values.password === '') problems.password = 'Enter a temporary password, or generate one.';
    else if (refusedByPolicy(verdict)) problems.password = 'Meet every rule in the list below first.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const displayName = values.displayName.trim();
    create.mutate(
      { username: values.username.trim(), role: values.role, password: values.password, ...(displayName ? { displayName } : {}) },
      {
        onSuccess: (user) => {
          toast.success(`Added ${user.username}`, 'Give them the temporary password; they choose their own at their first sign-in.');
          onClose();
        },
      },
    );
  };

  return (
    <Dialog title="Add user" description="Each person gets their own account; the role decides what they may do." onClose={onClose} testId="add-user-dialog">
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={create.isPending}>
        <ErrorBanner error={create.error} testId="add-user-error" />
        <div className="form__row form__row--even">
          <Field label="Username" error={errors.username ?? issueOn(create.error, 'username')} testId="add-user-username">
            {(control) => (
              <input
                {...control}
                className="input"
                autoComplete="off"
                spellCheck={false}
                data-autofocus
                value={values.username}
                onChange={(event) => edit({ username: event.target.value })}
              />
            )}
          </Field>
          <Field label="Display name" help="Optional." testId="add-user-display-name">
            {(control) => (
              <input
                {...control}
                className="input"
                autoComplete="off"
                value={values.displayName}
                onChange={(event) => edit({ displayName: event.target.value })}
              />
            )}
          </Field>
        </div>
        <RoleSelect value={values.role} onChange={(role) => edit({ role })} testId="add-user-role" />
        <TemporaryPasswordField
          value={values.password}
          onChange={(password) => edit({ password })}
          check={verdict.check}
          error={errors.password ?? issueOn(create.error, 'password')}
          testId="add-user-password"
        />
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add user'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
