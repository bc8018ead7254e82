import type { ApiKey } from '@shared/api/users';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative, plural } from '../ui/format';
import { PlusIcon } from '../ui/icons';
import { EmptyState, LoadingState, PageHeader } from '../ui/PageParts';
import { ROLE_LABELS } from '../users/RoleSelect';
import { KeyAccessSetting } from './KeyAccessSetting';
import { keyState } from './key-state';

const STATE_BADGE = { active: 'badge--succeeded', revoked: 'badge--failed', expired: 'badge--queued' } as const;

function KeyRow({ apiKey, mayRevoke, showActions }: { apiKey: ApiKey; mayRevoke: boolean; showActions: boolean }) {
  const open = useDialogStore((state) => state.open);
  const state = keyState(apiKey);
  return (
    <tr data-testid="api-key-row">
      <td className="cell--name">{apiKey.name}</td>
      <td className="mono">{apiKey.prefix}…</td>
      <td>{ROLE_LABELS[apiKey.role]}</td>
      <td>
        {apiKey.owner ? (
          apiKey.owner.username
        ) : (
          <span className="muted" title="Made on the server with “guardian apikey create”: it belongs to no account.">
            System
          </span>
        )}
      </td>
      <td>{apiKey.permissions ? <span className="mono">{apiKey.permissions.join(', ')}</span> : <span className="muted">All of the role</span>}</td>
      <td title={apiKey.expiresAt === null ? undefined : formatDateTime(apiKey.expiresAt)}>
        {apiKey.expiresAt === null ? <span className="muted">Never</span> : formatDateTime(apiKey.expiresAt)}
      </td>
      <td title={apiKey.lastUsedAt === null ? undefined : formatDateTime(apiKey.lastUsedAt)}>
        {apiKey.lastUsedAt === null ? (
          <span className="muted">Never</span>
        ) : (
          <>
            {formatRelative(apiKey.lastUsedAt)}
            {apiKey.lastUsedOrigin ? <span className="muted mono"> from {apiKey.lastUsedOrigin}</span> : null}
          </>
        )}
      </td>
      <td>
        <span className={`badge ${STATE_BADGE[state]}`}>{state === 'active' ? 'Active' : state === 'revoked' ? 'Revoked' : 'Expired'}</span>
      </td>
      {showActions ? (
        <td className="simple-table__actions">
          {state === 'active' && mayRevoke ? (
            <button
              type="button"
              className="button button--small button--danger-text"
              aria-label={`Revoke ${apiKey.name}`}
              onClick={() => open({ kind: 'apikey-revoke', apiKey })}
            >
              Revoke
            </button>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}

/** Keys for scripts: what each may do, until when, and when it was last used, from where. */
export function ApiKeysPage() {
  const mayWrite = useCan()('apikeys:write');
  const isOwner = useMe().role === 'owner';
  // Only an owner may revoke an owner's key, or a system key with the owner role.
  const mayRevoke = (apiKey: ApiKey) => mayWrite && (isOwner || (apiKey.role !== 'owner' && apiKey.owner?.role !== 'owner'));
  const open = useDialogStore((state) => state.open);
  const keys = useMethodQuery('apikeys.list', {});
  const items = keys.data?.items;

  return (
    <div className="page">
      <PageHeader
        title="API keys"
        actions={
          mayWrite ? (
            <button type="button" className="button button--primary" onClick={() => open({ kind: 'apikey-create' })}>
              <PlusIcon />
              Create key
            </button>
          ) : null
        }
      >
        {items ? <span className="page__count">{plural(items.length, 'key', 'keys')}</span> : null}
      </PageHeader>
      <div className="page__content page__content--scroll">
        <KeyAccessSetting />
        {keys.isPending ? (
          <LoadingState>Loading API keys…</LoadingState>
        ) : keys.isError && !items ? (
          <ErrorState error={keys.error} what="the API keys" onRetry={() => void keys.refetch()} />
        ) : items === undefined ? null : items.length === 0 ? (
          <EmptyState title="No API keys yet" testId="api-keys-empty">
            <p className="state__text">
              Scripts, monitoring and CI call Guardian’s HTTP API with a key. Give each its own key with only the rights it needs, so you can revoke one without
              touching the others.
            </p>
          </EmptyState>
        ) : (
          <table className="simple-table" aria-label="API keys" data-testid="api-key-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Role</th>
                <th scope="col">Owner</th>
                <th scope="col">Permissions</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
                {mayWrite ? (
                  <th scope="col" className="simple-table__actions">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((apiKey) => (
                <KeyRow key={apiKey.id} apiKey={apiKey} mayRevoke={mayRevoke(apiKey)} showActions={mayWrite} />
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}
