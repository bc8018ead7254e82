import { useMethodQuery } from '../api/hooks';
import { ErrorBanner } from '../ui/ErrorBanner';
import { SLOT_LABELS } from '../vault/vault-labels';
import { VaultProtectForm } from '../vault/VaultProtectForm';

/** Step 4: the vault's key protected by the OS keychain, or else by a passphrase. */
export function VaultStep({ onDone }: { onDone(): void }) {
  const status = useMethodQuery('vault.status', {}, { staleTime: 0 });
  const data = status.data;

  if (!data) {
    return status.error ? (
      <div className="form">
        <ErrorBanner error={status.error} testId="vault-step-error" />
        <div className="form__actions">
          <button type="button" className="button button--primary" onClick={() => void status.refetch()}>
            Try again
          </button>
        </div>
      </div>
    ) : (
      <p className="muted" role="status">
        <span className="spinner" aria-hidden="true" /> Checking the vault…
      </p>
    );
  }

  if (data.initialized) {
    const kinds = [...new Set(data.slots.map((slot) => SLOT_LABELS[slot.kind].toLowerCase()))];
    return (
      <div className="form" data-testid="vault-step-exists">
        <p className="auth-card__text">
          The vault already exists, protected by {kinds.length > 0 ? kinds.join(' and ') : 'its key slots'}. Manage it any time
          on the Vault page.
        </p>
        <div className="form__actions">
          <button type="button" className="button button--primary" onClick={onDone} autoFocus>
            Continue
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="form">
      <p className="auth-card__text">
        Guardian keeps your servers’ passwords, SSH keys and API tokens in an encrypted vault. Its key must itself be locked
        away: {data.os.available ? 'your operating system’s keychain can do that for you' : 'here, with a passphrase you choose'}.
        The database file alone then reveals nothing.
      </p>
      <VaultProtectForm
        os={data.os}
        labels={{ passphrase: 'Vault passphrase', confirm: 'Confirm vault passphrase', submit: 'Protect the vault' }}
        onCreated={onDone}
        testId="vault-step"
      />
    </div>
  );
}
