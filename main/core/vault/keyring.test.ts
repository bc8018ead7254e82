import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/api/errors';
import { DEFAULT_AUTO_LOCK_MS, Keyring } from './keyring';

/**
 * The unlocked vault's keys in memory: there only while unlocked and in use, overwritten (not
 * just dropped) when the vault locks, by hand or by itself after 15 minutes without use.
 */

const NOW = 1_767_225_600_000;
const MINUTE = 60_000;

let t = NOW;
const clock = { now: () => t };
afterEach(() => {
  t = NOW;
  vi.useRealTimers();
});

const key = (byte: number) => Buffer.alloc(32, byte);
const zeroed = (bytes: Buffer) => bytes.every((byte) => byte === 0);

function caught(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

function unlocked(autoLockMs: number | null = DEFAULT_AUTO_LOCK_MS) {
  const keyring = new Keyring(clock, autoLockMs);
  const kek = key(1);
  const deks = new Map([
    [1, key(2)],
    [2, key(3)],
  ]);
  const [dek1, dek2] = [deks.get(1) ?? key(0), deks.get(2) ?? key(0)];
  keyring.load(kek, deks);
  return { keyring, kek, dek1, dek2 };
}

describe('the keyring', () => {
  it('starts locked: no key is handed out, and the answer says how to unlock', () => {
    const keyring = new Keyring(clock, DEFAULT_AUTO_LOCK_MS);
    expect(keyring.locked).toBe(true);
    for (const use of [() => keyring.requireKek(), () => keyring.requireDek(1), () => keyring.replaceKek(key(9))]) {
      expect(caught(use)).toMatchObject({ code: 'VAULT_LOCKED', message: 'The vault is locked.', hint: expect.stringMatching(/Unlock it/) });
    }
  });

  it('hands out the keys it was loaded with while unlocked', () => {
    const { keyring, kek, dek1, dek2 } = unlocked();
    expect(keyring.locked).toBe(false);
    expect(keyring.requireKek()).toBe(kek);
    expect(keyring.requireDek(1)).toBe(dek1);
    expect(keyring.requireDek(2)).toBe(dek2);
  });

  it('names a data key generation it does not hold as damage to the vault, not as a locked vault', () => {
    const { keyring } = unlocked();
    expect(caught(() => keyring.requireDek(7))).toMatchObject({
      code: 'VAULT_INTEGRITY',
      message: 'No data key of generation 7 is known to this vault.',
      retryable: false,
      hint: expect.stringMatching(/restore it from a backup/),
    });
  });

  it('overwrites every key when locked, and hands none out afterwards', () => {
    const { keyring, kek, dek1, dek2 } = unlocked();
    keyring.lock();
    expect(keyring.locked).toBe(true);
    expect([kek, dek1, dek2].every(zeroed)).toBe(true);
    expect(caught(() => keyring.requireDek(1)).code).toBe('VAULT_LOCKED');
  });

  it('never locks by itself without an auto-lock time (a service started with its key file), and still locks when asked', () => {
    vi.useFakeTimers({ now: NOW });
    const { keyring, kek } = unlocked(null);
    t += 30 * 24 * 60 * MINUTE;
    vi.advanceTimersByTime(30 * 24 * 60 * MINUTE);
    expect(keyring.locked).toBe(false);
    expect(keyring.requireKek()).toBe(kek);
    keyring.lock();
    expect(keyring.locked).toBe(true);
    expect(zeroed(kek)).toBe(true);
  });

  it('locks by itself at exactly the auto-lock time after the last use, overwriting the keys', () => {
    const { keyring, kek, dek1 } = unlocked(15 * MINUTE);
    t = NOW + 15 * MINUTE - 1;
    expect(keyring.locked).toBe(false);
    t = NOW + 15 * MINUTE;
    expect(keyring.locked).toBe(true);
    expect(zeroed(kek) && zeroed(dek1)).toBe(true);
  });

  it('counts handing out a key as use; asking whether it is locked is not', () => {
    const { keyring } = unlocked(15 * MINUTE);
    t = NOW + 10 * MINUTE;
    keyring.requireDek(1);
    t = NOW + 24 * MINUTE;
    expect(keyring.locked).toBe(false);
    t = NOW + 25 * MINUTE;
    expect(keyring.locked).toBe(true);
  });

  it('overwrites the keys when the time is up even if nobody asks again', () => {
    vi.useFakeTimers();
    const { keyring, kek, dek2 } = unlocked(15 * MINUTE);
    vi.advanceTimersByTime(10 * MINUTE);
    keyring.requireKek();
    vi.advanceTimersByTime(15 * MINUTE - 1);
    expect(zeroed(kek)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(zeroed(kek) && zeroed(dek2)).toBe(true);
  });

  it('forgets the previous keys when loaded again (another vault, or after a rotation)', () => {
    const { keyring, kek, dek1 } = unlocked();
    const next = key(7);
    keyring.load(next, new Map([[3, key(8)]]));
    expect(zeroed(kek) && zeroed(dek1)).toBe(true);
    expect(keyring.requireKek()).toBe(next);
    expect(caught(() => keyring.requireDek(1)).code).toBe('VAULT_INTEGRITY');
  });

  it('replaces the KEK after a full rotation, overwriting the old one', () => {
    const { keyring, kek } = unlocked();
    const next = key(5);
    keyring.replaceKek(next);
    expect(zeroed(kek)).toBe(true);
    expect(keyring.requireKek()).toBe(next);
  });

  it('adds a new data key and drops an old one, overwriting it', () => {
    const { keyring, dek1 } = unlocked();
    const dek3 = key(4);
    keyring.addDek(3, dek3);
    expect(keyring.requireDek(3)).toBe(dek3);
    keyring.dropDek(1);
    expect(zeroed(dek1)).toBe(true);
    expect(caught(() => keyring.requireDek(1)).code).toBe('VAULT_INTEGRITY');
    keyring.dropDek(42);
    expect(keyring.requireDek(2)).toBeDefined();
  });

  it('says which data keys it holds, and none once locked', () => {
    const { keyring } = unlocked();
    expect([1, 2, 3].map((generation) => keyring.has(generation))).toEqual([true, true, false]);
    keyring.lock();
    expect(keyring.has(1)).toBe(false);
  });
});
