import type { VaultStatus } from '@shared/api/vault';
import { useClient } from '../api/client-context';
import { useMethodQuery } from '../api/hooks';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatDuration, SLOT_LABELS } from '../vault/vault-labels';
import { VaultProtectForm } from '../vault/VaultProtectForm';

/**
 * What protects the vault where Guardian runs, and when its passphrase will be asked for again,
 * said once for this environment: the desktop app (OS keychain when the system has one) or a
 * service started with `guardian serve` (a passphrase, or a key file given at start).
 */
function WhenAsked({ status, desktop }: { status: VaultStatus; desktop: boolean }) {
  const idle = status.autoLockMs === null ? 'never, while it runs with its key file' : `${formatDuration(status.autoLockMs)} without use`;
  if (desktop && status.os.available) {
    return (
      <p className="auth-card__text" data-testid="vault-step-when">
        With the OS keychain, there is nothing to type: the vault opens when Guardian starts on this computer. With a passphrase instead, you type it each time
        Guardian starts and whenever the vault has locked itself ({idle}).
      </p>
    );
  }
  return (
    <p className="auth-card__text" data-testid="vault-step-when">
      {desktop
        ? 'This computer has no usable OS keychain, so the vault is protected by a passphrase you choose.'
        : 'This Guardian runs as a service (guardian serve), where there is no OS keychain: the vault is protected by a passphrase you choose.'}{' '}
      You will be asked for it each time Guardian {desktop ? 'starts' : 'restarts'}, and whenever the vault has locked itself ({idle}).
      {desktop ? '' : ' To open it without anyone typing, start the service with --vault-key-file and add a key file slot on the Vault page.'}
    </p>
  );
}

/** Step 4: the vault's key protected by the OS keychain, or else by a passphrase. */
export function VaultStep({ onDone }: { onDone(): void }) {
  const desktop = useClient().transport === 'ipc';
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
          The vault already exists, protected by {kinds.length > 0 ? kinds.join(' and ') : 'its key slots'}. Manage it any time on the Vault page.
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
        Guardian keeps your servers’ passwords, SSH keys and API tokens in an encrypted vault. Its key must itself be locked away:{' '}
        {desktop && data.os.available ? 'your operating system’s keychain can do that for you' : 'here, with a passphrase you choose'}. The database file alone
        then reveals nothing.
      </p>
      <WhenAsked status={data} desktop={desktop} />
      <VaultProtectForm
        os={data.os}
        labels={{ passphrase: 'Vault passphrase', confirm: 'Confirm vault passphrase', submit: 'Protect the vault' }}
        onCreated={onDone}
        testId="vault-step"
      />
    </div>
  );
}
