import type { OsKeyProtector } from '@core/vault/slots';

/** The part of Electron's safeStorage the vault's `os` slot uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron; absent elsewhere. */
  getSelectedStorageBackend?(): string;
}

/**
 * The OS keychain as a vault key slot. On Linux without a keyring (backend `basic_text`),
 * safeStorage "encrypts" with a hard-coded key: that is no protection, so the slot is refused
 * and the reason shown, and the user protects the vault with a passphrase instead.
 */
export function osKeyProtector(safeStorage: SafeStorageLike, platform: NodeJS.Platform): OsKeyProtector {
  return {
    availability() {
      if (!safeStorage.isEncryptionAvailable()) {
        return { available: false, reason: 'This system offers no OS keychain to Guardian right now.' };
      }
      if (platform === 'linux') {
        const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
        if (backend === 'basic_text' || backend === 'unknown') {
          return {
            available: false,
            reason: 'No keyring (GNOME Keyring or KWallet) is running, so the OS cannot keep the vault key secret here. Use a passphrase instead.',
          };
        }
      }
      return { available: true, reason: 'The OS keychain protects the vault key; it unlocks when you sign in to your computer.' };
    },
    // safeStorage works on strings; the key travels as base64 and never as text anyone sees.
    protect: (data) => safeStorage.encryptString(data.toString('base64')),
    unprotect: (blob) => Buffer.from(safeStorage.decryptString(blob), 'base64'),
  };
}
