import { describe, expect, it } from 'vitest';
import { osKeyProtector, type SafeStorageLike } from './os-keys';

/** A stand-in for Electron's safeStorage: reversible, and visibly not the identity. */
function fakeSafeStorage(backend: string | undefined, available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.from([...Buffer.from(text)].reverse()),
    decryptString: (blob) => Buffer.from([...blob].reverse()).toString(),
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
  };
}

describe('the OS keychain slot', () => {
  it('is refused on Linux when safeStorage falls back to basic_text, with a reason a person understands', () => {
    const slot = osKeyProtector(fakeSafeStorage('basic_text'), 'linux');
    expect(slot.availability()).toEqual({ available: false, reason: expect.stringContaining('passphrase') });
  });

  it('is offered on Linux with a real keyring, and on macOS and Windows', () => {
    expect(osKeyProtector(fakeSafeStorage('gnome_libsecret'), 'linux').availability().available).toBe(true);
    expect(osKeyProtector(fakeSafeStorage(undefined), 'darwin').availability().available).toBe(true);
    expect(osKeyProtector(fakeSafeStorage(undefined), 'win32').availability().available).toBe(true);
  });

  it('is refused when safeStorage says encryption is unavailable', () => {
    expect(osKeyProtector(fakeSafeStorage('kwallet5', false), 'linux').availability().available).toBe(false);
  });

  it('round-trips a key through protect and unprotect without storing it in clear', () => {
    const slot = osKeyProtector(fakeSafeStorage('kwallet5'), 'linux');
    const key = Buffer.from('0123456789abcdef0123456789abcdef');
    const blob = slot.protect(key);
    expect(blob.includes(key)).toBe(false);
    expect(blob.includes(Buffer.from(key.toString('base64')))).toBe(false);
    expect(slot.unprotect(blob).equals(key)).toBe(true);
  });
});
