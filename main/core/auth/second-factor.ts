import type { Me } from '@shared/api/auth';
import { AppError } from '@shared/api/errors';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { AccountStore } from './accounts';
import { verifyPassword } from './passwords';
import type { AuthStore } from './store';
import type { UserRow } from './table';
import { enrolmentMaterial, hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret } from './totp';

export interface SecondFactorDeps {
  store: AuthStore;
  clock: Clock;
  accounts: AccountStore;
  /** The caller's own account as `auth.me` answers, after a change. */
  me: (principal: Principal) => Promise<Me>;
}

/**
 * Two-step sign-in (docs/architecture.md §6): enrolling an authenticator app (TOTP), turning it
 * off, and spending a code at sign-in or re-authentication. The code maths (otpauth, recovery
 * codes) is totp.ts's; this is what a person does with it, on their own account only.
 */
export class SecondFactor {
  constructor(private readonly deps: SecondFactorDeps) {}

  /**
   * A TOTP code for a step after the last one used, or an unused recovery code. Either is spent
   * by an update that must change exactly one row, so parallel requests with one code get one success.
   */
  async spend(user: UserRow, code: string): Promise<boolean> {
    const { store, clock } = this.deps;
    if (/^\s*\d{6}\s*$/.test(code) && user.totpSecret) {
      const step = matchTotp(user.totpSecret, code, clock.now());
      return step !== null && store.spendTotpStep(user.id, step);
    }
    return store.spendRecoveryCode(user.id, hashRecoveryCode(code), clock.now());
  }

  /** Starts enrolment: a new secret, kept unconfirmed, and what an authenticator app needs. */
  async begin(principal: Principal) {
    const user = await this.deps.accounts.signedIn(principal);
    if (user.totpEnabled) {
      throw new AppError('CONFLICT', 'TOTP is already on for this account.', { hint: 'Turn it off first to enrol a new app.' });
    }
    const secret = newTotpSecret();
    await this.deps.store.updateUser(user.id, { totpSecret: secret });
    return enrolmentMaterial(secret, user.username);
  }

  /** Turns TOTP on when the code matches the new secret, with fresh recovery codes (shown this once). */
  async confirm(principal: Principal, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.deps.accounts.signedIn(principal);
    if (user.totpEnabled || !user.totpSecret) {
      throw new AppError('CONFLICT', user.totpEnabled ? 'TOTP is already on.' : 'No TOTP enrolment is in progress.', {
        hint: 'Start the enrolment again.',
      });
    }
    const step = matchTotp(user.totpSecret, code, this.deps.clock.now());
    if (step === null) {
      throw new AppError('VALIDATION_FAILED', 'That code does not match.', {
        hint: 'Check the clock of the device with the app, and enter the current 6-digit code.',
        issues: [{ path: ['code'], message: 'Wrong code' }],
      });
    }
    const codes = newRecoveryCodes();
    await this.deps.store.updateUser(user.id, { totpEnabled: true, totpLastStep: step });
    await this.deps.store.replaceRecoveryCodes(user.id, codes.map(hashRecoveryCode));
    return { recoveryCodes: codes };
  }

  /** Turns TOTP off after the password is proven, removing the secret and the recovery codes. */
  async disable(principal: Principal, password: string): Promise<Me> {
    const user = await this.deps.accounts.signedIn(principal);
    if (!(await verifyPassword(user.passwordHash, password))) {
      throw new AppError('VALIDATION_FAILED', 'The password is wrong.', {
        hint: 'Enter your current password to turn TOTP off.',
        issues: [{ path: ['password'], message: 'Wrong password' }],
      });
    }
    await this.deps.store.updateUser(user.id, { totpEnabled: false, totpSecret: null, totpLastStep: null });
    await this.deps.store.replaceRecoveryCodes(user.id, []);
    return this.deps.me(principal);
  }
}
