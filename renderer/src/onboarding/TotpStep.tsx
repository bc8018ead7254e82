import type { Me } from '@shared/api/auth';
import { RecoveryCodes } from '../account/RecoveryCodes';
import { TotpScan } from '../account/TotpScan';
import { useTotpEnrolment } from '../account/use-totp-enrolment';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';

/** Step 3 (optional): two-factor sign-in with an authenticator app. */
export function TotpStep({ me, onDone, pending }: { me: Me; onDone(enabled: boolean): void; pending: boolean }) {
  const enrolment = useTotpEnrolment();
  const { state } = enrolment;

  if (me.totpEnabled && state.stage === 'start') {
    return (
      <div className="form">
        <p className="auth-card__text">Two-factor sign-in is already on for {me.username}.</p>
        <div className="form__actions">
          <button type="button" className="button button--primary" {...busyProps(pending)} onClick={() => onDone(true)}>
            Continue
          </button>
        </div>
      </div>
    );
  }

  switch (state.stage) {
    case 'start':
      return (
        <div className="form">
          <p className="auth-card__text">
            With two-factor on, signing in needs your password and a 6-digit code from an app on your phone, so a leaked password alone does not open Guardian.
            It takes a minute; you can also turn it on later under Account.
          </p>
          <ErrorBanner error={enrolment.error} testId="totp-error" />
          <div className="form__actions">
            <button type="button" className="button" {...busyProps(pending)} onClick={() => onDone(false)}>
              Skip for now
            </button>
            <button type="button" className="button button--primary" {...busyProps(enrolment.beginning)} onClick={enrolment.begin} autoFocus>
              {enrolment.beginning ? 'Preparing…' : 'Set up two-factor'}
            </button>
          </div>
        </div>
      );
    case 'scan':
      return (
        <TotpScan
          material={state.material}
          onConfirm={enrolment.confirm}
          onCancel={enrolment.cancel}
          confirming={enrolment.confirming}
          error={enrolment.error}
        />
      );
    case 'codes':
      return <RecoveryCodes codes={state.recoveryCodes} onContinue={() => onDone(true)} />;
    default: {
      const unreachable: never = state;
      return unreachable;
    }
  }
}
