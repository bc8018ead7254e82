import { SessionsSection } from '../account/SessionsSection';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { ErrorState } from '../ui/ErrorState';
import { plural } from '../ui/format';
import { PlusIcon } from '../ui/icons';
import { LoadingState, PageHeader } from '../ui/PageParts';
import { UserRow } from './UserRow';

/** Every account: who may do what, who is locked out, who has two-factor. */
export function UsersPage() {
  const me = useMe();
  const mayManage = useCan()('users:write');
  const open = useDialogStore((state) => state.open);
  const users = useMethodQuery('users.list', {});
  const items = users.data?.items;

  return (
    <div className="page">
      <PageHeader
        title="Users"
        actions={
          mayManage ? (
            <button type="button" className="button button--primary" onClick={() => open({ kind: 'user-create' })}>
              <PlusIcon />
              Add user
            </button>
          ) : null
        }
      >
        {items ? <span className="page__count">{plural(items.length, 'account', 'accounts')}</span> : null}
      </PageHeader>
      <div className="page__content page__content--scroll">
        {users.isPending ? (
          <LoadingState>Loading users…</LoadingState>
        ) : users.isError && !items ? (
          <ErrorState error={users.error} what="the users" onRetry={() => void users.refetch()} />
        ) : items === undefined ? null : (
          <table className="simple-table" aria-label="Users" data-testid="user-table">
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Display name</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Two-factor</th>
                <th scope="col">Last sign-in</th>
                {mayManage ? (
                  <th scope="col" className="simple-table__actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <UserRow
                  key={user.id}
                  user={user}
                  self={user.id === me.id}
                  mayManage={mayManage}
                  mayManageThis={mayManage && (user.role !== 'owner' || me.role === 'owner')}
                />
              ))}
            </tbody>
          </table>
        )}
        {mayManage ? <SessionsSection everyone /> : null}
      </div>
    </div>
  );
}
