import type { AppError } from '../../../shared/api';
import { useStatusUpdates, useAuthStatus } from '../auth/auth-status';
import { AuthLayout } from '../auth/AuthLayout';
import { useLockStore } from '../auth/lock-store';
import { MustChangePasswordPage } from '../auth/MustChangePasswordPage';
import { can } from '../auth/session';
import { SignInPage } from '../auth/SignInPage';
import { useWizardStore } from '../onboarding/wizard-store';
import { wizardPending } from '../onboarding/wizard-steps';
import { Wizard } from '../onboarding/Wizard';
import { Toasts } from '../ui/Toasts';
import { AppFrame } from './AppFrame';

function StartupError({ error, onRetry }: { error: AppError; onRetry(): void }) {
  return (
    <AuthLayout title="Guardian is not answering" description={error.message}>
      <p className="auth-card__text muted">{error.hint}</p>
      <div className="form__actions">
        <button type="button" className="button button--primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    </AuthLayout>
  );
}

/**
 * Who is here decides what is shown: the first-run wizard, the sign-in page, a required password
 * change, or the app. A locked session keeps the app (with its user) under the lock screen.
 */
function Content() {
  const status = useAuthStatus();
  const lockedUser = useLockStore((state) => state.user);
  const wizardActive = useWizardStore((state) => state.active);
  const updates = useStatusUpdates();

  if (lockedUser) return <AppFrame me={lockedUser} locked />;
  const data = status.data;
  if (data === undefined) {
    if (status.error) return <StartupError error={status.error} onRetry={() => void status.refetch()} />;
    return (
      <div className="auth-page auth-page--loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading…
      </div>
    );
  }
  const user = data.user;
  if (data.setupRequired) return <Wizard status={data} />;
  if (!user) return <SignInPage onSignedIn={updates.signedIn} />;
  if (user.mustChangePassword) return <MustChangePasswordPage me={user} />;
  if (wizardActive || wizardPending(data, can(user, 'users:write'))) return <Wizard status={data} />;
  return <AppFrame me={user} locked={false} />;
}

export function App() {
  return (
    <>
      <Content />
      <Toasts />
    </>
  );
}
