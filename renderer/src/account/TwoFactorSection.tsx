import { useState, type FormEvent } from 'react';
import type { Me } from '@shared/api/auth';
import { issueOn } from '../api/app-errors';
import { useMethodMutation } from '../api/hooks';
import { useStatusUpdates } from '../auth/auth-status';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';
import { RecoveryCodes } from './RecoveryCodes';
import { TotpScan } from './TotpScan';
import { useTotpEnrolment } from './use-totp-enrolment';

/** Turning two-factor off asks for the password, so an unattended session cannot weaken the account. */
function TurnOff({ onCancel, onDone }: { onCancel(): void; onDone(): void }) {
  const [password, setPassword] = useState('');
  const disable = useMethodMutation('auth.totpDisable');
  const status = useStatusUpdates();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    disable.mutate(
      { password },
      {
        onSuccess: (me) => {
          status.signedIn(me);
          onDone();
          toast.success('Two-factor is off');
        },
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={disable.isPending} aria-label="Turn off two-factor">
      <ErrorBanner error={disable.error} testId="totp-disable-error" />
      <PasswordField
        label="Password"
        error={issueOn(disable.error, 'password')}
        help="Your current password, to confirm it is you."
        testId="totp-disable-password"
        autoFocus
        value={password}
        onChange={setPassword}
      />
      <div className="form__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--danger" disabled={disable.isPending}>
          {disable.isPending ? 'Turning off…' : 'Turn off'}
        </button>
      </div>
    </form>
  );
}

/** Two-factor on or off, with the same enrolment as the first-run wizard. */
export function TwoFactorSection({ me }: { me: Me }) {
  const enrolment = useTotpEnrolment();
  const [turningOff, setTurningOff] = useState(false);
  const { state } = enrolment;

  const content = () => {
    if (state.stage === 'scan') {
      return (
        <TotpScan
          material={state.material}
          onConfirm={enrolment.confirm}
          onCancel={enrolment.cancel}
          confirming={enrolment.confirming}
          error={enrolment.error}
        />
      );
    }
    if (state.stage === 'codes') return <RecoveryCodes codes={state.recoveryCodes} onContinue={enrolment.cancel} />;
    if (me.totpEnabled) {
      return turningOff ? (
        <TurnOff onCancel={() => setTurningOff(false)} onDone={() => setTurningOff(false)} />
      ) : (
        <div className="form__inline">
          <span className="badge badge--succeeded">On</span>
          <span>Signing in needs a code from your authenticator app.</span>
          <button type="button" className="button" onClick={() => setTurningOff(true)}>
            Turn off two-factor
          </button>
        </div>
      );
    }
    return (
      <>
        <ErrorBanner error={enrolment.error} testId="totp-error" />
        <div className="form__inline">
          <span className="badge">Off</span>
          <span>Your password alone signs you in.</span>
          <button type="button" className="button button--primary" onClick={enrolment.begin} disabled={enrolment.beginning}>
            {enrolment.beginning ? 'Preparing…' : 'Turn on two-factor'}
          </button>
        </div>
      </>
    );
  };

  return (
    <section className="panel" aria-labelledby="two-factor-title" data-testid="two-factor-section">
      <h2 id="two-factor-title" className="panel__title">
        Two-factor sign-in
      </h2>
      {content()}
    </section>
  );
}
