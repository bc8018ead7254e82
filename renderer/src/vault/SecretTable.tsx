import type { Secret } from '@shared/api/vault';
import { useCan } from '../auth/session';
import { useDialogStore } from '../state/dialog-store';
import { formatDateTime, formatRelative, plural } from '../ui/format';
import { useActorName } from './use-actor-name';
import { useSecretCopy } from './use-secret-copy';
import { KIND_LABELS } from './vault-labels';

function When({ at, by, actor }: { at: number | null; by: string | null; actor(actor: string): string }) {
  if (at === null) return <span className="muted">Never</span>;
  return (
    <span title={formatDateTime(at)}>
      {formatRelative(at)}
      {by ? <span className="muted"> by {actor(by)}</span> : null}
    </span>
  );
}

function Identity({ secret }: { secret: Secret }) {
  if (secret.fingerprint) {
    return (
      <span className="mono secret-table__fingerprint" title={secret.publicKey ?? secret.fingerprint}>
        {secret.username ? `${secret.username} · ` : ''}
        {secret.fingerprint}
      </span>
    );
  }
  return secret.username ? <span>{secret.username}</span> : <span className="muted">—</span>;
}

interface SecretActionsProps {
  secret: Secret;
  locked: boolean;
  copy: ReturnType<typeof useSecretCopy>;
}

function SecretActions({ secret, locked, copy }: SecretActionsProps) {
  const can = useCan();
  const open = useDialogStore((state) => state.open);
  const name = secret.name;
  const lockedNote = locked ? 'Unlock the vault first' : undefined;
  return (
    <div className="row-actions">
      {can('vault:reveal') ? (
        <>
          <button
            type="button"
            className="button button--small"
            aria-label={`Reveal ${name}`}
            title={lockedNote}
            disabled={locked}
            onClick={() => open({ kind: 'secret-access', secret, mode: 'reveal' })}
          >
            Reveal
          </button>
          <button
            type="button"
            className="button button--small"
            aria-label={`Copy ${name}`}
            title={lockedNote}
            disabled={locked || copy.pending}
            onClick={() => copy.copy(secret)}
          >
            Copy
          </button>
        </>
      ) : null}
      {can('vault:write') ? (
        <>
          <button type="button" className="button button--small" aria-label={`Edit ${name}`} onClick={() => open({ kind: 'secret-edit', secret })}>
            Edit
          </button>
          <button
            type="button"
            className="button button--small button--danger-text"
            aria-label={`Delete ${name}`}
            onClick={() => open({ kind: 'secret-delete', secret })}
          >
            Delete
          </button>
        </>
      ) : null}
    </div>
  );
}

/** The secrets' metadata, readable while the vault is locked; the values stay sealed. */
export function SecretTable({ secrets, locked }: { secrets: Secret[]; locked: boolean }) {
  const can = useCan();
  const actor = useActorName();
  const copy = useSecretCopy();
  const withActions = can('vault:reveal') || can('vault:write');
  return (
    <table className="simple-table" aria-label="Secrets" data-testid="secret-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Kind</th>
          <th scope="col">Username / fingerprint</th>
          <th scope="col">Tags</th>
          <th scope="col" className="simple-table__num">
            Servers
          </th>
          <th scope="col">Updated</th>
          <th scope="col">Last used</th>
          {withActions ? (
            <th scope="col" className="simple-table__actions">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {secrets.map((secret) => (
          <tr key={secret.id} data-testid="secret-row">
            <td className="cell--name">{secret.name}</td>
            <td>{KIND_LABELS[secret.kind]}</td>
            <td>
              <Identity secret={secret} />
            </td>
            <td>
              {secret.tags.map((tag) => (
                <span key={tag} className="tag">
                  {tag}
                </span>
              ))}
            </td>
            <td className="simple-table__num" title={plural(secret.serverIds.length, 'linked server', 'linked servers')}>
              {secret.serverIds.length}
            </td>
            <td>
              <When at={secret.updatedAt} by={secret.updatedBy} actor={actor} />
            </td>
            <td>
              <When at={secret.lastUsedAt} by={secret.lastUsedBy} actor={actor} />
            </td>
            {withActions ? (
              <td className="simple-table__actions">
                <SecretActions secret={secret} locked={locked} copy={copy} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
