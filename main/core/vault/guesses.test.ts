import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_SCRYPT, failure, success, useTempCore } from '../testing/harness';

// Each guess at a vault passphrase costs a 128 MiB scrypt: guesses are counted per origin and per
// caller as sign-ins are, and one runs at a time per caller, so parallel calls cannot slip past.

const NOW = 1_767_225_600_000;
const PASSPHRASE = 'correct horse battery staple';
const LOCK_MS = 15 * 60_000;

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-vault-guesses-', clock, vaultScryptCost: CHEAP_SCRYPT, lockout: { maxFailures: 5, lockMs: LOCK_MS } });

const admin = (id: string): Principal => ({ kind: 'apiKey', id, name: id, role: 'admin' });
const ALICE = admin('alice');
const BOB = admin('bob');
const FROM_A = { origin: 'http:10.0.0.1' };
const FROM_B = { origin: 'http:10.0.0.2' };

async function lockedVault(): Promise<Core> {
  const c = env.core;
  await c.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE });
  c.vault.lock();
  return c;
}

const unlock = (c: Core, who: Principal, from: { origin: string }, passphrase: string) =>
  c.router.call(who, 'vault.unlock', { with: { kind: 'passphrase', passphrase } }, from);

describe('guessing the vault passphrase', () => {
  it('parallel guesses from one caller: one runs, the others are refused at once', async () => {
    const c = await lockedVault();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => unlock(c, ALICE, FROM_A, `wrong guess ${i}`)));
    const codes = answers.map((answer) => failure(answer).code).sort();
    expect(codes).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
      'VAULT_BAD_PASSPHRASE',
    ]);
    const busy = answers.map(failure).find((error) => error.code === 'RATE_LIMITED');
    expect(busy).toMatchObject({ message: expect.stringMatching(/still running/), hint: expect.stringMatching(/Wait/) });
  });

  it('after 5 wrong ones the caller (from anywhere) and its address (for anyone) wait 15 minutes, even with the right passphrase', async () => {
    const c = await lockedVault();
    for (let i = 0; i < 5; i++) expect(failure(await unlock(c, ALICE, FROM_A, `wrong guess ${i}`)).code).toBe('VAULT_BAD_PASSPHRASE');

    const held = failure(await unlock(c, ALICE, FROM_A, PASSPHRASE));
    expect(held).toMatchObject({ code: 'RATE_LIMITED', retryable: true, hint: expect.stringMatching(/try again in 15 minutes/) });
    // Another caller from the same address, and the same caller from elsewhere: both held.
    expect(failure(await unlock(c, BOB, FROM_A, PASSPHRASE)).code).toBe('RATE_LIMITED');
    expect(failure(await unlock(c, ALICE, FROM_B, PASSPHRASE)).code).toBe('RATE_LIMITED');
    expect((await c.vault.status()).locked).toBe(true);
    // Someone else, from elsewhere, is not held up.
    expect(success(await unlock(c, admin('carol'), FROM_B, PASSPHRASE))).toMatchObject({ locked: false });
    c.vault.lock();

    t += 10 * 60_000;
    expect(failure(await unlock(c, ALICE, FROM_A, PASSPHRASE)).hint).toMatch(/try again in 5 minutes/);
    t += 5 * 60_000;
    expect(success(await unlock(c, ALICE, FROM_A, PASSPHRASE))).toMatchObject({ locked: false });
  });

  it('a wrong current passphrase in a passphrase change counts as a guess too', async () => {
    const c = env.core;
    const slot = (await c.vault.init({ kind: 'passphrase', passphrase: PASSPHRASE })).slots[0]?.id ?? '';
    for (let i = 0; i < 5; i++) {
      const answer = await c.router.call(BOB, 'vault.changePassphrase', { id: slot, current: `wrong guess ${i}`, next: 'a brand new passphrase' }, FROM_B);
      expect(failure(answer).code).toBe('VAULT_BAD_PASSPHRASE');
    }
    const held = await c.router.call(BOB, 'vault.changePassphrase', { id: slot, current: PASSPHRASE, next: 'a brand new passphrase' }, FROM_B);
    expect(failure(held).code).toBe('RATE_LIMITED');
  });
});
