import type { User } from '@shared/api/users';
import { useMethodMutation } from '../api/hooks';
import type { UserAction } from '../state/dialog-store';
import { ConfirmDialog, confirmAction } from '../ui/ConfirmDialog';

const TEXT: Record<UserAction, { title: string; explain: string; confirm: string; busy: string; done: string }> = {
  disable: {
    title: 'Disable user',
    explain: 'cannot sign in until re-enabled, and their sessions are signed out now. Their history stays.',
    confirm: 'Disable',
    busy: 'Disabling…',
    done: 'Disabled',
  },
  'reset-mfa': {
    title: 'Reset two-factor',
    explain: 'signs in with the password alone until they set up two-factor again. Do this only after checking who asks.',
    confirm: 'Reset two-factor',
    busy: 'Resetting…',
    done: 'Reset two-factor of',
  },
  delete: {
    title: 'Delete user',
    explain: 'is removed with their sessions. This cannot be undone; disable the account instead to keep it.',
    confirm: 'Delete',
    busy: 'Deleting…',
    done: 'Deleted',
  },
};

/** Asks before disabling an account, turning off its two-factor or deleting it; Cancel has the focus. */
export function UserConfirmDialog({ action, user, onClose }: { action: UserAction; user: User; onClose(): void }) {
  const disable = useMethodMutation('users.disable');
  const resetMfa = useMethodMutation('users.resetMfa');
  const remove = useMethodMutation('users.delete');
  const mutation = action === 'disable' ? disable : action === 'reset-mfa' ? resetMfa : remove;
  const text = TEXT[action];

  const confirm = confirmAction(mutation, { id: user.id }, `${text.done} ${user.username}`, onClose);

  return (
    <ConfirmDialog
      title={text.title}
      testId="user-confirm-dialog"
      onClose={onClose}
      confirmLabel={text.confirm}
      pendingLabel={text.busy}
      pending={mutation.isPending}
      onConfirm={confirm}
      error={mutation.error}
      errorTestId="user-confirm-error"
    >
      <strong>{user.username}</strong> {text.explain}
    </ConfirmDialog>
  );
}
