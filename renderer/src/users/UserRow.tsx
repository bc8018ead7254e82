import type { User } from '@shared/api/users';
import { useMethodMutation } from '../api/hooks';
import { useDialogStore } from '../state/dialog-store';
import { toast } from '../state/toast-store';
import { formatDateTime, formatRelative } from '../ui/format';
import { ROLE_LABELS } from './RoleSelect';

function UserState({ user }: { user: User }) {
  if (user.disabled) return <span className="badge badge--failed">Disabled</span>;
  if (user.mustChangePassword) return <span className="badge badge--queued">Must change password</span>;
  return <span className="badge badge--succeeded">Active</span>;
}

/** The row's actions, for those who may manage accounts; one's own account is changed under Account. */
function UserActions({ user }: { user: User }) {
  const open = useDialogStore((state) => state.open);
  const enable = useMethodMutation('users.enable');
  const name = user.username;
  return (
    <div className="row-actions">
      <button type="button" className="button button--small" aria-label={`Change role of ${name}`} onClick={() => open({ kind: 'user-role', user })}>
        Role
      </button>
      {user.disabled ? (
        <button
          type="button"
          className="button button--small"
          aria-label={`Enable ${name}`}
          disabled={enable.isPending}
          onClick={() => enable.mutate({ id: user.id }, { onSuccess: () => toast.success(`Enabled ${name}`), onError: (error) => toast.error(error) })}
        >
          Enable
        </button>
      ) : (
        <button
          type="button"
          className="button button--small"
          aria-label={`Disable ${name}`}
          onClick={() => open({ kind: 'user-confirm', action: 'disable', user })}
        >
          Disable
        </button>
      )}
      <button
        type="button"
        className="button button--small"
        aria-label={`Reset password of ${name}`}
        onClick={() => open({ kind: 'user-reset-password', user })}
      >
        Reset password
      </button>
      {user.totpEnabled ? (
        <button
          type="button"
          className="button button--small"
          aria-label={`Reset two-factor of ${name}`}
          onClick={() => open({ kind: 'user-confirm', action: 'reset-mfa', user })}
        >
          Reset 2FA
        </button>
      ) : null}
      <button
        type="button"
        className="button button--small button--danger-text"
        aria-label={`Delete ${name}`}
        onClick={() => open({ kind: 'user-confirm', action: 'delete', user })}
      >
        Delete
      </button>
    </div>
  );
}

interface UserRowProps {
  user: User;
  self: boolean;
  /** The signed-in user may manage accounts (an actions column is shown). */
  mayManage: boolean;
  /** …and this one: only an owner changes an owner. */
  mayManageThis: boolean;
}

export function UserRow({ user, self, mayManage, mayManageThis }: UserRowProps) {
  return (
    <tr data-testid="user-row">
      <td>
        <span className="cell--name">{user.username}</span>
        {self ? <span className="muted"> (you)</span> : null}
      </td>
      <td>{user.displayName || <span className="muted">—</span>}</td>
      <td>{ROLE_LABELS[user.role]}</td>
      <td>
        <UserState user={user} />
      </td>
      <td>{user.totpEnabled ? 'On' : <span className="muted">Off</span>}</td>
      <td title={user.lastLoginAt === null ? undefined : formatDateTime(user.lastLoginAt)}>
        {user.lastLoginAt === null ? <span className="muted">Never</span> : formatRelative(user.lastLoginAt)}
      </td>
      {mayManage ? (
        <td className="simple-table__actions">
          {self ? (
            <a className="button button--small" href="#/account">
              Account
            </a>
          ) : mayManageThis ? (
            <UserActions user={user} />
          ) : (
            <span className="muted">Owners only</span>
          )}
        </td>
      ) : null}
    </tr>
  );
}
