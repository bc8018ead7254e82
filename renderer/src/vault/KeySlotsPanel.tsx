import type { VaultStatus } from '@shared/api/vault';
import { useDialogStore } from '../state/dialog-store';
import { formatDateTime, formatRelative } from '../ui/format';
import { SLOT_LABELS } from './vault-labels';

/** The ways the vault can be opened; any one of them unlocks it. */
export function KeySlotsPanel({ status }: { status: VaultStatus }) {
  const open = useDialogStore((state) => state.open);
  const unlocked = !status.locked;
  return (
    <section className="panel" aria-labelledby="vault-slots-title" data-testid="vault-slots">
      <h2 id="vault-slots-title" className="panel__title">
        Key slots
      </h2>
      <p className="panel__text">
        Each slot is one way to open the vault: a passphrase, the OS keychain, or a key file for a service. Any one of them unlocks it, so keep at least two. If
        a passphrase or key file may have leaked, remove its slot, then rotate all keys (Data key, below): until then an old copy of the database still opens
        with it.
      </p>
      <table className="simple-table" aria-label="Key slots">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col" className="simple-table__actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {status.slots.map((slot) => (
            <tr key={slot.id} data-testid="vault-slot-row">
              <td>{SLOT_LABELS[slot.kind]}</td>
              <td className="cell--name">{slot.label}</td>
              <td title={formatDateTime(slot.createdAt)}>{formatRelative(slot.createdAt)}</td>
              <td title={slot.lastUsedAt === null ? undefined : formatDateTime(slot.lastUsedAt)}>
                {slot.lastUsedAt === null ? <span className="muted">Never</span> : formatRelative(slot.lastUsedAt)}
              </td>
              <td className="simple-table__actions">
                <div className="row-actions">
                  {slot.kind === 'passphrase' ? (
                    <button
                      type="button"
                      className="button button--small"
                      aria-label={`Change passphrase of ${slot.label}`}
                      onClick={() => open({ kind: 'vault-slot-passphrase', slot })}
                    >
                      Change passphrase
                    </button>
                  ) : null}
                  {unlocked ? (
                    <button
                      type="button"
                      className="button button--small button--danger-text"
                      aria-label={`Remove ${slot.label}`}
                      onClick={() => open({ kind: 'vault-slot-remove', slot })}
                    >
                      Remove
                    </button>
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {unlocked ? (
        <div className="form__inline">
          <button type="button" className="button" onClick={() => open({ kind: 'vault-slot-add', slotKind: 'passphrase' })}>
            Add passphrase slot
          </button>
          {status.keyFile.source !== 'none' ? (
            <button type="button" className="button" onClick={() => open({ kind: 'vault-slot-add', slotKind: 'keyfile' })} title={status.keyFile.reason}>
              Add key file slot
            </button>
          ) : null}
          {status.os.available ? (
            <button type="button" className="button" onClick={() => open({ kind: 'vault-slot-add', slotKind: 'os' })}>
              Add OS keychain slot
            </button>
          ) : null}
        </div>
      ) : (
        <p className="muted">Unlock the vault to add or remove key slots.</p>
      )}
    </section>
  );
}
