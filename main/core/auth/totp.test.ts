import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '@shared/permissions';
import { attemptSignIn, failure, setupOwner as setupAs, success, useTempCore, type TempCore } from '../testing/harness';
import { matchTotp, totpCode } from './totp';

// A multiple of the 30-second TOTP step, so "the same step" and "the next step" are exact.
const NOW = 1_767_225_600_000;
const STEP = 30_000;
const OWNER = { username: 'olivia', password: 'violet tulips at dawn' };

let t: number;
const clock = { now: () => t };
let origins = 0;
beforeEach(() => {
  t = NOW;
});
let env: TempCore;

const call = (principal: Principal | null, method: string, input: unknown) =>
  env.core.router.call(principal, method, input, { origin: 'http:127.0.0.1', userAgent: 'vitest' });

/** Signs in; each attempt from its own origin, so refused codes here never add up to an origin lockout. */
function login(code?: string) {
  const input = { ...OWNER, ...(code === undefined ? {} : { code }) };
  return attemptSignIn(env.core, input, { origin: `http:10.0.0.${++origins}` });
}

async function setupOwner(): Promise<Principal> {
  return (await setupAs(env.core, OWNER, { userAgent: 'vitest' })).principal;
}

/** Enrols the owner in TOTP at the current time; returns the secret and the recovery codes. */
async function enrol(owner: Principal) {
  const begun = success<{ secret: string; uri: string; qrDataUrl: string }>(await call(owner, 'auth.totpBegin', {}));
  const { recoveryCodes } = success<{ recoveryCodes: string[] }>(await call(owner, 'auth.totpConfirm', { code: totpCode(begun.secret, t) }));
  return { ...begun, recoveryCodes };
}

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-totp-', clock, engine });
  beforeAll(() => {
    env = onEngine;
  });

  describe('TOTP enrolment', () => {
    it('gives a secret, an otpauth:// URI and an SVG QR code, and 10 recovery codes once confirmed', async () => {
      const owner = await setupOwner();

      const begun = success<{ secret: string; uri: string; qrDataUrl: string }>(await call(owner, 'auth.totpBegin', {}));
      expect(begun.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(begun.uri).toMatch(/^otpauth:\/\/totp\/Guardian:olivia\?/);
      expect(begun.uri).toContain(`secret=${begun.secret}`);
      expect(begun.qrDataUrl.startsWith('data:image/svg+xml')).toBe(true);

      // Not on until a code proves the app has the secret.
      expect((await login()).result.ok).toBe(true);
      const wrongCode = totpCode(begun.secret, t + 10 * STEP);
      expect(failure(await call(owner, 'auth.totpConfirm', { code: wrongCode })).issues?.[0]?.path).toEqual(['code']);

      const { recoveryCodes } = success<{ recoveryCodes: string[] }>(await call(owner, 'auth.totpConfirm', { code: totpCode(begun.secret, t) }));
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(success<{ totpEnabled: boolean }>(await call(owner, 'auth.me', {})).totpEnabled).toBe(true);
      expect(failure(await call(owner, 'auth.totpBegin', {})).code).toBe('CONFLICT');
    });
  });

  describe('signing in with TOTP', () => {
    it('needs a code once enrolled, accepts the current one once, and refuses it again in the same step', async () => {
      const { secret } = await enrol(await setupOwner());
      t += STEP;

      const withoutCode = await login();
      expect(failure(withoutCode.result).code).toBe('MFA_REQUIRED');
      expect(withoutCode.sink.token).toBeUndefined();

      const code = totpCode(secret, t);
      const first = await login(code);
      expect(first.result.ok).toBe(true);
      expect(first.sink.token).toBeDefined();

      const replay = await login(code);
      expect(failure(replay.result).code).toBe('SIGN_IN_FAILED');
      expect(replay.sink.token).toBeUndefined();

      t += STEP;
      expect((await login(totpCode(secret, t))).result.ok).toBe(true);
    });

    it('refuses the code used to confirm enrolment (same step)', async () => {
      const { secret } = await enrol(await setupOwner());
      expect(failure((await login(totpCode(secret, t))).result).code).toBe('SIGN_IN_FAILED');
    });

    it('accepts a code one step early or late, and refuses two steps', async () => {
      const { secret } = await enrol(await setupOwner());
      t += 10 * STEP;

      expect(failure((await login(totpCode(secret, t + 2 * STEP))).result).code).toBe('SIGN_IN_FAILED');
      expect(failure((await login(totpCode(secret, t - 2 * STEP))).result).code).toBe('SIGN_IN_FAILED');
      expect((await login(totpCode(secret, t - STEP))).result.ok).toBe(true);
      expect((await login(totpCode(secret, t + STEP))).result.ok).toBe(true);
    });

    it('matches RFC 6238 steps: ±1 step of drift, never ±2', () => {
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      const step = NOW / STEP;
      expect(matchTotp(secret, totpCode(secret, NOW), NOW)).toBe(step);
      expect(matchTotp(secret, totpCode(secret, NOW - STEP), NOW)).toBe(step - 1);
      expect(matchTotp(secret, totpCode(secret, NOW + STEP), NOW)).toBe(step + 1);
      expect(matchTotp(secret, totpCode(secret, NOW - 2 * STEP), NOW)).toBeNull();
      expect(matchTotp(secret, totpCode(secret, NOW + 2 * STEP), NOW)).toBeNull();
      expect(matchTotp(secret, 'abcdef', NOW)).toBeNull();
    });

    it('accepts each recovery code exactly once', async () => {
      const { recoveryCodes } = await enrol(await setupOwner());

      for (const code of recoveryCodes) {
        const { result, sink } = await login(code);
        expect(result.ok).toBe(true);
        expect(sink.token).toBeDefined();
      }
      const [first, second] = recoveryCodes;
      expect(failure((await login(first)).result).code).toBe('SIGN_IN_FAILED');
      expect(failure((await login(second?.toUpperCase())).result).code).toBe('SIGN_IN_FAILED');
    });

    it('turns TOTP off only with the password, after which the password alone signs in', async () => {
      const owner = await setupOwner();
      await enrol(owner);

      const refused = failure(await call(owner, 'auth.totpDisable', { password: 'not my password at all' }));
      expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['password'] }] });
      expect(failure((await login()).result).code).toBe('MFA_REQUIRED');

      const me = success<{ totpEnabled: boolean }>(await call(owner, 'auth.totpDisable', { password: OWNER.password }));
      expect(me.totpEnabled).toBe(false);
      expect((await login()).result.ok).toBe(true);
    });
  });
});
