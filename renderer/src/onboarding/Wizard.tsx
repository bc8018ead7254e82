import { useEffect, useState } from 'react';
import type { AppError } from '@shared/api';
import type { Me, OnboardingStep } from '@shared/api/auth';
import { useMethodMutation } from '../api/hooks';
import { useContractEvents } from '../api/use-contract-events';
import { focusLost, useFocusMainAfterChange } from '../app/focus';
import { useStatusUpdates, type AuthStatus } from '../auth/auth-status';
import { AuthLayout } from '../auth/AuthLayout';
import { can } from '../auth/session';
import { ErrorBanner } from '../ui/ErrorBanner';
import { AlertsStep } from './AlertsStep';
import { DoneStep, type WizardExit, type WizardSummary } from './DoneStep';
import { MonitoringStep } from './MonitoringStep';
import { OwnerStep } from './OwnerStep';
import { ServerStep } from './ServerStep';
import { TotpStep } from './TotpStep';
import { VaultStep } from './VaultStep';
import { WelcomeStep } from './WelcomeStep';
import { useWizardStore } from './wizard-store';
import { initialStep, STEP_TITLES, type WizardStep } from './wizard-steps';
import { WizardProgress } from './WizardProgress';

/**
 * The first run: welcome, owner account, two-factor, vault, monitoring defaults, first server
 * (with a check), how alerts reach you (for those who may store the secret it sends), done. Each finished step is recorded (onboarding.update), so a closed app
 * opens again where it was left, after sign-in. The vault and monitoring steps are not recorded
 * steps of their own: finishing two-factor records 'server', and a wizard resumed there opens on
 * the vault step first.
 */
export function Wizard({ status }: { status: AuthStatus }) {
  const [step, setStep] = useState<WizardStep>(() => initialStep(status));
  const [summary, setSummary] = useState<WizardSummary>({ totp: false, server: null, check: false, alerts: null });
  const [failure, setFailure] = useState<AppError | null>(null);
  const setActive = useWizardStore((state) => state.setActive);
  const updates = useStatusUpdates();
  const record = useMethodMutation('onboarding.update');
  const me = status.user;
  // The wizard's changes (the vault, the monitoring defaults, the first server) refresh what it
  // shows through their events, as in the app frame: listen once the owner is signed in.
  useContractEvents(me !== null);

  useEffect(() => setActive(true), [setActive]);
  // The button that finished a step is gone with it: a step without a field of its own to focus
  // starts the keyboard at its title's region.
  useFocusMainAfterChange(step, focusLost);

  /** Records that the wizard reached `next`, then shows `page`; on failure stays and says why. */
  const advance = (next: OnboardingStep, page: WizardStep = next) => {
    setFailure(null);
    record.mutate({ step: next }, { onSuccess: () => setStep(page), onError: setFailure });
  };

  const finish = (to: WizardExit) => {
    updates.onboarding('done');
    setActive(false);
    window.location.hash = to;
  };

  // A channel sends its secret (a chat URL, a mail password) to its host: only those who may read
  // secrets set one up (docs/alerts.md, "Secrets a channel sends"); others go on to the end.
  const afterServer: WizardStep = me && can(me, 'vault:reveal') ? 'alerts' : 'done';

  const body = (user: Me | null) => {
    switch (step) {
      case 'welcome':
        return <WelcomeStep onStart={() => (user ? advance('totp') : setStep('owner'))} pending={record.isPending} />;
      case 'owner':
        return (
          <OwnerStep
            onCreated={(created) => {
              updates.signedIn(created);
              setStep('totp');
            }}
          />
        );
      case 'totp':
        return user ? (
          <TotpStep
            me={user}
            pending={record.isPending}
            onDone={(enabled) => {
              setSummary((current) => ({ ...current, totp: enabled }));
              advance('server', 'vault');
            }}
          />
        ) : null;
      case 'vault':
        return <VaultStep onDone={() => setStep('monitoring')} />;
      case 'monitoring':
        return <MonitoringStep onDone={() => setStep('server')} />;
      case 'server':
        return (
          <ServerStep
            pending={record.isPending}
            onAdded={(server, check) => {
              setSummary((current) => ({ ...current, server, check }));
              advance('done', afterServer);
            }}
            onSkip={() => advance('done', afterServer)}
          />
        );
      case 'alerts':
        return (
          <AlertsStep
            onDone={(alerts) => {
              setSummary((current) => ({ ...current, alerts }));
              setStep('done');
            }}
          />
        );
      case 'done':
        return user ? <DoneStep me={user} summary={summary} onFinish={finish} /> : null;
      default: {
        const unreachable: never = step;
        return unreachable;
      }
    }
  };

  return (
    <AuthLayout title={STEP_TITLES[step].title} before={<WizardProgress step={step} />} wide testId="wizard">
      <ErrorBanner error={failure} testId="wizard-error" />
      {body(me)}
    </AuthLayout>
  );
}
