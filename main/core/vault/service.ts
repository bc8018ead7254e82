import type Database from 'better-sqlite3';
import { asc, count, eq, ne } from 'drizzle-orm';
import { AppError } from '../../../shared/api/errors';
import type { Job } from '../../../shared/api/jobs';
import type { VaultStatus } from '../../../shared/api/vault';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { JobService } from '../jobs/service';
import { newKey, open, seal } from './crypto';
import type { Keyring } from './keyring';
import { openSecretRow, secretAad } from './secrets';
import { makeSlot, openSlots, type OsKeyProtector, type SlotSpec, type UnlockWith } from './slots';
import { secretsTable, vaultSlotsTable, vaultStateTable } from './table';

export interface VaultDeps {
  db: Db;
  sqlite: Database.Database;
  clock: Clock;
  newId: () => string;
  jobs: JobService;
  keyring: Keyring;
  osKeys: OsKeyProtector;
  /** scrypt cost for new passphrase slots (tests use a cheap one). */
  scryptCost?: { N: number; r: number; p: number } | undefined;
}

/** Secrets re-sealed per transaction during a rotation. */
export const ROTATE_BATCH = 200;

const DEK_AAD = (generation: number) => `guardian-vault-dek:${generation}`;

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

  status(): VaultStatus {
    const state = this.state();
    const remaining =
      state?.pendingGeneration != null
        ? (this.deps.db
            .select({ n: count() })
            .from(secretsTable)
            .where(ne(secretsTable.keyGeneration, state.pendingGeneration))
            .get()?.n ?? 0)
        : 0;
    return {
      initialized: state !== undefined,
      locked: this.deps.keyring.locked,
      slots: this.slots().map(({ id, kind, label, createdAt, lastUsedAt }) => ({ id, kind, label, createdAt, lastUsedAt })),
      os: this.deps.osKeys.availability(),
      autoLockMs: this.deps.keyring.autoLockMs,
      rotation: { inProgress: state?.pendingGeneration != null, remaining },
    };
  }

  async init(spec: SlotSpec): Promise<VaultStatus> {
    if (this.state()) throw new AppError('CONFLICT', 'The vault already exists.', { hint: 'Unlock it, or add a key slot.' });
    const kek = newKey();
    const dek = newKey();
    const slotId = this.deps.newId();
    const slot = await makeSlot(slotId, spec, kek, this.deps.osKeys, this.deps.scryptCost);
    const now = this.deps.clock.now();
    this.deps.sqlite.transaction(() => {
      if (this.state()) throw new AppError('CONFLICT', 'The vault already exists.', { hint: 'Unlock it instead.' });
      this.deps.db.insert(vaultStateTable).values({ id: 1, generation: 1, wrappedDek: seal(kek, dek, DEK_AAD(1)).toString('base64') }).run();
      this.deps.db.insert(vaultSlotsTable).values({ id: slotId, ...slot, createdAt: now, lastUsedAt: now }).run();
    })();
    this.deps.keyring.load(kek, new Map([[1, dek]]));
    return this.status();
  }

  async unlock(using: UnlockWith): Promise<VaultStatus> {
    const state = this.state();
    if (!state) throw notInitialized();
    const { kek, slotId } = await openSlots(this.slots(), using, this.deps.osKeys);
    const deks = new Map<number, Buffer>();
    try {
      deks.set(state.generation, open(kek, Buffer.from(state.wrappedDek, 'base64'), DEK_AAD(state.generation)));
      if (state.pendingGeneration != null && state.pendingWrappedDek) {
        deks.set(state.pendingGeneration, open(kek, Buffer.from(state.pendingWrappedDek, 'base64'), DEK_AAD(state.pendingGeneration)));
      }
    } catch {
      throw new AppError('VAULT_INTEGRITY', 'The vault’s data key failed its integrity check.', {
        hint: 'The vault state was altered outside Guardian; restore the data folder from a backup.',
        retryable: false,
      });
    }
    this.deps.db.update(vaultSlotsTable).set({ lastUsedAt: this.deps.clock.now() }).where(eq(vaultSlotsTable.id, slotId)).run();
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
    const slot = await makeSlot(slotId, spec, kek, this.deps.osKeys, this.deps.scryptCost);
    this.deps.db.insert(vaultSlotsTable).values({ id: slotId, ...slot, createdAt: this.deps.clock.now(), lastUsedAt: null }).run();
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
    const { kek } = await openSlots([slot], { kind: 'passphrase', passphrase: current }, this.deps.osKeys);
    const replacement = await makeSlot(id, { kind: 'passphrase', passphrase: next, label: slot.label }, kek, this.deps.osKeys, this.deps.scryptCost);
    this.deps.db
      .update(vaultSlotsTable)
      .set({ wrappedKek: replacement.wrappedKek, params: replacement.params })
      .where(eq(vaultSlotsTable.id, id))
      .run();
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
  rotate(createdBy: string): Job {
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
    const generation = target;
    return this.deps.jobs.start({ kind: 'vault.rotate', title: 'Rotate the vault’s data key', createdBy }, async (job) => {
      const { db, sqlite, keyring } = this.deps;
      const total = db.select({ n: count() }).from(secretsTable).where(ne(secretsTable.keyGeneration, generation)).get()?.n ?? 0;
      let done = 0;
      job.progress(0, total);
      const moveBatch = sqlite.transaction(() => {
        const rows = db.select().from(secretsTable).where(ne(secretsTable.keyGeneration, generation)).limit(ROTATE_BATCH).all();
        const next = keyring.requireDek(generation);
        for (const row of rows) {
          const plain = Buffer.from(JSON.stringify(openSecretRow(keyring, row)), 'utf8');
          db.update(secretsTable)
            .set({ sealed: seal(next, plain, secretAad(row.id, row.kind)).toString('base64'), keyGeneration: generation })
            .where(eq(secretsTable.id, row.id))
            .run();
          plain.fill(0);
        }
        return rows.length;
      });
      for (;;) {
        if (job.signal.aborted) return { kind: 'vault.rotate', reSealed: done, finished: false };
        const moved = moveBatch.immediate();
        if (moved === 0) break;
        done += moved;
        job.progress(done, total);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const finish = sqlite.transaction(() => {
        const now = this.state();
        if (!now || now.pendingGeneration !== generation || !now.pendingWrappedDek) return now?.generation ?? generation;
        db.update(vaultStateTable)
          .set({ generation, wrappedDek: now.pendingWrappedDek, pendingGeneration: null, pendingWrappedDek: null })
          .where(eq(vaultStateTable.id, 1))
          .run();
        return now.generation;
      });
      const previous = finish.immediate();
      if (previous !== generation) keyring.dropDek(previous);
      return { kind: 'vault.rotate', reSealed: done, finished: true };
    });
  }
}
