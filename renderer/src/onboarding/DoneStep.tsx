import type { Me } from '@shared/api/auth';
import type { CreatedServer } from '@shared/api/servers';
import { useMethodQuery } from '../api/hooks';
import type { AlertsSetUp } from './AlertsStep';
import { HOME_HREF } from '../app/routes';
import { StatusPill } from '../health/server/ChecksTable';
import { SLOT_LABELS } from '../vault/vault-labels';

export interface WizardSummary {
  /** Two-factor was turned on in this run (or was already on). */
  totp: boolean;
  /** The server added in this run, with the check it got; null when skipped (or added in an earlier run). */
  server: CreatedServer | null;
  /** The first server is watched by a TCP check on the port tested (not necessarily its SSH port). */
  check: boolean;
  /** The alert channel set up in this run, and whether its test arrived; null when skipped. */
  alerts: AlertsSetUp | null;
}

/** Where the wizard leaves to: the overview, or a page the "Next" line names. */
export type WizardExit = typeof HOME_HREF | '#/servers' | '#/users';

/**
 * The first server's status as the engine sees it, read again every 2 s until its first check
 * has answered (the wizard has no event stream; the check runs as soon as it is saved).
 */
function LiveStatus({ serverId }: { serverId: string }) {
  const health = useMethodQuery('health.server', { id: serverId }, { refetchInterval: (query) => (query.state.data?.status === 'unknown' ? 2000 : false) });
  const status = health.data?.status;
  return (
    <span aria-live="polite" data-testid="wizard-server-status">
      {status === undefined ? null : status === 'unknown' ? (
        <span className="muted">: waiting for its first check…</span>
      ) : (
        <>
          {': '}
          <StatusPill state={status} />
        </>
      )}
    </span>
  );
}

/** The last step: what was set up, and the way into the app: the overview, with the first server live. */
export function DoneStep({ me, summary, onFinish }: { me: Me; summary: WizardSummary; onFinish(to: WizardExit): void }) {
  const go = (to: WizardExit) => (event: React.MouseEvent) => {
    event.preventDefault();
    onFinish(to);
  };
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
            {summary.server ? (
              <>
                {`${summary.server.name} (${summary.server.host}, SSH port ${summary.server.port})${summary.check && summary.server.check ? `, watched by a TCP check on port ${summary.server.check.port}` : ''}`}
                {summary.check ? <LiveStatus serverId={summary.server.id} /> : null}
              </>
            ) : (
              'None yet: add servers, or import a fleet, from the Servers page.'
            )}
          </dd>
        </div>
        <div className="summary__row">
          <dt>Alerts</dt>
          <dd>
            {summary.alerts
              ? `Every incident goes to ${summary.alerts.channel}${summary.alerts.delivered ? '; its test arrived' : '; its test did not arrive: see the Alerts page'}`
              : 'None yet: set up channels and rules on the Alerts page.'}
          </dd>
        </div>
      </dl>
      <p className="auth-card__text">
        Next:{' '}
        <a href="#/servers" onClick={go('#/servers')}>
          add the rest of your servers
        </a>
        , and{' '}
        <a href="#/users" onClick={go('#/users')}>
          accounts for the people who work with you
        </a>
        .
      </p>
      <div className="form__actions">
        <button type="button" className="button button--primary" onClick={() => onFinish(HOME_HREF)} autoFocus>
          Go to the overview
        </button>
      </div>
    </div>
  );
}
