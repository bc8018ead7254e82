import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@shared/api/errors';
import type { SlotKind } from '@shared/api/vault';
import { deriveKey, keyFromFile, newScryptParams, open, scryptAccepted, seal, withKey, type ScryptCost, type ScryptParams } from './crypto';
import type { KeyFileSource } from './keyfile';
import type { VaultSlotRow } from './table';

/** The OS keychain (Electron safeStorage in the desktop app), behind the smallest interface. */
export interface OsKeyProtector {
  availability(): { available: boolean; reason: string };
  protect(data: Buffer): Buffer;
  unprotect(blob: Buffer): Buffer;
}

const noKeychain = (): never => {
  throw new Error('no OS keychain');
};

/** Where Guardian runs without a desktop: no keychain, and the reason in plain words. */
export const NO_OS_KEYCHAIN: OsKeyProtector = {
  availability: () => ({
    available: false,
    reason:
      'The OS keychain belongs to the desktop app. This Guardian runs as a service (guardian serve), so its vault is protected by a passphrase, or by a key file the service is started with (--vault-key-file).',
  }),
  // Making a slot asks availability() first; opening one tries, fails and reports the slot unopened.
  protect: noKeychain,
  unprotect: noKeychain,
};

export type SlotSpec =
  | { kind: 'passphrase'; passphrase: string; label?: string | undefined }
  | { kind: 'os'; label?: string | undefined }
  | { kind: 'keyfile'; label?: string | undefined };

export type UnlockWith = { kind: 'passphrase'; passphrase: string } | { kind: 'os' } | { kind: 'keyfile' };

/** What protects slots besides a passphrase, and the scrypt cost passphrase slots are written (and read) with. */
export interface SlotProtectors {
  osKeys: OsKeyProtector;
  keyFile: KeyFileSource;
  scryptCost: ScryptCost;
}

const KEK_AAD = (slotId: string) => `guardian-vault-kek:${slotId}`;

const SlotScrypt = z.object({ N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: z.string().min(8) });

/** A passphrase slot's stored parameters, refused before any derivation unless Guardian writes such a cost itself. */
function slotScrypt(slot: VaultSlotRow, writes: ScryptCost): ScryptParams {
  const parsed = SlotScrypt.safeParse(slot.params);
  if (!parsed.success || !scryptAccepted(parsed.data, writes)) {
    throw new AppError('VAULT_INTEGRITY', `The key slot "${slot.label}" has scrypt parameters Guardian never writes.`, {
      hint: 'The vault state was changed outside Guardian; unlock with another slot and remove this one, or restore the data folder from a backup.',
      retryable: false,
    });
  }
  return parsed.data;
}

const fileId = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** Seals `kek` under the key a key file's bytes stretch into; the stretched key is zeroed. */
const sealWithFile = (bytes: Buffer, kek: Buffer, slotId: string) => withKey(keyFromFile(bytes), (key) => seal(key, kek, KEK_AAD(slotId)));

const DEFAULT_LABELS: Record<SlotKind, string> = { os: 'OS keychain', passphrase: 'Passphrase', keyfile: 'Key file' };

/** A new slot's stored fields: the KEK wrapped by what the spec names. */
export async function makeSlot(
  slotId: string,
  spec: SlotSpec,
  kek: Buffer,
  protectors: SlotProtectors,
): Promise<Pick<VaultSlotRow, 'kind' | 'label' | 'wrappedKek' | 'params'>> {
  const label = spec.label?.trim() || DEFAULT_LABELS[spec.kind];
  switch (spec.kind) {
    case 'passphrase': {
      const params = newScryptParams(protectors.scryptCost);
      const wrappedKek = await withKey(deriveKey(spec.passphrase, params), (key) => seal(key, kek, KEK_AAD(slotId)).toString('base64'));
      return { kind: 'passphrase', label, params: { ...params }, wrappedKek };
    }
    case 'keyfile':
      return withKey(protectors.keyFile.read('Choose the vault key file for the new slot'), async (bytes) => ({
        kind: 'keyfile' as const,
        label,
        params: { fileId: fileId(bytes) },
        wrappedKek: (await sealWithFile(bytes, kek, slotId)).toString('base64'),
      }));
    case 'os': {
      const { available, reason } = protectors.osKeys.availability();
      if (!available) throw new AppError('NOT_SUPPORTED_HERE', reason, { hint: 'Protect the vault with a passphrase instead.' });
      return { kind: 'os', label, params: {}, wrappedKek: protectors.osKeys.protect(kek).toString('base64') };
    }
  }
}

/** The KEK a passphrase slot wraps, or null when the passphrase does not open it. */
async function openWithPassphrase(slot: VaultSlotRow, passphrase: string, writes: ScryptCost): Promise<Buffer | null> {
  const params = slotScrypt(slot, writes);
  return withKey(deriveKey(passphrase, params), (key) => tryOpen(key, slot));
}

function tryOpen(key: Buffer, slot: VaultSlotRow): Buffer | null {
  try {
    return open(key, Buffer.from(slot.wrappedKek, 'base64'), KEK_AAD(slot.id));
  } catch {
    return null;
  }
}

/** The KEK the OS keychain gives back for this slot, or null when it cannot. */
function openWithOs(slot: VaultSlotRow, osKeys: OsKeyProtector): Buffer | null {
  try {
    return osKeys.unprotect(Buffer.from(slot.wrappedKek, 'base64'));
  } catch {
    return null;
  }
}

/** The KEK from the first slot of the right kind that `with` opens, and that slot's id. */
export async function openSlots(slots: VaultSlotRow[], using: UnlockWith, protectors: SlotProtectors): Promise<{ kek: Buffer; slotId: string }> {
  const candidates = slots.filter((slot) => slot.kind === using.kind);
  if (candidates.length === 0) {
    throw new AppError('VAULT_BAD_PASSPHRASE', `This vault has no ${DEFAULT_LABELS[using.kind].toLowerCase()} slot.`, {
      hint: `Unlock with one of: ${[...new Set(slots.map((slot) => DEFAULT_LABELS[slot.kind].toLowerCase()))].join(', ')}.`,
    });
  }
  const found = await (async () => {
    switch (using.kind) {
      case 'passphrase': {
        let refused: unknown = null;
        let refusals = 0;
        for (const slot of candidates) {
          try {
            const kek = await openWithPassphrase(slot, using.passphrase, protectors.scryptCost);
            if (kek) return { kek, slotId: slot.id };
          } catch (error) {
            // A slot whose parameters are refused: try the others, and say so if none is left.
            refused = error;
            refusals++;
          }
        }
        if (refusals === candidates.length) throw refused;
        return null;
      }
      case 'keyfile':
        return withKey(protectors.keyFile.read('Choose the vault key file'), (bytes) =>
          withKey(keyFromFile(bytes), (key) => {
            for (const slot of candidates) {
              const kek = tryOpen(key, slot);
              if (kek) return { kek, slotId: slot.id };
            }
            return null;
          }),
        );
      case 'os':
        for (const slot of candidates) {
          const kek = openWithOs(slot, protectors.osKeys);
          if (kek) return { kek, slotId: slot.id };
        }
        return null;
    }
  })();
  if (found) return found;
  const what =
    using.kind === 'passphrase'
      ? 'The passphrase is wrong'
      : using.kind === 'keyfile'
        ? 'The key file does not open this vault'
        : 'The OS keychain could not open this vault';
  throw new AppError('VAULT_BAD_PASSPHRASE', `${what}; nothing was changed.`, {
    hint: using.kind === 'passphrase' ? 'Check the passphrase (it is case-sensitive) and try again.' : 'Unlock with another key slot.',
  });
}

/** Why a slot could not be re-wrapped by a full rotation, in words for the caller. */
export type RewrapRefusal = { slot: VaultSlotRow; reason: string };

/**
 * A slot's stored fields with `nextKek` wrapped in place of `kek`, made the way the slot was: its
 * passphrase (given, and proven by opening the slot), the OS keychain, or the key file this
 * installation has. A refusal when the slot cannot be opened here; VAULT_BAD_PASSPHRASE when a
 * given passphrase is wrong.
 */
export async function rewrapSlot(
  slot: VaultSlotRow,
  kek: Buffer,
  nextKek: Buffer,
  passphrase: string | undefined,
  protectors: SlotProtectors,
): Promise<Pick<VaultSlotRow, 'wrappedKek' | 'params'> | RewrapRefusal> {
  const same = (opened: Buffer | null) => {
    if (!opened) return false;
    const equal = opened.length === kek.length && timingSafeEqual(opened, kek);
    opened.fill(0);
    return equal;
  };
  switch (slot.kind) {
    case 'passphrase': {
      if (passphrase === undefined) return { slot, reason: 'its passphrase was not given' };
      if (!same(await openWithPassphrase(slot, passphrase, protectors.scryptCost))) {
        throw new AppError('VAULT_BAD_PASSPHRASE', `The passphrase given for the slot "${slot.label}" is wrong; nothing was changed.`, {
          hint: 'Check it (it is case-sensitive), or name the slot among those to remove.',
        });
      }
      const { wrappedKek, params } = await makeSlot(slot.id, { kind: 'passphrase', passphrase, label: slot.label }, nextKek, protectors);
      return { wrappedKek, params };
    }
    case 'os': {
      if (!protectors.osKeys.availability().available || !same(openWithOs(slot, protectors.osKeys))) {
        return { slot, reason: 'the OS keychain here does not open it' };
      }
      return { wrappedKek: protectors.osKeys.protect(nextKek).toString('base64'), params: {} };
    }
    case 'keyfile': {
      if (protectors.keyFile.availability().source === 'none') return { slot, reason: 'no key file was given to this Guardian' };
      return withKey(protectors.keyFile.read(`Choose the key file of the slot “${slot.label}”`), async (bytes) => {
        const opened = await withKey(keyFromFile(bytes), (key) => tryOpen(key, slot));
        if (!same(opened)) return { slot, reason: 'the key file given to this Guardian is not this slot’s' };
        return { wrappedKek: (await sealWithFile(bytes, nextKek, slot.id)).toString('base64'), params: { fileId: fileId(bytes) } };
      });
    }
  }
}
