import { describe, expect, it } from 'vitest';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { failure, setupOwner, useTempCore } from '../testing/harness';
import { dummyPasswordHash, hashPassword, isCommonPassword, passwordRules, verifyPassword } from './passwords';
import type { SessionSink } from './signin';

const GOOD = 'violet tulips at dawn';
const COMMON = 'qwertyuiop123';

const env = useTempCore({ scope: 'all', prefix: 'guardian-passwords-', clock: { now: () => 1_767_225_600_000 } });

const sink: SessionSink = { establish: () => undefined, clear: () => undefined };
const call = (principal: Principal | null, method: string, input: unknown) =>
  env.core.router.call(principal, method, input, { origin: 'http:127.0.0.1', session: sink });

describe('the common-password list', () => {
  it('is the one shipped in @zxcvbn-ts/language-common, matched without regard to case', () => {
    expect(isCommonPassword('qwertyuiop123')).toBe(true);
    expect(isCommonPassword('password1234')).toBe(true);
    expect(isCommonPassword('1q2w3e4r5t6y')).toBe(true);
    expect(isCommonPassword('QwertyUIOP123')).toBe(true);
    expect(isCommonPassword(GOOD)).toBe(false);
  });
});

describe('passwordRules', () => {
  const broken = (password: string, username: string) =>
    passwordRules(password, username)
      .filter((rule) => !rule.ok)
      .map((rule) => rule.rule);

  it.each([
    ['eleven char', 'olivia', ['length']],
    ['twelve chars', 'olivia', []],
    ['Olivia.Smith1', 'olivia.smith1', ['not-username']],
    [COMMON, 'olivia', ['not-common']],
    ['password', 'password', ['length', 'not-username', 'not-common']],
    ['x'.repeat(257), 'olivia', ['length']],
  ])('%j for user %j breaks %j', (password, username, rules) => {
    expect(broken(password, username)).toEqual(rules);
  });
});

describe('a password that breaks a rule', () => {
  const cases = [
    ['is too short', 'short pass', /at least 12 characters/],
    ['is the username in another case', 'OLIVIA.SMITH', /must not be the username/],
    ['is on the common list', COMMON, /commonly used passwords/],
  ] as const;

  it.each(cases)('is refused for the first owner when it %s, naming the rule', async (_why, password, rule) => {
    const error = failure(await call(null, 'auth.setup', { username: 'olivia.smith', password }));

    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(rule);
    expect(error.issues).toEqual([{ path: ['password'], message: expect.stringMatching(rule) }]);
    expect(await env.core.accounts.count()).toBe(0);
  });

  it.each(cases)('is refused for a new account when it %s', async (_why, password, rule) => {
    const error = failure(await call(LOCAL_OWNER, 'users.create', { username: 'olivia.smith', role: 'viewer', password }));

    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['password'] }] });
    expect(error.message).toMatch(rule);
    expect(await env.core.accounts.count()).toBe(0);
  });

  it('is explained rule by rule for live feedback, storing nothing', async () => {
    const result = await call(null, 'auth.checkPassword', { username: 'olivia', password: COMMON });

    expect(result).toEqual({
      ok: true,
      value: {
        acceptable: false,
        rules: [
          { rule: 'length', ok: true, message: expect.any(String) },
          { rule: 'not-username', ok: true, message: expect.any(String) },
          { rule: 'not-common', ok: false, message: expect.any(String) },
        ],
      },
    });
    expect(await env.core.accounts.count()).toBe(0);
  });
});

describe('a new password of an account that exists', () => {
  const own = useTempCore({ prefix: 'guardian-passwords-change-', clock: { now: () => 1_767_225_600_000 } });
  const cases = [
    ['is too short', 'short pass', /at least 12 characters/],
    ['is the username in another case', 'OLIVIA.SMITH', /must not be the username/],
    ['is on the common list', COMMON, /commonly used passwords/],
  ] as const;

  it.each(cases)('is refused as a new password when it %s, pointing at the new password field', async (_why, password, rule) => {
    const { principal, sink } = await setupOwner(own.core, { username: 'olivia.smith', password: GOOD });
    const result = await own.core.router.call(
      principal,
      'auth.changePassword',
      { currentPassword: GOOD, newPassword: password },
      { origin: 'http:127.0.0.1', session: sink },
    );

    const error = failure(result);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['newPassword'], message: expect.stringMatching(rule) }] });
    // The old password still signs in.
    expect(await verifyPassword((await own.core.accounts.findByUsername('olivia.smith'))?.passwordHash ?? '', GOOD)).toBe(true);
  });
});

describe('stored passwords', () => {
  it('are argon2id hashes at OWASP’s cost (19 MiB, 2 passes), salted so one password never hashes the same twice', async () => {
    const stored = await hashPassword(GOOD);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(stored).not.toContain(GOOD);
    expect(await hashPassword(GOOD)).not.toBe(stored);
  });

  it('verify the password they were made from, and nothing else', async () => {
    const stored = await hashPassword(GOOD);
    expect(await verifyPassword(stored, GOOD)).toBe(true);
    expect(await verifyPassword(stored, 'Violet tulips at dawn')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('that are damaged or not hashes at all refuse every password instead of failing the sign-in', async () => {
    const stored = await hashPassword(GOOD);
    for (const damaged of ['', GOOD, 'unused', stored.slice(0, 30), stored.replace('argon2id', 'argon9')]) {
      await expect(verifyPassword(damaged, GOOD)).resolves.toBe(false);
    }
  });

  it('have a stand-in for accounts that do not exist: the same kind of hash, made once, that no password opens', async () => {
    const dummy = await dummyPasswordHash();
    expect(dummy).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await dummyPasswordHash()).toBe(dummy);
    expect(await verifyPassword(dummy, GOOD)).toBe(false);
    expect(await verifyPassword(dummy, 'no such account')).toBe(false);
  });
});
