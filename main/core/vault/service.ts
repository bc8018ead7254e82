import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { VaultStatus } from '@shared/api/vault';
import type { Clock } from '../clock';
import { unlessTaken, type AsyncDatabase, type Stamp } from '../db/engine';
import type { JobService } from '../jobs';
import { newKey, open, seal, withKey, type ScryptCost } from './crypto';
import type { KeyFileSource } from './keyfile';
import type { Keyring } from './keyring';
import { startReSealing } from './rotation';
import { makeSlot, openSlots, rewrapSlot, type OsKeyProtector, type RewrapRefusal, type SlotProtectors, type SlotSpec, type UnlockWith } from './slots';
import type { VaultState, VaultStore } from './store';
import type { VaultSlotRow } from './table';

export interface VaultDeps {
  store: VaultStore;
  /** Where changes to the key hierarchy run, each as one transaction. */
  data: Pick<AsyncDatabase, 'transaction' | 'afterCommit'>;
  /** When a slot was last used is written outside the caller's transaction, and nobody waits for it. */
  stamp: Stamp;
  clock: Clock;
  newId: () => string;
  jobs: JobService;
  keyring: Keyring;
  osKeys: OsKeyProtector;
  /** The key file this installation was given (command line, systemd credential, desktop dialog). */
  keyFile: KeyFileSource;
  /** scrypt cost passphrase slots are written with, and the only one (give or take a step) they are read with. */
  scryptCost: ScryptCost;
}

/** What a full rotation is told: the passphrases of the passphrase slots it keeps, and the slots to remove. */
export interface FullRotation {
  passphrases: ReadonlyMap<string, string>;
  dropSlots: ReadonlySet<string>;
}

export { ROTATE_BATCH } from './rotation';

export const DEK_AAD = (generation: number) => `guardian-vault-dek:${generation}`;

/** The data key of `generation`, unwrapped with the KEK, or VAULT_INTEGRITY when it does not open. */
function openDek(kek: Buffer, generation: number, wrapped: string): Buffer {
  try {
    return open(kek, Buffer.from(wrapped, 'base64'), DEK_AAD(generation));
  } catch {
    throw new AppError('VAULT_INTEGRITY', 'The vault’s data key failed its integrity check.', {
      hint: 'The vault state was altered outside Guardian; restore the data folder from a backup.',
      retryable: false,
    });
  }
}

const notInitialized = () =>
  new AppError('VAULT_NOT_INITIALIZED', 'The vault has not been created yet.', {
    hint: 'Create it on the Vault page (or in the first-run wizard) with a passphrase or the OS keychain.',
  });

const alreadyExists = () => new AppError('CONFLICT', 'The vault already exists.', { hint: 'Unlock it, or add a key slot.' });

const keysChanged = () =>
  new AppError('CONFLICT', 'The vault’s keys changed while the full rotation was being prepared; nothing was changed.', {
    hint: 'Look at the key slots again and start the full rotation once more.',
  });

/** The vault's life: creating it, its key slots, unlocking, locking and rotating the data key. */
export class VaultService {
  constructor(private readonly deps: VaultDeps) {}

  private get protectors(): SlotProtectors {
    return { osKeys: this.deps.osKeys, keyFile: this.deps.keyFile, scryptCost: this.deps.scryptCost };
  }

  async status(): Promise<VaultStatus> {
    const { store } = this.deps;
    const state = await store.state();
    const remaining = state?.pendingGeneration != null ? await store.countNotAt(state.pendingGeneration) : 0;
    return {
      initialized: state !== undefined,
      locked: this.deps.keyring.locked,
      slots: (await store.slots()).map(({ id, kind, label, createdAt, lastUsedAt }) => ({ id, kind, label, createdAt, lastUsedAt })),
      os: this.deps.osKeys.availability(),
      keyFile: this.deps.keyFile.availability(),
      autoLockMs: this.deps.keyring.autoLockMs,
      rotation: { inProgress: state?.pendingGeneration != null, remaining },
    };
  }

  async init(spec: SlotSpec): Promise<VaultStatus> {
    if (await this.deps.store.state()) throw alreadyExists();
    const kek = newKey();
    const dek = newKey();
    try {
      const slotId = this.deps.newId();
      const slot = await makeSlot(slotId, spec, kek, this.protectors);
      const now = this.deps.clock.now();
      await this.deps.data.transaction(async () => {
        const { store } = this.deps;
        if (await store.lockKeys()) throw alreadyExists();
        // Another process creating the vault at the same moment: its row's key refuses ours.
        await unlessTaken(store.createState(1, seal(kek, dek, DEK_AAD(1)).toString('base64')), alreadyExists);
        await store.insertSlot({ id: slotId, ...slot, createdAt: now, lastUsedAt: now });
      });
    } catch (error) {
      kek.fill(0);
      dek.fill(0);
      throw error;
    }
    this.deps.keyring.load(kek, new Map([[1, dek]]));
    return this.status();
  }

  async unlock(using: UnlockWith): Promise<VaultStatus> {
    const state = await this.deps.store.state();
    if (!state) throw notInitialized();
    const { kek, slotId } = await openSlots(await this.deps.store.slots(), using, this.protectors);
    const deks = new Map<number, Buffer>();
    try {
      deks.set(state.generation, openDek(kek, state.generation, state.wrappedDek));
      if (state.pendingGeneration != null && state.pendingWrappedDek) {
        deks.set(state.pendingGeneration, openDek(kek, state.pendingGeneration, state.pendingWrappedDek));
      }
    } catch (error) {
      kek.fill(0);
      for (const dek of deks.values()) dek.fill(0);
      throw error;
    }
    const lastUsedAt = this.deps.clock.now();
    this.deps.stamp('vault slot last used', () => this.deps.store.stampSlot(slotId, lastUsedAt));
    this.deps.keyring.load(kek, deks);
    return this.status();
  }

  /** Forgets the unlocked keys at once. */
  lock(): void {
    this.deps.keyring.lock();
  }

  async addSlot(spec: SlotSpec): Promise<VaultStatus> {
    if (!(await this.deps.store.state())) throw notInitialized();
    const kek = this.deps.keyring.requireKek();
    const slotId = this.deps.newId();
    const slot = await makeSlot(slotId, spec, kek, this.protectors);
    await this.deps.store.insertSlot({ id: slotId, ...slot, createdAt: this.deps.clock.now(), lastUsedAt: null });
    return this.status();
  }

  async removeSlot(id: string): Promise<VaultStatus> {
    this.deps.keyring.requireKek();
    await this.deps.data.transaction(async () => {
      const { store } = this.deps;
      // Under the vault's lock: two removals at once must not leave no slot between them.
      await store.lockKeys();
      const slots = await store.slots();
      if (!slots.some((slot) => slot.id === id)) {
        throw new AppError('NOT_FOUND', `There is no key slot ${id}.`, { hint: 'See the vault’s key slots.' });
      }
      if (slots.length <= 1) {
        throw new AppError('CONFLICT', 'This is the vault’s last key slot.', {
          hint: 'Add another slot first: without one, the vault could never be opened again.',
        });
      }
      await store.deleteSlot(id);
    });
    return this.status();
  }

  async changePassphrase(id: string, current: string, next: string): Promise<VaultStatus> {
    const slot = (await this.deps.store.slots()).find((row) => row.id === id);
    if (!slot || slot.kind !== 'passphrase') {
      throw new AppError('NOT_FOUND', `There is no passphrase slot ${id}.`, { hint: 'See the vault’s key slots.' });
    }
    const { kek } = await openSlots([slot], { kind: 'passphrase', passphrase: current }, this.protectors);
    const replacement = await withKey(kek, (opened) => makeSlot(id, { kind: 'passphrase', passphrase: next, label: slot.label }, opened, this.protectors));
    // Only over the wrapping just opened: a full rotation meanwhile re-wrapped the slot with a new KEK.
    if (!(await this.deps.store.rewrapSlot(id, slot.wrappedKek, replacement))) throw keysChanged();
    return this.status();
  }

  /**
   * The data key of `generation`: the keyring's, or else (another process rotated the keys since
   * this one unlocked) unwrapped from the vault's state with the KEK and kept in the keyring.
   * VAULT_LOCKED while locked; VAULT_INTEGRITY for a generation the vault does not hold.
   */
  async dek(generation: number, state?: VaultState): Promise<Buffer> {
    const { keyring } = this.deps;
    const kek = keyring.requireKek();
    if (keyring.has(generation)) return keyring.requireDek(generation);
    const now = state ?? (await this.deps.store.state());
    const wrapped = now?.generation === generation ? now.wrappedDek : now?.pendingGeneration === generation ? now.pendingWrappedDek : null;
    if (!wrapped) return keyring.requireDek(generation);
    const dek = openDek(kek, generation, wrapped);
    keyring.addDek(generation, dek);
    return dek;
  }

  /**
   * The generation new secrets are sealed with (the pending one while a rotation runs) and its
   * data key, read under the vault's lock: inside a write's transaction, no rotation starts or
   * ends until the secret sealed with it has been written.
   */
  async sealingKey(): Promise<{ generation: number; dek: Buffer }> {
    const state = await this.deps.store.lockKeys();
    if (!state) throw notInitialized();
    const generation = state.pendingGeneration ?? state.generation;
    return { generation, dek: await this.dek(generation, state) };
  }

  private get reSealing() {
    const { data, store, jobs, keyring } = this.deps;
    return { data, store, jobs, keyring, dek: (generation: number) => this.dek(generation) };
  }

  /**
   * Starts (or resumes) replacing the data key. The new DEK is recorded wrapped before any secret
   * moves to it, each batch is one transaction, and the switch is one last transaction, so a kill
   * at any moment leaves every secret readable with a key the vault still holds.
   */
  async rotate(createdBy: string): Promise<Job> {
    const target = await this.deps.data.transaction(async () => {
      const { store, keyring } = this.deps;
      const state = await store.lockKeys();
      if (!state) throw notInitialized();
      const kek = keyring.requireKek();
      if (state.pendingGeneration != null && state.pendingWrappedDek) return state.pendingGeneration;
      const generation = state.generation + 1;
      const dek = newKey();
      if (!(await store.beginRotation(generation, seal(kek, dek, DEK_AAD(generation)).toString('base64')))) {
        dek.fill(0);
        throw new AppError('CONFLICT', 'Another rotation of the data key started at the same moment.', {
          hint: 'Start the rotation again: it resumes the one under way.',
        });
      }
      this.deps.data.afterCommit(() => keyring.addDek(generation, dek));
      return generation;
    });
    return startReSealing(this.reSealing, target, { title: 'Rotate the vault’s data key', createdBy });
  }

  /**
   * A full rotation, for after a passphrase or key file leaked (and its slot was removed): a new
   * KEK, re-wrapping every slot kept, and a new data key re-sealing every secret. What was copied
   * with the old KEK (an old backup and the leaked secret) then opens nothing in the vault's
   * future copies. A slot is re-wrapped the way it was made (its passphrase, given here; the OS
   * keychain; this installation's key file); a slot that cannot be is removed only when named in
   * `dropSlots`, otherwise nothing changes. The new KEK, slots and data key are written in one
   * transaction; re-sealing the secrets is then the usual resumable job.
   */
  async rotateFully(request: FullRotation, createdBy: string): Promise<Job> {
    const { store } = this.deps;
    const state = await store.state();
    if (!state) throw notInitialized();
    if (state.pendingGeneration != null) {
      throw new AppError('CONFLICT', 'A rotation of the data key has not finished yet.', {
        hint: 'Resume it first (Vault page, Data key); then start the full rotation.',
      });
    }
    const kek = this.deps.keyring.requireKek();
    const slots = await store.slots();
    const kept = this.slotsKept(slots, request);
    const nextKek = newKey();
    const nextDek = newKey();
    const generation = state.generation + 1;
    try {
      const rewrapped = new Map<string, Pick<VaultSlotRow, 'wrappedKek' | 'params'>>();
      const refusals: RewrapRefusal[] = [];
      for (const slot of kept) {
        const result = await rewrapSlot(slot, kek, nextKek, request.passphrases.get(slot.id), this.protectors);
        if ('reason' in result) refusals.push(result);
        else rewrapped.set(slot.id, result);
      }
      if (refusals.length > 0) {
        throw new AppError(
          'CONFLICT',
          `Some key slots cannot be re-wrapped: ${refusals.map(({ slot, reason }) => `“${slot.label}” (${reason})`).join(', ')}. Nothing was changed.`,
          {
            hint: 'Give the passphrase of every passphrase slot kept, or name the slots that cannot be re-wrapped among those to remove.',
          },
        );
      }
      // Each slot as it was read: a slot added, removed or re-wrapped meanwhile stops the rotation.
      const keys = (rows: VaultSlotRow[]) =>
        rows
          .map((slot) => `${slot.id}:${slot.wrappedKek}`)
          .sort()
          .join();
      await this.deps.data.transaction(async () => {
        const now = await store.lockKeys();
        if (!now || now.generation !== state.generation || now.pendingGeneration != null || keys(await store.slots()) !== keys(slots)) throw keysChanged();
        const dek = await this.dek(state.generation, now);
        await store.rewrapState(
          seal(nextKek, dek, DEK_AAD(state.generation)).toString('base64'),
          generation,
          seal(nextKek, nextDek, DEK_AAD(generation)).toString('base64'),
        );
        for (const slot of kept) {
          const fields = rewrapped.get(slot.id);
          if (fields) await store.rewrapSlot(slot.id, slot.wrappedKek, fields);
        }
        for (const id of request.dropSlots) await store.deleteSlot(id);
      });
    } catch (error) {
      nextKek.fill(0);
      nextDek.fill(0);
      throw error;
    }
    this.deps.keyring.replaceKek(nextKek);
    this.deps.keyring.addDek(generation, nextDek);
    return startReSealing(this.reSealing, generation, { title: 'Rotate all the vault’s keys', createdBy });
  }

  /** The slots a full rotation keeps: all but those named to drop, which must exist, and never none. */
  private slotsKept(slots: VaultSlotRow[], request: FullRotation): VaultSlotRow[] {
    const known = new Set(slots.map((slot) => slot.id));
    const unknown = [...request.dropSlots, ...request.passphrases.keys()].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new AppError('NOT_FOUND', `There is no key slot ${unknown.join(', ')}.`, { hint: 'See the vault’s key slots.' });
    }
    const notPassphrase = slots.filter((slot) => request.passphrases.has(slot.id) && slot.kind !== 'passphrase');
    if (notPassphrase.length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        `A passphrase was given for “${notPassphrase.map((slot) => slot.label).join('”, “')}”, which is not a passphrase slot.`,
        {
          hint: 'Give passphrases only for passphrase slots.',
          issues: [{ path: ['passphrases'], message: 'Not a passphrase slot' }],
        },
      );
    }
    const kept = slots.filter((slot) => !request.dropSlots.has(slot.id));
    if (kept.length === 0) {
      throw new AppError('CONFLICT', 'A full rotation cannot remove every key slot.', {
        hint: 'Keep at least one slot (and give its passphrase, if it has one): without one, the vault could never be opened again.',
      });
    }
    return kept;
  }
}
