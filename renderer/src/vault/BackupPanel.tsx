import type { VaultStatus } from '@shared/api/vault';
import { useDialogStore } from '../state/dialog-store';
import { DownloadIcon, UploadIcon } from '../ui/icons';

/** Moving secrets between vaults, or keeping a copy of them apart from Guardian's data. */
export function BackupPanel({ status }: { status: VaultStatus }) {
  const open = useDialogStore((state) => state.open);
  return (
    <section className="panel" aria-labelledby="vault-backup-title" data-testid="vault-backup">
      <h2 id="vault-backup-title" className="panel__title">
        Export and import
      </h2>
      <p className="panel__text">
        An export holds every secret, encrypted with a passphrase of its own: keep the two apart. Importing adds the secrets this vault does not have yet.
      </p>
      {status.locked ? (
        <p className="muted">Unlock the vault to export or import.</p>
      ) : (
        <div className="form__inline">
          <button type="button" className="button" onClick={() => open({ kind: 'vault-export' })}>
            <DownloadIcon />
            Export vault
          </button>
          <button type="button" className="button" onClick={() => open({ kind: 'vault-import' })}>
            <UploadIcon />
            Import vault
          </button>
        </div>
      )}
    </section>
  );
}
