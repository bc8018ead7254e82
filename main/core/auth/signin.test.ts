import { verify } from '@node-rs/argon2';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Core } from '../app';
import { attemptSignIn, failure, setupOwner as setupAs, useTempCore, visibleParts, type TempCore } from '../testing/harness';

// The real argon2, watched: how many verifications a sign-in costs is the timing-safety property.
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@node-rs/argon2')>();
  return { ...actual, verify: vi.fn(actual.verify) };
});

const NOW = 1_767_225_600_000;
const MINUTE = 60_000;
const OWNER = { username: 'olivia', password: 'violet tulips at dawn' };
const WRONG = 'definitely not it';

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
let env: TempCore;
const start: TempCore['start'] = (overrides) => env.start(overrides);

/** The part of an answer a caller can compare; the correlation id is unique per call. */
const visible = visibleParts('code', 'message', 'hint', 'retryable');

const setupOwner = (c: Core) => setupAs(c, OWNER);

const login = (c: Core, username: string, password: string, origin = 'http:198.51.100.1') =>
  attemptSignIn(c, { username, password }, { origin, userAgent: 'vitest' });

const verifyCalls = () => vi.mocked(verify).mock.calls.length;

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-signin-', clock, lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });

  describe('sign-in answers', () => {
    it('answers a missing account exactly like a wrong password, after the same single hash verification', async () => {
      const c = await start();
      await setupOwner(c);
      const ownerHash = (await c.accounts.row((await c.accounts.list())[0]?.id ?? '')).passwordHash;

      vi.mocked(verify).mockClear();
      const wrong = failure((await login(c, OWNER.username, WRONG)).result);
      expect(verifyCalls()).toBe(1);
      expect(vi.mocked(verify).mock.calls[0]?.[0]).toBe(ownerHash);

      vi.mocked(verify).mockClear();
      const missing = failure((await login(c, 'nobody-here', WRONG)).result);
      expect(verifyCalls()).toBe(1);
      // Verified against a real argon2 hash that is not any account's.
      expect(vi.mocked(verify).mock.calls[0]?.[0]).toMatch(/^\$argon2id\$/);
      expect(vi.mocked(verify).mock.calls[0]?.[0]).not.toBe(ownerHash);

      expect(wrong.code).toBe('SIGN_IN_FAILED');
      expect(visible(missing)).toEqual(visible(wrong));
    });

    it('signs in with the right password and hands the session token to the transport only', async () => {
      const c = await start();
      await setupOwner(c);

      const { result, sink } = await login(c, 'OLIVIA', OWNER.password);

      expect(result.ok).toBe(true);
      expect(sink.token).toBeDefined();
      expect(JSON.stringify(result)).not.toContain(sink.token);
      expect((await c.signIn.authenticate(sink.token ?? ''))?.principal).toMatchObject({ kind: 'user', name: OWNER.username, role: 'owner' });
    });
  });

  describe('lockout', () => {
    it('locks an account after 5 failures from any origins, refuses even the right password, and lets it in 15 minutes later', async () => {
      const c = await start();
      await setupOwner(c);

      for (let i = 1; i <= 5; i++) {
        expect(failure((await login(c, OWNER.username, WRONG, `http:198.51.100.${i}`)).result).code).toBe('SIGN_IN_FAILED');
      }
      vi.mocked(verify).mockClear();
      const locked = failure((await login(c, OWNER.username, OWNER.password, 'http:198.51.100.99')).result);
      expect(locked).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
      expect(locked.hint).toContain('15 minutes');
      // A locked sign-in is refused before any password is checked: guessing then learns nothing.
      expect(verifyCalls()).toBe(0);

      t += 15 * MINUTE - 1000;
      expect(failure((await login(c, OWNER.username, OWNER.password, 'http:198.51.100.99')).result).code).toBe('RATE_LIMITED');

      t += 1000;
      const { result, sink } = await login(c, OWNER.username, OWNER.password, 'http:198.51.100.99');
      expect(result.ok).toBe(true);
      expect(sink.token).toBeDefined();
    });

    it('locks a missing account the same way as a real one, so a lock reveals nothing', async () => {
      const c = await start();
      await setupOwner(c);

      for (let i = 1; i <= 5; i++) {
        await login(c, OWNER.username, WRONG, `http:198.51.100.${i}`);
        await login(c, 'ghost', WRONG, `http:203.0.113.${i}`);
      }
      const real = failure((await login(c, OWNER.username, WRONG, 'http:192.0.2.1')).result);
      const missing = failure((await login(c, 'ghost', WRONG, 'http:192.0.2.2')).result);

      expect(real.code).toBe('RATE_LIMITED');
      expect(visible(missing)).toEqual(visible(real));
    });

    it('locks an origin after 5 failures against any accounts; other origins still sign in', async () => {
      const c = await start();
      await setupOwner(c);
      const attacker = 'http:203.0.113.66';

      for (const username of ['alice', 'bob', 'carol', 'dave', 'erin']) {
        expect(failure((await login(c, username, WRONG, attacker)).result).code).toBe('SIGN_IN_FAILED');
      }

      expect(failure((await login(c, OWNER.username, OWNER.password, attacker)).result).code).toBe('RATE_LIMITED');
      expect((await login(c, OWNER.username, OWNER.password, 'http:198.51.100.7')).result.ok).toBe(true);
    });

    it('follows the lockout policy given to createCore', async () => {
      const c = await start({ lockout: { maxFailures: 3, lockMs: 2 * MINUTE } });
      await setupOwner(c);

      const codes: string[] = [];
      for (let i = 0; i < 4; i++) codes.push(failure((await login(c, OWNER.username, WRONG)).result).code);
      expect(codes).toEqual(['SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'SIGN_IN_FAILED', 'RATE_LIMITED']);
      expect(failure((await login(c, OWNER.username, OWNER.password)).result).hint).toContain('2 minutes');

      t += 2 * MINUTE;
      expect((await login(c, OWNER.username, OWNER.password)).result.ok).toBe(true);
    });

    it('refuses 50 guesses from one origin, then the right password, until the lock ends', async () => {
      const c = await start();
      await setupOwner(c);
      const attacker = 'http:203.0.113.50';
      vi.mocked(verify).mockClear();

      const answers: string[] = [];
      for (let i = 0; i < 50; i++) {
        const { result, sink } = await login(c, OWNER.username, `guess number ${i}`, attacker);
        answers.push(failure(result).code);
        expect(sink.token).toBeUndefined();
      }
      expect(answers.slice(0, 5)).toEqual(Array(5).fill('SIGN_IN_FAILED'));
      expect(answers.slice(5)).toEqual(Array(45).fill('RATE_LIMITED'));
      // Only the first five guesses were ever checked.
      expect(verifyCalls()).toBe(5);

      const rightButLocked = await login(c, OWNER.username, OWNER.password, attacker);
      expect(failure(rightButLocked.result).code).toBe('RATE_LIMITED');
      expect(rightButLocked.sink.token).toBeUndefined();

      t += 15 * MINUTE + 1;
      const after = await login(c, OWNER.username, OWNER.password, attacker);
      expect(after.result.ok).toBe(true);
      expect(after.sink.token).toBeDefined();
    });
  });
});
