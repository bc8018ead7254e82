import { afterEach, describe, expect, it } from 'vitest';
import type { Me } from '@shared/api/auth';
import { totpCode } from '@core/auth/totp';
import { errorOf, send, type Answer, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// Sign-in and re-authentication over the real HTTP server, with parallel requests: argon2 runs on
// the thread pool, so requests interleave while their passwords are being checked.

const NOW = 1_767_225_600_000;
const STEP_MS = 30_000;
const OWNER = { username: 'olivia', password: 'violet tulips at dawn', role: 'owner' } as const;
const WRONG = 'definitely not the password';

let served: ServedCore | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function serve(http: { signInRateLimit?: number } = {}): Promise<ServedCore> {
  served = await serveTempCore({ prefix: 'guardian-signin-races-', clock: { now: () => NOW }, http });
  return served;
}

/** An owner, signed in, with TOTP confirmed at the current time step. */
async function ownerWithTotp(server: ServedCore) {
  const session = await signedInAccount(server, OWNER);
  const begun = await send<{ secret: string }>(server.url, 'POST', 'api/v1/auth/totp/begin', { headers: session.write });
  expect(begun.status).toBe(200);
  const { secret } = begun.body;
  const confirmed = await send<{ recoveryCodes: string[] }>(server.url, 'POST', 'api/v1/auth/totp/confirm', {
    headers: session.write,
    body: { code: totpCode(secret, NOW) },
  });
  expect(confirmed.status).toBe(200);
  // The confirmation used this step; the next one is still accepted (clock drift) and unused.
  return { session, nextCode: totpCode(secret, NOW + STEP_MS), recoveryCodes: confirmed.body.recoveryCodes };
}

const reauth = (server: ServedCore, session: BrowserSession, password: string, code?: string) =>
  send<{ validUntil: number }>(server.url, 'POST', 'api/v1/auth/reauth', { headers: session.write, body: { password, ...(code ? { code } : {}) } });

const statuses = (answers: Answer[]) => answers.map((answer) => answer.status).sort();

describe('a one-time code', () => {
  it('signs in once when three sign-ins send it at the same moment', async () => {
    const server = await serve();
    const { nextCode } = await ownerWithTotp(server);

    const answers = await Promise.all(
      Array.from({ length: 3 }, () =>
        send<Me>(server.url, 'POST', 'api/v1/auth/login', { body: { username: OWNER.username, password: OWNER.password, code: nextCode } }),
      ),
    );

    expect(statuses(answers)).toEqual([200, 401, 401]);
    for (const refused of answers.filter((answer) => answer.status === 401)) {
      expect(errorOf(refused)).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'The one-time code is wrong or was already used.' });
      expect(refused.headers.getSetCookie()).toEqual([]);
    }
  });
});

describe('re-authentication', () => {
  it('leaves the one-time code unused when the password is wrong', async () => {
    const server = await serve();
    const { session, nextCode } = await ownerWithTotp(server);

    const wrong = await reauth(server, session, WRONG, nextCode);
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong)).toMatchObject({ code: 'SIGN_IN_FAILED', message: 'The password is wrong.' });

    const right = await reauth(server, session, OWNER.password, nextCode);
    expect(right.status, right.text).toBe(200);
    expect(right.body.validUntil).toBeGreaterThan(NOW);
  });

  it('leaves a recovery code unused when the password is wrong', async () => {
    const server = await serve();
    const { session, recoveryCodes } = await ownerWithTotp(server);
    const recovery = recoveryCodes[0] ?? '';

    expect((await reauth(server, session, WRONG, recovery)).status).toBe(401);
    expect((await reauth(server, session, OWNER.password, recovery)).status).toBe(200);
    // Used now: it works once.
    expect(errorOf(await reauth(server, session, OWNER.password, recovery)).code).toBe('SIGN_IN_FAILED');
  });

  it('checks at most as many parallel guesses as the lockout allows failures', async () => {
    const server = await serve();
    const session = await signedInAccount(server, OWNER);

    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => reauth(server, session, `${WRONG} ${i}`)));

    const checked = answers.filter((answer) => answer.status === 401);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(checked.length + refused.length).toBe(answers.length);
    expect(checked.length).toBeLessThanOrEqual(5);
    for (const answer of refused) expect(errorOf(answer)).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    // The cap errs on the strict side: a guess that ended while a later one was arriving counts both
    // in flight and as a failure, so a loaded machine may check fewer than 5. The rest, one by one.
    for (let failures = checked.length; failures < 5; failures++) expect((await reauth(server, session, `${WRONG} more ${failures}`)).status).toBe(401);
    // The account is locked now: even the right password waits.
    expect(errorOf(await reauth(server, session, OWNER.password)).code).toBe('RATE_LIMITED');
  });

  it('is rate-limited per address like sign-in', async () => {
    const server = await serve({ signInRateLimit: 2 });
    const session = await signedInAccount(server, OWNER);

    expect((await reauth(server, session, OWNER.password)).status).toBe(200);
    expect((await reauth(server, session, OWNER.password)).status).toBe(200);
    const third = await reauth(server, session, OWNER.password);

    expect(third.status).toBe(429);
    expect(errorOf(third)).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many sign-in attempts from this address.' });
  });
});
