import { AppError } from '@shared/api/errors';
import type { Clock } from '../clock';

export const DEFAULT_AUTO_LOCK_MS = 15 * 60_000;

/**
 * The unlocked keys, in memory only: the KEK and the DEK of each live generation. Forgets them
 * on lock, and by itself after `autoLockMs` without use; never by itself when that is null (a
 * service started with its key file: the key is on its disk, so locking protects nothing and would
 * stop alert deliveries and credentialed checks after a quiet quarter of an hour).
 */
export class Keyring {
  private kek: Buffer | null = null;
  private readonly deks = new Map<number, Buffer>();
  private lastUsed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    readonly autoLockMs: number | null,
  ) {}

  get locked(): boolean {
    this.expireIfIdle();
    return this.kek === null;
  }

  load(kek: Buffer, deks: Map<number, Buffer>): void {
    this.lock();
    this.kek = kek;
    for (const [generation, dek] of deks) this.deks.set(generation, dek);
    this.touch();
  }

  /** After a full rotation: the new KEK in place of the old one, whose bytes are overwritten. */
  replaceKek(kek: Buffer): void {
    this.requireKek().fill(0);
    this.kek = kek;
  }

  addDek(generation: number, dek: Buffer): void {
    this.deks.set(generation, dek);
  }

  dropDek(generation: number): void {
    this.deks.get(generation)?.fill(0);
    this.deks.delete(generation);
  }

  lock(): void {
    this.kek?.fill(0);
    this.kek = null;
    for (const dek of this.deks.values()) dek.fill(0);
    this.deks.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The KEK, counting as use; VAULT_LOCKED when locked. */
  requireKek(): Buffer {
    if (this.locked || !this.kek) throw vaultLocked();
    this.touch();
    return this.kek;
  }

  /** Whether the data key of `generation` is unlocked here (another process may have made a newer one since). */
  has(generation: number): boolean {
    return !this.locked && this.deks.has(generation);
  }

  requireDek(generation: number): Buffer {
    this.requireKek();
    const dek = this.deks.get(generation);
    if (!dek) {
      throw new AppError('VAULT_INTEGRITY', `No data key of generation ${generation} is known to this vault.`, {
        hint: 'The vault state was changed outside Guardian; restore it from a backup.',
        retryable: false,
      });
    }
    return dek;
  }

  private touch(): void {
    this.lastUsed = this.clock.now();
    clearTimeout(this.timer);
    if (this.autoLockMs === null) return;
    this.timer = setTimeout(() => this.lock(), this.autoLockMs);
    this.timer.unref();
  }

  private expireIfIdle(): void {
    if (this.kek && this.autoLockMs !== null && this.clock.now() - this.lastUsed >= this.autoLockMs) this.lock();
  }
}

export function vaultLocked(): AppError {
  return new AppError('VAULT_LOCKED', 'The vault is locked.', {
    hint: 'Unlock it (Vault page, or start the service with --vault-key-file) and try again.',
  });
}
