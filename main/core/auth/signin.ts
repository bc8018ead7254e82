import { z } from 'zod';
import { ONBOARDING_STEPS, type Me, type OnboardingStep } from '@shared/api/auth';
import { AppError } from '@shared/api/errors';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { SettingsStore } from '../settings';
import type { AccountStore } from './accounts';
import { assertPasswordAcceptable, dummyPasswordHash, hashPassword, verifyPassword, type Argon2Cost } from './passwords';
import type { SessionStore } from './sessions';
import type { AuthStore } from './store';
import type { SessionRow, UserRow } from './table';
import type { LoginThrottle, LockoutPolicy } from './throttle';
import { SecondFactor } from './second-factor';

/** Where a transport keeps the session token, so it never travels in a method's output. */
export interface SessionSink {
  establish(token: string, expiresAt: number): void;
  clear(): void;
}

export interface SignInDeps {
  store: AuthStore;
  clock: Clock;
  accounts: AccountStore;
  sessions: SessionStore;
  throttle: LoginThrottle;
  lockout: LockoutPolicy;
  settings: SettingsStore;
  /** argon2id cost of new password hashes (and of the stand-in hash a missing account is checked against); DEFAULT_ARGON2 unless given. */
  passwordCost?: Argon2Cost;
}

const signInFailed = () =>
  new AppError('SIGN_IN_FAILED', 'The username or password is wrong.', {
    hint: 'Check both and try again; repeated failures lock sign-in for a while.',
  });

const ONBOARDING_KEY = 'onboarding.step';

/** How long a re-authentication counts for sensitive acts: revealing or copying a secret, exporting the vault. */
export const REAUTH_WINDOW_MS = 5 * 60_000;

/** Signing in and out, the first owner, one's own password; the second factor is second-factor.ts's. */
export class SignInService {
  /** Attempts being verified right now, per throttle key: caps parallel guessing. */
  private readonly inFlight = new Map<string, number>();

  /** Two-step sign-in: enrolment, and spending a code at sign-in and re-authentication. */
  readonly mfa: SecondFactor;

  constructor(private readonly deps: SignInDeps) {
    this.mfa = new SecondFactor({ store: deps.store, clock: deps.clock, accounts: deps.accounts, me: (principal) => this.current(principal) });
  }

  me(user: UserRow, session: SessionRow | null): Me {
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      role: user.role,
      mustChangePassword: user.mustChangePassword,
      totpEnabled: user.totpEnabled,
      csrfToken: session?.csrfToken ?? '',
      sessionExpiresAt: session?.expiresAt ?? 0,
      idleTimeoutMs: this.deps.sessions.policy.idleMs,
    };
  }

  /** The principal behind a session token, or null. `touch: false` does not count as activity. */
  async authenticate(token: string, touch = true): Promise<{ principal: Principal; session: SessionRow } | null> {
    const found = await this.deps.sessions.resolve(token, touch);
    if (!found) return null;
    const { user, session } = found;
    return {
      session,
      principal: {
        kind: 'user',
        id: user.id,
        name: user.username,
        role: user.role,
        sessionId: session.id,
        mustChangePassword: user.mustChangePassword,
      },
    };
  }

  onboardingStep(): Promise<OnboardingStep> {
    return this.deps.settings.get(ONBOARDING_KEY, z.enum(ONBOARDING_STEPS), 'welcome');
  }

  async setOnboardingStep(step: OnboardingStep): Promise<{ step: OnboardingStep }> {
    await this.deps.settings.set(ONBOARDING_KEY, step);
    return { step };
  }

  async status(principal: Principal | null) {
    const setupRequired = (await this.deps.accounts.count()) === 0;
    let user: Me | null = null;
    if (principal?.kind === 'user' && principal.sessionId) {
      const session = (await this.deps.sessions.get(principal.sessionId)) ?? null;
      user = this.me(await this.deps.accounts.row(principal.id), session);
    }
    return { setupRequired, user, onboarding: setupRequired ? 'welcome' : await this.onboardingStep() };
  }

  private requireSink(sink: SessionSink | undefined): SessionSink {
    if (sink) return sink;
    throw new AppError('NOT_SUPPORTED_HERE', 'This transport cannot hold a session.', {
      hint: 'Sign in through the app or the web UI; scripts use API keys.',
    });
  }

  private async startSession(user: UserRow, origin: string, userAgent: string, sink: SessionSink | undefined): Promise<Me> {
    sink = this.requireSink(sink);
    const { token, row } = await this.deps.sessions.create(user.id, origin, userAgent);
    await this.deps.store.updateUser(user.id, { lastLoginAt: this.deps.clock.now() });
    sink.establish(token, row.expiresAt);
    return this.me(user, row);
  }

  async setup(
    input: { username: string; displayName?: string | undefined; password: string },
    origin: string,
    userAgent: string,
    sink: SessionSink | undefined,
  ): Promise<Me> {
    if ((await this.deps.accounts.count()) > 0) {
      throw new AppError('CONFLICT', 'Guardian already has an owner.', { hint: 'Sign in instead.' });
    }
    this.requireSink(sink);
    const user = await this.deps.accounts.create(null, { ...input, role: 'owner', mustChangePassword: false, first: true });
    await this.setOnboardingStep('totp');
    return this.startSession(await this.deps.accounts.row(user.id), origin, userAgent, sink);
  }

  async login(
    input: { username: string; password: string; code?: string | undefined },
    origin: string,
    userAgent: string,
    sink: SessionSink | undefined,
  ): Promise<Me> {
    const { throttle, accounts } = this.deps;
    this.requireSink(sink);
    const keys = [`account:${input.username.trim().toLowerCase()}`, `origin:${origin}`];
    const { user, passwordOk } = await this.throttled(keys, async () => {
      const found = await accounts.findByUsername(input.username);
      return { user: found, passwordOk: await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash(this.deps.passwordCost)), input.password) };
    });
    if (!user || !passwordOk || user.disabled) {
      void throttle.recordFailure(keys);
      throw signInFailed();
    }
    if (user.totpEnabled) {
      if (!input.code) {
        throw new AppError('MFA_REQUIRED', 'This account needs a one-time code.', {
          hint: 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.',
        });
      }
      const code = input.code;
      if (!(await this.mfa.spend(user, code))) {
        void throttle.recordFailure(keys);
        throw new AppError('SIGN_IN_FAILED', 'The one-time code is wrong or was already used.', {
          hint: 'Wait for the next code in your app and try again, or use a recovery code.',
        });
      }
    }
    // From here on the call's transaction holds the writers' turn (it began at this first write).
    await throttle.clear(keys[0] ?? '');
    return this.startSession(user, origin, userAgent, sink);
  }

  /**
   * Runs one password check counted against these throttle keys. Refused while a key is locked,
   * or while as many checks of it are in flight as it may still fail: argon2 runs off the event
   * loop, so without this, parallel guesses would all be checked before the first failure counts.
   */
  private async throttled<T>(keys: string[], check: () => Promise<T>): Promise<T> {
    const { throttle, clock } = this.deps;
    // Counted in at once, before the await that reads the throttle: parallel guesses each see
    // those that arrived before them, so no burst slips through while the counts are read.
    const ahead = keys.map((key) => this.inFlight.get(key) ?? 0);
    for (const key of keys) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    try {
      const left = await Promise.all(keys.map((key) => throttle.failuresLeft(key)));
      if (keys.some((_key, i) => (ahead[i] ?? 0) >= (left[i] ?? 0))) {
        const lockedUntil = await throttle.lockedUntil(keys);
        const minutes = Math.max(1, Math.ceil(((lockedUntil ?? clock.now()) - clock.now()) / 60_000));
        throw new AppError('RATE_LIMITED', 'Too many failed sign-ins.', {
          hint: `Sign-in is locked; try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        });
      }
      return await check();
    } finally {
      for (const key of keys) {
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
      }
    }
  }

  async logout(principal: Principal, sink: SessionSink | undefined): Promise<{ ok: true }> {
    if (principal.sessionId) await this.deps.sessions.revoke(principal.sessionId);
    sink?.clear();
    return { ok: true };
  }

  private signedInUser(principal: Principal): Promise<UserRow> {
    return this.deps.accounts.signedIn(principal);
  }

  async current(principal: Principal): Promise<Me> {
    const user = await this.signedInUser(principal);
    return this.me(user, principal.sessionId ? ((await this.deps.sessions.get(principal.sessionId)) ?? null) : null);
  }

  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<Me> {
    const user = await this.signedInUser(principal);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      throw new AppError('VALIDATION_FAILED', 'The current password is wrong.', {
        hint: 'Enter the password you signed in with.',
        issues: [{ path: ['currentPassword'], message: 'Wrong password' }],
      });
    }
    if (currentPassword === newPassword) {
      throw new AppError('VALIDATION_FAILED', 'The new password is the same as the current one.', {
        hint: 'Choose a different password.',
        issues: [{ path: ['newPassword'], message: 'Same as the current password' }],
      });
    }
    assertPasswordAcceptable(newPassword, user.username, 'newPassword');
    const passwordHash = await hashPassword(newPassword, this.deps.passwordCost);
    await this.deps.store.updateUser(user.id, { passwordHash, mustChangePassword: false }, this.deps.clock.now());
    await this.deps.sessions.revokeAllFor(user.id, principal.sessionId);
    return this.current({ ...principal, mustChangePassword: false });
  }

  /** Proves the signed-in person again (password, plus a code when MFA is on) for the next 5 minutes. */
  async reauth(principal: Principal, password: string, code: string | undefined): Promise<{ validUntil: number }> {
    const user = await this.signedInUser(principal);
    if (!principal.sessionId) {
      throw new AppError('PERMISSION_DENIED', 'Only a signed-in session can re-authenticate.', { hint: 'Sign in with your account.' });
    }
    // The same lockout and parallel cap as sign-in; the second factor is looked at (and spent)
    // only once the password is right, so a wrong guess never burns a code.
    const keys = [`account:${user.username.toLowerCase()}`];
    const passwordOk = await this.throttled(keys, () => verifyPassword(user.passwordHash, password));
    if (!passwordOk) {
      void this.deps.throttle.recordFailure(keys);
      throw new AppError('SIGN_IN_FAILED', 'The password is wrong.', { hint: 'Try again; repeated failures lock your account for a while.' });
    }
    if (user.totpEnabled) {
      if (!code) throw new AppError('MFA_REQUIRED', 'Enter a one-time code as well.', { hint: 'Your account uses two-factor sign-in.' });
      if (!(await this.mfa.spend(user, code))) {
        void this.deps.throttle.recordFailure(keys);
        throw new AppError('SIGN_IN_FAILED', 'The one-time code is wrong or was already used.', {
          hint: 'Try again; repeated failures lock your account for a while.',
        });
      }
    }
    await this.deps.sessions.markReauthenticated(principal.sessionId);
    return { validUntil: this.deps.clock.now() + REAUTH_WINDOW_MS };
  }

  /** Refuses unless the caller re-authenticated in this session within the last 5 minutes. */
  async assertRecentlyReauthenticated(principal: Principal): Promise<void> {
    const session = principal.sessionId ? await this.deps.sessions.get(principal.sessionId) : undefined;
    if (principal.kind !== 'user' || !session) {
      throw new AppError('PERMISSION_DENIED', 'Secret values (reveal, copy, vault export) are for a signed-in person, not an API key.', {
        hint: 'Sign in to the app and do it there.',
      });
    }
    if (session.reauthAt === null || this.deps.clock.now() - session.reauthAt > REAUTH_WINDOW_MS) {
      throw new AppError('REAUTH_REQUIRED', 'Confirm it is you before seeing secret values.', {
        hint: 'Enter your password (and one-time code) again; it counts for 5 minutes.',
      });
    }
  }
}
