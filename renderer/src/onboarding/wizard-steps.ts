import type { OnboardingStep } from '@shared/api/auth';
import type { AuthStatus } from '../auth/auth-status';

/**
 * The wizard's pages. The server records only the contract's OnboardingStep; the vault and
 * monitoring pages sit between two-factor and the first server and are not recorded themselves:
 * a wizard resumed at 'server' opens on the vault page (which says so when the vault already
 * exists), then the monitoring defaults (shown as they are saved). The alerts page, optional,
 * comes after the first server, once 'done' is recorded: a wizard closed there is finished.
 */
export type WizardStep = OnboardingStep | 'vault' | 'monitoring' | 'alerts';

export const WIZARD_STEPS: readonly WizardStep[] = ['welcome', 'owner', 'totp', 'vault', 'monitoring', 'server', 'alerts', 'done'];

export const STEP_TITLES: Record<WizardStep, { short: string; title: string }> = {
  welcome: { short: 'Welcome', title: 'Welcome to Guardian' },
  owner: { short: 'Owner account', title: 'Create the owner account' },
  totp: { short: 'Two-factor', title: 'Protect your account with two-factor' },
  vault: { short: 'Vault', title: 'Protect your vault' },
  monitoring: { short: 'Monitoring', title: 'Choose how servers are checked' },
  server: { short: 'First server', title: 'Add your first server' },
  alerts: { short: 'Alerts', title: 'How should Guardian reach you?' },
  done: { short: 'Done', title: 'Guardian is ready' },
};

export const stepNumber = (step: WizardStep): number => WIZARD_STEPS.indexOf(step) + 1;
export const STEP_COUNT = WIZARD_STEPS.length;

/** Where the wizard opens: at the start without an account, else where it was left. */
export function initialStep(status: AuthStatus): WizardStep {
  if (status.setupRequired || !status.user) return 'welcome';
  if (status.onboarding === 'owner') return 'welcome';
  return status.onboarding === 'server' ? 'vault' : status.onboarding;
}

/** Whether the wizard still has work for this user: it is unfinished and they may finish it. */
export function wizardPending(status: AuthStatus, mayWrite: boolean): boolean {
  return status.setupRequired || (status.user !== null && status.onboarding !== 'done' && mayWrite);
}
