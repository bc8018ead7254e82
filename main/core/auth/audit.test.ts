import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '@shared/api/users';
import type { Principal } from '@shared/permissions';
import { RecordingSink, setupOwner, success, useTempCore } from '../testing/harness';
import type { SessionSink } from './signin';
import { totpCode } from './totp';
import { rowsOf } from '../testing/rows';

const NOW = 1_767_225_600_000;
const PASSWORD = 'violet tulips at dawn';
const NEW_PASSWORD = 'amber rivers at noon';
const TEMPORARY = 'temporary lilac door';
const GUESS = 'guessing wildly here';

interface AuditRow {
  actor: string;
  origin: string;
  action: string;
  target: string | null;
  outcome: string;
  details: string;
}

const env = useTempCore({ scope: 'all', prefix: 'guardian-audit-', clock: { now: () => NOW } });

/** Every secret that went into a call during the story below. */
const secrets: string[] = [PASSWORD, NEW_PASSWORD, TEMPORARY, GUESS];
let recoveryCodes: string[] = [];

const rows = () => rowsOf(env.core).all<AuditRow>('SELECT * FROM audit_events ORDER BY seq');
const outcomes = async (action: string) => (await rows()).filter((row) => row.action === action).map((row) => row.outcome);

/**
 * One account's life, through the router as a transport would call it: set up, sign in (and
 * fail to), enrol MFA, manage a user and a key, revoke a session, change the password.
 */
beforeAll(async () => {
  const core = env.core;
  const router = core.router;
  const as = (principal: Principal | null, method: string, input: unknown, origin = 'http:127.0.0.1', session?: SessionSink) =>
    router.call(principal, method, input, { origin, session, userAgent: 'vitest' });

  const { principal: owner } = await setupOwner(core, { username: 'olivia', password: PASSWORD }, { userAgent: 'vitest' });

  const laptop = new RecordingSink();
  success(await as(null, 'auth.login', { username: 'olivia', password: PASSWORD }, 'http:192.0.2.1', laptop));
  for (let i = 0; i < 6; i++) await as(null, 'auth.login', { username: 'mallory', password: GUESS }, 'http:203.0.113.9', new RecordingSink());

  const { secret } = success<{ secret: string }>(await as(owner, 'auth.totpBegin', {}));
  ({ recoveryCodes } = success<{ recoveryCodes: string[] }>(await as(owner, 'auth.totpConfirm', { code: totpCode(secret, NOW) })));
  secrets.push(secret);
  success(await as(null, 'auth.login', { username: 'olivia', password: PASSWORD, code: recoveryCodes[0] }, 'http:192.0.2.2', new RecordingSink()));

  const victor = success<User>(await as(owner, 'users.create', { username: 'victor', role: 'viewer', password: TEMPORARY }));
  success(await as(owner, 'users.update', { id: victor.id, role: 'operator' }));
  success(await as(owner, 'users.disable', { id: victor.id }));
  success(await as(owner, 'users.enable', { id: victor.id }));
  success(await as(owner, 'users.resetPassword', { id: victor.id, password: TEMPORARY }));
  success(await as(owner, 'users.resetMfa', { id: owner.id }));
  success(await as(owner, 'users.delete', { id: victor.id }));

  const { key, token } = success<{ key: { id: string }; token: string }>(await as(owner, 'apikeys.create', { name: 'ci', role: 'viewer' }));
  secrets.push(token, token.slice(4));
  success(await as(owner, 'apikeys.revoke', { id: key.id }));

  const laptopSession = (await core.signIn.authenticate(laptop.token ?? ''))?.principal.sessionId;
  success(await as(owner, 'sessions.revoke', { id: laptopSession }));
  success(await as(owner, 'auth.changePassword', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }));
});

describe('the audit log of accounts', () => {
  it('records sign-ins that worked, failed, and were locked out', async () => {
    expect(await outcomes('auth.setup')).toEqual(['ok']);
    expect(await outcomes('auth.login')).toEqual(['ok', ...Array(5).fill('SIGN_IN_FAILED'), 'RATE_LIMITED', 'ok']);
    const lockout = (await rows()).find((row) => row.outcome === 'RATE_LIMITED');
    expect(lockout).toMatchObject({ actor: 'anonymous', origin: 'http:203.0.113.9', target: 'user:mallory' });
  });

  it('records MFA enrolment and reset', async () => {
    expect(await outcomes('auth.totpConfirm')).toEqual(['ok']);
    expect(await outcomes('users.resetMfa')).toEqual(['ok']);
  });

  it('records every change to users, keys and sessions, with who did it and to what', async () => {
    for (const action of [
      'users.create',
      'users.update',
      'users.disable',
      'users.enable',
      'users.resetPassword',
      'users.delete',
      'apikeys.create',
      'apikeys.revoke',
      'sessions.revoke',
      'auth.changePassword',
    ]) {
      expect(await outcomes(action), action).toEqual(['ok']);
    }
    const created = (await rows()).find((row) => row.action === 'users.create');
    expect(created?.actor).toMatch(/^user:/);
    expect(created?.target).toMatch(/^user:[0-9a-f-]{36}$/);
    expect((await rows()).find((row) => row.action === 'apikeys.revoke')?.target).toMatch(/^apikey:/);
    expect((await rows()).find((row) => row.action === 'sessions.revoke')?.target).toMatch(/^session:/);
  });

  it('never holds a password, TOTP secret or API token', async () => {
    const all = await rows();
    expect(all.length).toBeGreaterThan(20);
    for (const row of all) {
      const text = JSON.stringify(row);
      for (const secret of secrets) expect(text, `${row.action} holds a secret`).not.toContain(secret);
    }
  });

  // KNOWN BUG, reported, outside main/core/auth: main/core/audit/redact.ts keeps auth.login's `code`
  // field, so the recovery code used to sign in is written to the details. Make this `it` once fixed.
  it('never holds a recovery code', async () => {
    expect(recoveryCodes).toHaveLength(10);
    const text = JSON.stringify(await rows());
    for (const code of recoveryCodes) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(code.replaceAll('-', ''));
    }
  });
});
