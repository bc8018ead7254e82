import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { AuthStore, ThrottleRow } from './store';

export interface LockoutPolicy {
  /** Failed sign-ins that lock the key. */
  maxFailures: number;
  /** How long a lock lasts, and the window failures are counted in. */
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000 };

/**
 * Counts failed sign-ins per key (`account:<name>` and `origin:<where>`), whether or not the
 * account exists, so a lockout reveals nothing about which accounts are real.
 *
 * A failure is written outside the failing call's transaction, once it has ended (its rollback
 * would undo it); until it is, it is counted here, so a guess checked meanwhile already sees it.
 */
export class LoginThrottle {
  private readonly unwritten = new Map<string, number>();

  constructor(
    private readonly store: AuthStore,
    private readonly data: Pick<AsyncDatabase, 'detached' | 'transaction' | 'afterCommit'>,
    private readonly clock: Clock,
    private readonly policy: LockoutPolicy,
  ) {}

  /**
   * When the latest lock among these keys ends, or null when none is locked. A key whose failures
   * still being written will lock it counts as locked from now, for the whole lock.
   */
  async lockedUntil(keys: string[]): Promise<number | null> {
    // The failures still being written as the read starts: one that commits while the rows are
    // read would otherwise be in neither (the rows read before it, the count after it), and a key
    // a guess was just refused for would read as not locked.
    const writing = new Map(keys.map((key) => [key, this.unwritten.get(key) ?? 0]));
    const rows = new Map((await this.store.throttleRows(keys)).map((row) => [row.key, row]));
    const now = this.clock.now();
    const until = Math.max(
      0,
      ...keys.map((key) => {
        const row = rows.get(key);
        if (row?.lockedUntil !== null && row?.lockedUntil !== undefined && row.lockedUntil > now) return row.lockedUntil;
        return this.left(key, row, now, writing.get(key)) === 0 ? now + this.policy.lockMs : 0;
      }),
    );
    return until > now ? until : null;
  }

  /** How many more failures this key may have before it locks: 0 while it is locked. */
  async failuresLeft(key: string): Promise<number> {
    const [row] = await this.store.throttleRows([key]);
    return this.left(key, row, this.clock.now());
  }

  /** `writing`: the failures of this key counted as still being written, when read earlier than now. */
  private left(key: string, row: ThrottleRow | undefined, now: number, writing = 0): number {
    const unwritten = Math.max(writing, this.unwritten.get(key) ?? 0);
    if (!row) return Math.max(0, this.policy.maxFailures - unwritten);
    if (row.lockedUntil !== null && row.lockedUntil > now) return 0;
    const expired = now - row.firstFailureAt > this.policy.lockMs || row.lockedUntil !== null;
    return Math.max(0, this.policy.maxFailures - (expired ? 0 : row.failures) - unwritten);
  }

  /** Counts a failure against each key; written even though the call that failed rolls back. */
  recordFailure(keys: string[]): Promise<void> {
    for (const key of keys) this.unwritten.set(key, (this.unwritten.get(key) ?? 0) + 1);
    const written = () => {
      for (const key of keys) {
        const left = (this.unwritten.get(key) ?? 1) - 1;
        if (left > 0) this.unwritten.set(key, left);
        else this.unwritten.delete(key);
      }
    };
    // Counted here until its row commits, and from then on only there: the writer that takes the
    // lock next (very likely the next guess) must not count it twice, or not at all. A write that
    // fails gives it back: the failure is lost rather than counted for ever.
    const write = this.data.detached(() =>
      this.data.transaction(async () => {
        await this.write(keys);
        this.data.afterCommit(written);
      }),
    );
    write.catch(written);
    return write;
  }

  private async write(keys: string[]): Promise<void> {
    await this.store.lockThrottle(keys);
    const rows = new Map((await this.store.throttleRows(keys)).map((row) => [row.key, row]));
    const now = this.clock.now();
    for (const key of keys) {
      const row = rows.get(key);
      const fresh = !row || now - row.firstFailureAt > this.policy.lockMs || (row.lockedUntil !== null && row.lockedUntil <= now);
      const failures = fresh ? 1 : row.failures + 1;
      const next: ThrottleRow = {
        key,
        failures: failures >= this.policy.maxFailures ? 0 : failures,
        firstFailureAt: fresh ? now : row.firstFailureAt,
        lockedUntil: failures >= this.policy.maxFailures ? now + this.policy.lockMs : fresh ? null : row.lockedUntil,
      };
      await this.store.saveThrottle(next);
    }
  }

  /** A successful sign-in clears the account's count (the origin's stays until it expires). */
  clear(key: string): Promise<void> {
    return this.store.clearThrottle(key);
  }
}
