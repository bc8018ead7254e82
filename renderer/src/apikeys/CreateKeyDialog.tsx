import { useState, type FormEvent } from 'react';
import type { OutputOf, Methods } from '@shared/api';
import { ROLE_PERMISSIONS, type Permission, type Role } from '@shared/permissions';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { useCan } from '../auth/session';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { RoleSelect } from '../users/RoleSelect';
import { expiryFromDate } from './key-state';
import { NewKeyToken } from './NewKeyToken';
import { PermissionPicker } from './PermissionPicker';

type Created = OutputOf<Methods['apikeys.create']>;

const today = () => new Date().toISOString().slice(0, 10);

/** A key for scripts: a name, a role, optionally fewer permissions and an expiry; then its token, once. */
export function CreateKeyDialog({ onClose }: { onClose(): void }) {
  const can = useCan();
  const [values, setValues] = useState({ name: '', role: 'viewer' as Role, permissions: [] as Permission[], expires: '' });
  const [errors, setErrors] = useState<{ name?: string; expires?: string }>({});
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMethodMutation('apikeys.create');
  // A key never gets more than its creator has.
  const available = ROLE_PERMISSIONS[values.role].filter((permission) => can(permission));

  const edit = (patch: Partial<typeof values>) => {
    setValues({ ...values, ...patch });
    setErrors({});
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    const problems: typeof errors = {};
    if (values.name.trim() === '') problems.name = 'Name the key after what uses it, e.g. “backup script”.';
    const expiresAt = values.expires === '' ? null : expiryFromDate(values.expires);
    if (values.expires !== '' && (expiresAt === null || expiresAt <= Date.now())) problems.expires = 'Choose a day from today on, or leave it empty.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    create.mutate(
      {
        name: values.name.trim(),
        role: values.role,
        ...(values.permissions.length > 0 ? { permissions: values.permissions } : {}),
        ...(expiresAt !== null ? { expiresAt } : {}),
      },
      { onSuccess: setCreated },
    );
  };

  if (created) {
    return (
      <Dialog title="API key created" onClose={onClose} testId="create-key-dialog">
        <NewKeyToken apiKey={created.key} token={created.token} onDone={onClose} />
      </Dialog>
    );
  }

  return (
    <Dialog title="Create API key" description="For scripts and monitoring that call Guardian’s HTTP API." onClose={onClose} testId="create-key-dialog">
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={create.isPending}>
        <ErrorBanner error={create.error} testId="create-key-error" />
        <Field label="Name" error={errors.name ?? issueOn(create.error, 'name')} testId="create-key-name">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              data-autofocus
              value={values.name}
              onChange={(event) => edit({ name: event.target.value })}
            />
          )}
        </Field>
        <RoleSelect
          value={values.role}
          onChange={(role) => edit({ role, permissions: values.permissions.filter((permission) => ROLE_PERMISSIONS[role].includes(permission)) })}
          testId="create-key-role"
        />
        <PermissionPicker available={available} chosen={values.permissions} onChange={(permissions) => edit({ permissions })} />
        <Field
          label="Expires"
          error={errors.expires ?? issueOn(create.error, 'expiresAt')}
          help="Optional: the key stops working after this day."
          testId="create-key-expires"
        >
          {(control) => (
            <input
              {...control}
              className="input input--date"
              type="date"
              min={today()}
              value={values.expires}
              onChange={(event) => edit({ expires: event.target.value })}
            />
          )}
        </Field>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create key'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
