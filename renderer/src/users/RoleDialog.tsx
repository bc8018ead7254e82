import { useState, type FormEvent } from 'react';
import type { User } from '@shared/api/users';
import type { Role } from '@shared/permissions';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ROLE_LABELS, RoleSelect } from './RoleSelect';

/** Gives an account another role; it applies to their next call. */
export function RoleDialog({ user, onClose }: { user: User; onClose(): void }) {
  const [role, setRole] = useState<Role>(user.role);
  const update = useMethodMutation('users.update');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (role === user.role) return onClose();
    update.mutate(
      { id: user.id, role },
      {
        onSuccess: (saved) => {
          toast.success(`${saved.username} is now ${ROLE_LABELS[saved.role].toLowerCase()}`);
          onClose();
        },
      },
    );
  };

  return (
    <Dialog title={`Change role of ${user.username}`} description={`Now: ${ROLE_LABELS[user.role]}.`} onClose={onClose} size="small" testId="user-role-dialog">
      <form className="dialog__body form" onSubmit={submit} noValidate aria-busy={update.isPending}>
        <ErrorBanner error={update.error} testId="user-role-error" />
        <RoleSelect value={role} onChange={setRole} testId="user-role-select" />
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={update.isPending}>
            {update.isPending ? 'Saving…' : 'Change role'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
