import { describe, expect, it } from 'vitest';
import { LOCAL_OWNER, type Principal } from '../../../shared/permissions';
import { failure, useTempCore } from '../testing/harness';
import { isCommonPassword, passwordRules } from './passwords';
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
    expect(env.core.accounts.count()).toBe(0);
  });

  it.each(cases)('is refused for a new account when it %s', async (_why, password, rule) => {
    const error = failure(await call(LOCAL_OWNER, 'users.create', { username: 'olivia.smith', role: 'viewer', password }));

    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['password'] }] });
    expect(error.message).toMatch(rule);
    expect(env.core.accounts.count()).toBe(0);
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
    expect(env.core.accounts.count()).toBe(0);
  });
});
