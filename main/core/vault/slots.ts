import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AppError } from '../../../shared/api/errors';
import type { SlotKind } from '../../../shared/api/vault';
import { deriveKey, keyFromFile, newScryptParams, open, seal, type ScryptParams } from './crypto';
import type { VaultSlotRow } from './table';

/** The OS keychain (Electron safeStorage in the desktop app), behind the smallest interface. */
export interface OsKeyProtector {
  availability(): { available: boolean; reason: string };
  protect(data: Buffer): Buffer;
  unprotect(blob: Buffer): Buffer;
}

/** Where Guardian runs without a desktop: no keychain, and the reason in plain words. */
export const NO_OS_KEYCHAIN: OsKeyProtector = {
  availability: () => ({
    available: false,
    reason: 'The OS keychain is used only by the desktop app; a headless service unlocks with a key file.',
  }),
  protect: () => {
    throw new Error('no OS keychain');
  },
  unprotect: () => {
    throw new Error('no OS keychain');
  },
};

export type SlotSpec =
  | { kind: 'passphrase'; passphrase: string; label?: string | undefined }
  | { kind: 'os'; label?: string | undefined }
  | { kind: 'keyfile'; path: string; label?: string | undefined };

export type UnlockWith = { kind: 'passphrase'; passphrase: string } | { kind: 'os' } | { kind: 'keyfile'; path: string };

const KEK_AAD = (slotId: string) => `guardian-vault-kek:${slotId}`;

/** A key file: at least 32 bytes, readable. Its key never leaves memory. */
export function readKeyFile(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', `The vault key file ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: 'Check the path and that Guardian’s user may read it (e.g. chmod 400, owned by the service user).',
      retryable: false,
    });
  }
  if (bytes.length < 32) {
    throw new AppError('VALIDATION_FAILED', `The vault key file ${path} holds ${bytes.length} bytes; at least 32 are needed.`, {
      hint: 'Make one with: head -c 64 /dev/urandom > vault.key && chmod 400 vault.key',
      retryable: false,
    });
  }
  return bytes;
}

const fileId = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

const DEFAULT_LABELS: Record<SlotKind, string> = { os: 'OS keychain', passphrase: 'Passphrase', keyfile: 'Key file' };

/** A new slot's stored fields: the KEK wrapped by what the spec names. */
export async function makeSlot(
  slotId: string,
  spec: SlotSpec,
  kek: Buffer,
  osKeys: OsKeyProtector,
  scryptCost?: { N: number; r: number; p: number },
): Promise<Pick<VaultSlotRow, 'kind' | 'label' | 'wrappedKek' | 'params'>> {
  const label = spec.label?.trim() || DEFAULT_LABELS[spec.kind];
  switch (spec.kind) {
    case 'passphrase': {
      const params = newScryptParams(scryptCost);
      const key = await deriveKey(spec.passphrase, params);
      return { kind: 'passphrase', label, params: { ...params }, wrappedKek: seal(key, kek, KEK_AAD(slotId)).toString('base64') };
    }
    case 'keyfile': {
      const bytes = readKeyFile(spec.path);
      return { kind: 'keyfile', label, params: { fileId: fileId(bytes) }, wrappedKek: seal(keyFromFile(bytes), kek, KEK_AAD(slotId)).toString('base64') };
    }
    case 'os': {
      const { available, reason } = osKeys.availability();
      if (!available) throw new AppError('NOT_SUPPORTED_HERE', reason, { hint: 'Protect the vault with a passphrase instead.' });
      return { kind: 'os', label, params: {}, wrappedKek: osKeys.protect(kek).toString('base64') };
    }
  }
}

/** The KEK from the first slot of the right kind that `with` opens, and that slot's id. */
export async function openSlots(slots: VaultSlotRow[], using: UnlockWith, osKeys: OsKeyProtector): Promise<{ kek: Buffer; slotId: string }> {
  const candidates = slots.filter((slot) => slot.kind === using.kind);
  if (candidates.length === 0) {
    throw new AppError('VAULT_BAD_PASSPHRASE', `This vault has no ${DEFAULT_LABELS[using.kind].toLowerCase()} slot.`, {
      hint: `Unlock with one of: ${[...new Set(slots.map((slot) => DEFAULT_LABELS[slot.kind].toLowerCase()))].join(', ')}.`,
    });
  }
  const keyBytes = using.kind === 'keyfile' ? readKeyFile(using.path) : null;
  for (const slot of candidates) {
    const wrapped = Buffer.from(slot.wrappedKek, 'base64');
    try {
      switch (using.kind) {
        case 'passphrase': {
          const key = await deriveKey(using.passphrase, slot.params as unknown as ScryptParams);
          return { kek: open(key, wrapped, KEK_AAD(slot.id)), slotId: slot.id };
        }
        case 'keyfile':
          if (keyBytes) return { kek: open(keyFromFile(keyBytes), wrapped, KEK_AAD(slot.id)), slotId: slot.id };
          break;
        case 'os':
          return { kek: osKeys.unprotect(wrapped), slotId: slot.id };
      }
    } catch {
      // Not this slot: try the next one of the same kind.
    }
  }
  const what = using.kind === 'passphrase' ? 'The passphrase is wrong' : using.kind === 'keyfile' ? 'The key file does not open this vault' : 'The OS keychain could not open this vault';
  throw new AppError('VAULT_BAD_PASSPHRASE', `${what}; nothing was changed.`, {
    hint: using.kind === 'passphrase' ? 'Check the passphrase (it is case-sensitive) and try again.' : 'Unlock with another key slot.',
  });
}
