import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Me } from '@shared/api/auth';
import { AppError } from '@shared/api/errors';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { AccountStore } from './accounts';
import { verifyPassword } from './passwords';
import { recoveryCodesTable, usersTable, type UserRow } from './table';
import { enrolmentMaterial, hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret } from './totp';

export interface SecondFactorDeps {
  db: Db;
  clock: Clock;
  accounts: AccountStore;
  /** The caller's own account as `auth.me` answers, after a change. */
  me: (principal: Principal) => Me;
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
  spend(user: UserRow, code: string): boolean {
    const { db, clock } = this.deps;
    if (/^\s*\d{6}\s*$/.test(code) && user.totpSecret) {
      const step = matchTotp(user.totpSecret, code, clock.now());
      if (step === null) return false;
      const spent = db
        .update(usersTable)
        .set({ totpLastStep: step })
        .where(and(eq(usersTable.id, user.id), or(isNull(usersTable.totpLastStep), lt(usersTable.totpLastStep, step))))
        .run();
      return spent.changes === 1;
    }
    const hash = hashRecoveryCode(code);
    const result = db
      .update(recoveryCodesTable)
      .set({ usedAt: clock.now() })
      .where(and(eq(recoveryCodesTable.userId, user.id), eq(recoveryCodesTable.codeHash, hash), isNull(recoveryCodesTable.usedAt)))
      .run();
    return result.changes === 1;
  }

  /** Starts enrolment: a new secret, kept unconfirmed, and what an authenticator app needs. */
  async begin(principal: Principal) {
    const user = this.deps.accounts.signedIn(principal);
    if (user.totpEnabled) {
      throw new AppError('CONFLICT', 'TOTP is already on for this account.', { hint: 'Turn it off first to enrol a new app.' });
    }
    const secret = newTotpSecret();
    this.deps.db.update(usersTable).set({ totpSecret: secret }).where(eq(usersTable.id, user.id)).run();
    return enrolmentMaterial(secret, user.username);
  }

  /** Turns TOTP on when the code matches the new secret, with fresh recovery codes (shown this once). */
  confirm(principal: Principal, code: string): { recoveryCodes: string[] } {
    const user = this.deps.accounts.signedIn(principal);
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
    const { db } = this.deps;
    db.update(usersTable).set({ totpEnabled: true, totpLastStep: step }).where(eq(usersTable.id, user.id)).run();
    db.delete(recoveryCodesTable).where(eq(recoveryCodesTable.userId, user.id)).run();
    db.insert(recoveryCodesTable)
      .values(codes.map((value) => ({ userId: user.id, codeHash: hashRecoveryCode(value), usedAt: null })))
      .run();
    return { recoveryCodes: codes };
  }

  /** Turns TOTP off after the password is proven, removing the secret and the recovery codes. */
  async disable(principal: Principal, password: string): Promise<Me> {
    const user = this.deps.accounts.signedIn(principal);
    if (!(await verifyPassword(user.passwordHash, password))) {
      throw new AppError('VALIDATION_FAILED', 'The password is wrong.', {
        hint: 'Enter your current password to turn TOTP off.',
        issues: [{ path: ['password'], message: 'Wrong password' }],
      });
    }
    this.deps.db.update(usersTable).set({ totpEnabled: false, totpSecret: null, totpLastStep: null }).where(eq(usersTable.id, user.id)).run();
    this.deps.db.delete(recoveryCodesTable).where(eq(recoveryCodesTable.userId, user.id)).run();
    return this.deps.me(principal);
  }
}
