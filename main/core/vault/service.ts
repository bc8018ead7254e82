import type Database from 'better-sqlite3';
import { asc, count, eq, ne } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { Job } from '@shared/api/jobs';
import type { VaultStatus } from '@shared/api/vault';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import type { JobService } from '../jobs';
import { newKey, open, seal, withKey, type ScryptCost } from './crypto';
import type { KeyFileSource } from './keyfile';
import type { Keyring } from './keyring';
import { startReSealing } from './rotation';
import { makeSlot, openSlots, rewrapSlot, type OsKeyProtector, type RewrapRefusal, type SlotProtectors, type SlotSpec, type UnlockWith } from './slots';
import { secretsTable, vaultSlotsTable, vaultStateTable, type VaultSlotRow } from './table';

export interface VaultDeps {
  db: Db;
  /** When a slot was last used is stamped in a turn of its own. */
  turns: WriterTurns;
  sqlite: Database.Database;
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

const notInitialized = () =>
  new AppError('VAULT_NOT_INITIALIZED', 'The vault has not been created yet.', {
    hint: 'Create it on the Vault page (or in the first-run wizard) with a passphrase or the OS keychain.',
  });

/** The vault's life: creating it, its key slots, unlocking, locking and rotating the data key. */
export class VaultService {
  constructor(private readonly deps: VaultDeps) {}

  private state() {
    return this.deps.db.select().from(vaultStateTable).where(eq(vaultStateTable.id, 1)).get();
  }

  private slots() {
    return this.deps.db.select().from(vaultSlotsTable).orderBy(asc(vaultSlotsTable.createdAt)).all();
  }

  private get protectors(): SlotProtectors {
    return { osKeys: this.deps.osKeys, keyFile: this.deps.keyFile, scryptCost: this.deps.scryptCost };
  }

  status(): VaultStatus {
    const state = this.state();
    const remaining =
      state?.pendingGeneration != null
        ? (this.deps.db.select({ n: count() }).from(secretsTable).where(ne(secretsTable.keyGeneration, state.pendingGeneration)).get()?.n ?? 0)
        : 0;
    return {
      initialized: state !== undefined,
      locked: this.deps.keyring.locked,
      slots: this.slots().map(({ id, kind, label, createdAt, lastUsedAt }) => ({ id, kind, label, createdAt, lastUsedAt })),
      os: this.deps.osKeys.availability(),
      keyFile: this.deps.keyFile.availability(),
      autoLockMs: this.deps.keyring.autoLockMs,
      rotation: { inProgress: state?.pendingGeneration != null, remaining },
    };
  }

  async init(spec: SlotSpec): Promise<VaultStatus> {
    if (this.state()) throw new AppError('CONFLICT', 'The vault already exists.', { hint: 'Unlock it, or add a key slot.' });
    const kek = newKey();
    const dek = newKey();
    try {
      const slotId = this.deps.newId();
      const slot = await makeSlot(slotId, spec, kek, this.protectors);
      const now = this.deps.clock.now();
      this.deps.sqlite.transaction(() => {
        if (this.state()) throw new AppError('CONFLICT', 'The vault already exists.', { hint: 'Unlock it instead.' });
        this.deps.db
          .insert(vaultStateTable)
          .values({ id: 1, generation: 1, wrappedDek: seal(kek, dek, DEK_AAD(1)).toString('base64') })
          .run();
        this.deps.db
          .insert(vaultSlotsTable)
          .values({ id: slotId, ...slot, createdAt: now, lastUsedAt: now })
          .run();
      })();
    } catch (error) {
      kek.fill(0);
      dek.fill(0);
      throw error;
    }
    this.deps.keyring.load(kek, new Map([[1, dek]]));
    return this.status();
  }

  async unlock(using: UnlockWith): Promise<VaultStatus> {
    const state = this.state();
    if (!state) throw notInitialized();
    const { kek, slotId } = await openSlots(this.slots(), using, this.protectors);
    const deks = new Map<number, Buffer>();
    try {
      deks.set(state.generation, open(kek, Buffer.from(state.wrappedDek, 'base64'), DEK_AAD(state.generation)));
      if (state.pendingGeneration != null && state.pendingWrappedDek) {
        deks.set(state.pendingGeneration, open(kek, Buffer.from(state.pendingWrappedDek, 'base64'), DEK_AAD(state.pendingGeneration)));
      }
    } catch {
      kek.fill(0);
      for (const dek of deks.values()) dek.fill(0);
      throw new AppError('VAULT_INTEGRITY', 'The vault’s data key failed its integrity check.', {
        hint: 'The vault state was altered outside Guardian; restore the data folder from a backup.',
        retryable: false,
      });
    }
    const lastUsedAt = this.deps.clock.now();
    this.deps.turns.stamp('vault slot last used', () => this.deps.db.update(vaultSlotsTable).set({ lastUsedAt }).where(eq(vaultSlotsTable.id, slotId)).run());
    this.deps.keyring.load(kek, deks);
    return this.status();
  }

  lock(): VaultStatus {
    this.deps.keyring.lock();
    return this.status();
  }

  async addSlot(spec: SlotSpec): Promise<VaultStatus> {
    if (!this.state()) throw notInitialized();
    const kek = this.deps.keyring.requireKek();
    const slotId = this.deps.newId();
    const slot = await makeSlot(slotId, spec, kek, this.protectors);
    this.deps.db
      .insert(vaultSlotsTable)
      .values({ id: slotId, ...slot, createdAt: this.deps.clock.now(), lastUsedAt: null })
      .run();
    return this.status();
  }

  removeSlot(id: string): VaultStatus {
    this.deps.keyring.requireKek();
    this.deps.sqlite.transaction(() => {
      const slots = this.slots();
      if (!slots.some((slot) => slot.id === id)) {
        throw new AppError('NOT_FOUND', `There is no key slot ${id}.`, { hint: 'See the vault’s key slots.' });
      }
      if (slots.length <= 1) {
        throw new AppError('CONFLICT', 'This is the vault’s last key slot.', {
          hint: 'Add another slot first: without one, the vault could never be opened again.',
        });
      }
      this.deps.db.delete(vaultSlotsTable).where(eq(vaultSlotsTable.id, id)).run();
    })();
    return this.status();
  }

  async changePassphrase(id: string, current: string, next: string): Promise<VaultStatus> {
    const slot = this.slots().find((row) => row.id === id);
    if (!slot || slot.kind !== 'passphrase') {
      throw new AppError('NOT_FOUND', `There is no passphrase slot ${id}.`, { hint: 'See the vault’s key slots.' });
    }
    const { kek } = await openSlots([slot], { kind: 'passphrase', passphrase: current }, this.protectors);
    const replacement = await withKey(kek, (opened) => makeSlot(id, { kind: 'passphrase', passphrase: next, label: slot.label }, opened, this.protectors));
    this.deps.db.update(vaultSlotsTable).set({ wrappedKek: replacement.wrappedKek, params: replacement.params }).where(eq(vaultSlotsTable.id, id)).run();
    return this.status();
  }

  /** The generation new secrets are sealed with: the pending one while a rotation runs. */
  currentGeneration(): number {
    const state = this.state();
    if (!state) throw notInitialized();
    return state.pendingGeneration ?? state.generation;
  }

  /**
   * Starts (or resumes) replacing the data key. The new DEK is recorded wrapped before any secret
   * moves to it, each batch is one transaction, and the switch is one last transaction, so a kill
   * at any moment leaves every secret readable with a key the vault still holds.
   */
  rotate(createdBy: string): Promise<Job> {
    const state = this.state();
    if (!state) throw notInitialized();
    const kek = this.deps.keyring.requireKek();
    let target = state.pendingGeneration;
    if (target == null || !state.pendingWrappedDek) {
      target = state.generation + 1;
      const dek = newKey();
      this.deps.db
        .update(vaultStateTable)
        .set({ pendingGeneration: target, pendingWrappedDek: seal(kek, dek, DEK_AAD(target)).toString('base64') })
        .where(eq(vaultStateTable.id, 1))
        .run();
      this.deps.keyring.addDek(target, dek);
    }
    return startReSealing(this.deps, target, { title: 'Rotate the vault’s data key', createdBy });
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
    const state = this.state();
    if (!state) throw notInitialized();
    if (state.pendingGeneration != null) {
      throw new AppError('CONFLICT', 'A rotation of the data key has not finished yet.', {
        hint: 'Resume it first (Vault page, Data key); then start the full rotation.',
      });
    }
    const kek = this.deps.keyring.requireKek();
    const slots = this.slots();
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
      this.deps.sqlite.transaction(() => {
        const now = this.state();
        const ids = this.slots()
          .map((slot) => slot.id)
          .sort()
          .join();
        if (
          !now ||
          now.generation !== state.generation ||
          now.pendingGeneration != null ||
          ids !==
            slots
              .map((slot) => slot.id)
              .sort()
              .join()
        ) {
          throw new AppError('CONFLICT', 'The vault’s keys changed while the full rotation was being prepared; nothing was changed.', {
            hint: 'Look at the key slots again and start the full rotation once more.',
          });
        }
        const dek = this.deps.keyring.requireDek(state.generation);
        this.deps.db
          .update(vaultStateTable)
          .set({
            wrappedDek: seal(nextKek, dek, DEK_AAD(state.generation)).toString('base64'),
            pendingGeneration: generation,
            pendingWrappedDek: seal(nextKek, nextDek, DEK_AAD(generation)).toString('base64'),
          })
          .where(eq(vaultStateTable.id, 1))
          .run();
        for (const [id, fields] of rewrapped) this.deps.db.update(vaultSlotsTable).set(fields).where(eq(vaultSlotsTable.id, id)).run();
        for (const id of request.dropSlots) this.deps.db.delete(vaultSlotsTable).where(eq(vaultSlotsTable.id, id)).run();
      })();
    } catch (error) {
      nextKek.fill(0);
      nextDek.fill(0);
      throw error;
    }
    this.deps.keyring.replaceKek(nextKek);
    this.deps.keyring.addDek(generation, nextDek);
    return startReSealing(this.deps, generation, { title: 'Rotate all the vault’s keys', createdBy });
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
