import type { AppError } from '@shared/api';
import type { Me } from '@shared/api/auth';
import { useStatusUpdates, useAuthStatus, type AuthStatus } from '../auth/auth-status';
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
import { focusLost, useFocusMainAfterChange } from './focus';

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

type Screen =
  | { kind: 'locked'; user: Me }
  | { kind: 'loading' }
  | { kind: 'unreachable'; error: AppError }
  | { kind: 'wizard'; status: AuthStatus }
  | { kind: 'sign-in' }
  | { kind: 'change-password'; user: Me }
  | { kind: 'app'; user: Me };

/**
 * Who is here decides what is shown: the first-run wizard, the sign-in page, a required password
 * change, or the app. A locked session keeps the app (with its user) under the lock screen.
 */
function screenOf(data: AuthStatus | undefined, error: AppError | null, lockedUser: Me | null, wizardActive: boolean): Screen {
  if (lockedUser) return { kind: 'locked', user: lockedUser };
  if (data === undefined) return error ? { kind: 'unreachable', error } : { kind: 'loading' };
  const user = data.user;
  if (data.setupRequired) return { kind: 'wizard', status: data };
  if (!user) return { kind: 'sign-in' };
  if (user.mustChangePassword) return { kind: 'change-password', user };
  if (wizardActive || wizardPending(data, can(user, 'users:write'))) return { kind: 'wizard', status: data };
  return { kind: 'app', user };
}

function Content() {
  const status = useAuthStatus();
  const lockedUser = useLockStore((state) => state.user);
  const wizardActive = useWizardStore((state) => state.active);
  const updates = useStatusUpdates();
  const screen = screenOf(status.data, status.error, lockedUser, wizardActive);
  // Signing in, leaving the wizard: the control that did it is gone. Where nothing on the new
  // screen took focus, it starts at its content; the first load starts at the top as usual.
  useFocusMainAfterChange(screen.kind, (previous) => previous !== 'loading' && focusLost());

  switch (screen.kind) {
    case 'locked':
      return <AppFrame me={screen.user} locked />;
    case 'loading':
      return (
        <div className="auth-page auth-page--loading" role="status">
          <span className="spinner" aria-hidden="true" /> Loading…
        </div>
      );
    case 'unreachable':
      return <StartupError error={screen.error} onRetry={() => void status.refetch()} />;
    case 'wizard':
      return <Wizard status={screen.status} />;
    case 'sign-in':
      return <SignInPage onSignedIn={updates.signedIn} />;
    case 'change-password':
      return <MustChangePasswordPage me={screen.user} />;
    case 'app':
      return <AppFrame me={screen.user} locked={false} />;
    default: {
      const unreachable: never = screen;
      return unreachable;
    }
  }
}

export function App() {
  return (
    <>
      <Content />
      <Toasts />
    </>
  );
}
