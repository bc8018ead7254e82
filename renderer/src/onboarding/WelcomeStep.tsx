import { useClient } from '../api/client-context';
import { busyProps } from '../ui/busy';

/** Step 1: what Guardian does and what the next few minutes hold. */
export function WelcomeStep({ onStart, pending }: { onStart(): void; pending: boolean }) {
  // The desktop app can hand the vault's key to the OS keychain; `guardian serve` has none.
  const desktop = useClient().transport === 'ipc';
  return (
    <div className="form">
      <ul className="feature-list">
        <li>
          <strong>Watches</strong> your servers (web and API hosts, databases, game servers) and shows what is down and since when.
        </li>
        <li>
          <strong>Keeps their secrets</strong> in an encrypted vault,{' '}
          {desktop
            ? 'its key protected by your operating system’s keychain (or by a passphrase, where there is none).'
            : 'its key protected by a passphrase you choose (or a key file the service is started with).'}
        </li>
        <li>
          <strong>Acts</strong> on them over SSH, audited, with progress you can follow and cancel.
        </li>
        <li>
          <strong>Proves</strong> what happened: a tamper-evident audit log and uptime reports you can export.
        </li>
      </ul>
      <p className="auth-card__text">
        Setting up takes a few minutes: an owner account, optional two-factor sign-in, protecting the vault, and your first server. You can change everything
        later.
      </p>
      <div className="form__actions">
        <button type="button" className="button button--primary" {...busyProps(pending)} onClick={onStart} autoFocus>
          Get started
        </button>
      </div>
    </div>
  );
}
