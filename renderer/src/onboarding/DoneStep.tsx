import type { Me } from '../../../shared/api/auth';
import type { Server } from '../../../shared/api/servers';
import { useMethodQuery } from '../api/hooks';
import { SLOT_LABELS } from '../vault/vault-labels';

export interface WizardSummary {
  /** Two-factor was turned on in this run (or was already on). */
  totp: boolean;
  /** The server added in this run; null when skipped (or added in an earlier run). */
  server: Server | null;
  /** The first server is watched by a TCP check on its host and port. */
  check: boolean;
}

/** Step 7: what was set up, and the way into the app. */
export function DoneStep({ me, summary, onFinish }: { me: Me; summary: WizardSummary; onFinish(): void }) {
  const vault = useMethodQuery('vault.status', {}).data;
  const protection = vault ? [...new Set(vault.slots.map((slot) => SLOT_LABELS[slot.kind].toLowerCase()))].join(' and ') : undefined;
  return (
    <div className="form">
      <dl className="summary" data-testid="wizard-summary">
        <div className="summary__row">
          <dt>Owner account</dt>
          <dd>{me.displayName && me.displayName !== me.username ? `${me.displayName} (${me.username})` : me.username}</dd>
        </div>
        <div className="summary__row">
          <dt>Two-factor sign-in</dt>
          <dd>{summary.totp || me.totpEnabled ? 'On' : 'Off: turn it on any time under Account.'}</dd>
        </div>
        <div className="summary__row">
          <dt>Vault</dt>
          <dd>
            {vault === undefined
              ? '…'
              : vault.initialized
                ? `Protected by ${protection ?? 'its key slots'}`
                : 'Not created yet: create it on the Vault page before storing secrets.'}
          </dd>
        </div>
        <div className="summary__row">
          <dt>First server</dt>
          <dd>
            {summary.server
              ? `${summary.server.name} (${summary.server.host}:${summary.server.port})${summary.check ? ', watched by a TCP check' : ''}`
              : 'None yet: add servers, or import a fleet, from the Servers page.'}
          </dd>
        </div>
      </dl>
      <p className="auth-card__text">
        Next: add the rest of your servers, and accounts for the people who work with you (Users).
      </p>
      <div className="form__actions">
        <button type="button" className="button button--primary" onClick={onFinish} autoFocus>
          Go to servers
        </button>
      </div>
    </div>
  );
}
