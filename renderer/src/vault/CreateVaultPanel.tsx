import type { VaultStatus } from '@shared/api/vault';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ShieldIcon } from '../ui/icons';
import { VaultProtectForm } from './VaultProtectForm';

/** No vault yet: what it is for, in plain words, and how to create it. */
export function CreateVaultPanel({ status }: { status: VaultStatus }) {
  const mayCreate = useCan()('vault:admin');
  return (
    <section className="panel vault-create" aria-labelledby="vault-create-title" data-testid="vault-create">
      <div className="vault-locked__head">
        <ShieldIcon />
        <h2 id="vault-create-title" className="panel__title">
          Create the vault
        </h2>
      </div>
      <p className="panel__text">
        The vault keeps the passwords, SSH keys and API tokens of your servers, encrypted on this machine. One key encrypts them all, and that key is itself
        locked: by your operating system’s keychain, or by a passphrase only you know. Without it, the database file alone reveals nothing.
      </p>
      {mayCreate ? (
        <div className="panel__narrow">
          <VaultProtectForm
            os={status.os}
            labels={{ passphrase: 'Passphrase', confirm: 'Confirm passphrase', submit: 'Create vault' }}
            onCreated={() => toast.success('Vault created', 'It is unlocked: add your first secret.')}
            testId="vault-create-form"
          />
        </div>
      ) : (
        <p className="panel__text">Ask an owner or admin to create it.</p>
      )}
    </section>
  );
}
