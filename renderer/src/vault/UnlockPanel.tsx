import { useState, type FormEvent } from 'react';
import type { VaultStatus } from '@shared/api/vault';
import { useDirectCall } from '../api/use-direct-call';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';
import { LockIcon } from '../ui/icons';
import { autoLockWords } from './vault-labels';

type UnlockWith = { kind: 'passphrase'; passphrase: string } | { kind: 'os' } | { kind: 'keyfile' };

/**
 * The locked vault: why nothing can be used, and (for those who may unlock it) a form for each
 * kind of key slot it has. A key file is never named here: the service's own file is used, or the
 * desktop app asks for it in its file dialog.
 */
export function UnlockPanel({ status }: { status: VaultStatus }) {
  const mayUnlock = useCan()('vault:admin');
  const [passphrase, setPassphrase] = useState('');
  const [missing, setMissing] = useState<{ passphrase?: string }>({});
  // A direct call: the passphrase must not stay behind in a mutation cache.
  const unlock = useDirectCall('vault.unlock');
  const kinds = new Set(status.slots.map((slot) => slot.kind));

  const open = async (using: UnlockWith) => {
    if (unlock.pending) return;
    const result = await unlock.run({ with: using });
    if (!result.ok) return;
    setPassphrase('');
    toast.success('Vault unlocked', autoLockWords(status.autoLockMs));
  };

  const withPassphrase = (event: FormEvent) => {
    event.preventDefault();
    if (passphrase === '') return setMissing({ passphrase: 'Enter the vault passphrase.' });
    void open({ kind: 'passphrase', passphrase });
  };

  const keyFile = status.keyFile;

  return (
    <section className="vault-locked" aria-labelledby="vault-locked-title" data-testid="vault-locked">
      <div className="vault-locked__head">
        <LockIcon />
        <div>
          <h2 id="vault-locked-title" className="panel__title">
            The vault is locked
          </h2>
          <p className="panel__text">
            Secrets are listed below, but none can be used, shown or changed until the vault is unlocked. {autoLockWords(status.autoLockMs)}
          </p>
        </div>
      </div>
      {mayUnlock ? (
        <>
          <ErrorBanner error={unlock.error} testId="vault-unlock-error" />
          <div className="vault-locked__forms">
            {kinds.has('passphrase') ? (
              <form
                className="form__inline vault-locked__form"
                onSubmit={withPassphrase}
                noValidate
                aria-busy={unlock.pending}
                aria-label="Unlock with the passphrase"
              >
                <PasswordField
                  label="Vault passphrase"
                  error={missing.passphrase}
                  testId="vault-unlock-passphrase"
                  value={passphrase}
                  onChange={(value) => {
                    setPassphrase(value);
                    setMissing({});
                  }}
                />
                <button type="submit" className="button button--primary" disabled={unlock.pending}>
                  {unlock.pending ? 'Unlocking…' : 'Unlock vault'}
                </button>
              </form>
            ) : null}
            {kinds.has('keyfile') && keyFile.source !== 'none' ? (
              <div className="form__inline">
                <button type="button" className="button" onClick={() => void open({ kind: 'keyfile' })} disabled={unlock.pending} title={keyFile.reason}>
                  {keyFile.source === 'dialog' ? 'Unlock with a key file…' : 'Unlock with the service’s key file'}
                </button>
              </div>
            ) : null}
            {kinds.has('keyfile') && keyFile.source === 'none' && kinds.size === 1 ? (
              <p className="muted" data-testid="vault-unlock-keyfile-none">
                {keyFile.reason}
              </p>
            ) : null}
            {kinds.has('os') ? (
              <div className="form__inline">
                <button type="button" className="button" onClick={() => void open({ kind: 'os' })} disabled={unlock.pending}>
                  Unlock with OS keychain
                </button>
              </div>
            ) : null}
          </div>
        </>
      ) : (
        <p className="panel__text" data-testid="vault-unlock-ask">
          Ask an owner or admin to unlock it.
        </p>
      )}
    </section>
  );
}
