import { ONBOARDING_STEPS, type OnboardingStep } from '../../../shared/api/auth';
import type { AuthStatus } from '../auth/auth-status';

export const STEP_TITLES: Record<OnboardingStep, { short: string; title: string }> = {
  welcome: { short: 'Welcome', title: 'Welcome to Guardian' },
  owner: { short: 'Owner account', title: 'Create the owner account' },
  totp: { short: 'Two-factor', title: 'Protect your account with two-factor' },
  server: { short: 'First server', title: 'Add your first server' },
  done: { short: 'Done', title: 'Guardian is ready' },
};

export const stepNumber = (step: OnboardingStep): number => ONBOARDING_STEPS.indexOf(step) + 1;
export const STEP_COUNT = ONBOARDING_STEPS.length;

/** Where the wizard opens: at the start without an account, else where it was left. */
export function initialStep(status: AuthStatus): OnboardingStep {
  if (status.setupRequired || !status.user) return 'welcome';
  return status.onboarding === 'owner' ? 'welcome' : status.onboarding;
}

/** Whether the wizard still has work for this user: it is unfinished and they may finish it. */
export function wizardPending(status: AuthStatus, mayWrite: boolean): boolean {
  return status.setupRequired || (status.user !== null && status.onboarding !== 'done' && mayWrite);
}
