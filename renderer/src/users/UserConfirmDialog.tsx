import type { User } from '../../../shared/api/users';
import { useMethodMutation } from '../api/hooks';
import type { UserAction } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';

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

  const confirm = () => {
    const done = {
      onSuccess: () => {
        toast.success(`${text.done} ${user.username}`);
        onClose();
      },
    };
    if (action === 'disable') disable.mutate({ id: user.id }, done);
    else if (action === 'reset-mfa') resetMfa.mutate({ id: user.id }, done);
    else remove.mutate({ id: user.id }, done);
  };

  return (
    <Dialog title={text.title} onClose={onClose} size="small" testId="user-confirm-dialog">
      <div className="dialog__body">
        <p>
          <strong>{user.username}</strong> {text.explain}
        </p>
        <ErrorBanner error={mutation.error} testId="user-confirm-error" />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button--danger" onClick={confirm} disabled={mutation.isPending}>
          {mutation.isPending ? text.busy : text.confirm}
        </button>
      </footer>
    </Dialog>
  );
}
