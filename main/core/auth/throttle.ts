import { eq, inArray } from 'drizzle-orm';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import type { WriterTurns } from '../db/sqlite-engine';
import { loginThrottleTable } from './table';

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
 * A failure is written in the writers' turn right after the failing call's (whose rollback would
 * undo it); until it is, it is counted here, so a guess checked meanwhile already sees it.
 */
export class LoginThrottle {
  private readonly unwritten = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly turns: WriterTurns,
    private readonly clock: Clock,
    private readonly policy: LockoutPolicy,
  ) {}

  /** When the latest lock among these keys ends, or null when none is locked. */
  lockedUntil(keys: string[]): number | null {
    const now = this.clock.now();
    const rows = this.db.select().from(loginThrottleTable).where(inArray(loginThrottleTable.key, keys)).all();
    const until = Math.max(0, ...rows.map((row) => row.lockedUntil ?? 0));
    return until > now ? until : null;
  }

  /** How many more failures this key may have before it locks: 0 while it is locked. */
  failuresLeft(key: string): number {
    const now = this.clock.now();
    const row = this.db.select().from(loginThrottleTable).where(eq(loginThrottleTable.key, key)).get();
    const unwritten = this.unwritten.get(key) ?? 0;
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
    const write = this.turns.next(() => this.write(keys));
    write.then(written, written);
    return write;
  }

  private write(keys: string[]): void {
    const now = this.clock.now();
    for (const key of keys) {
      const row = this.db.select().from(loginThrottleTable).where(eq(loginThrottleTable.key, key)).get();
      const fresh = !row || now - row.firstFailureAt > this.policy.lockMs || (row.lockedUntil !== null && row.lockedUntil <= now);
      const failures = fresh ? 1 : row.failures + 1;
      const next = {
        key,
        failures: failures >= this.policy.maxFailures ? 0 : failures,
        firstFailureAt: fresh ? now : row.firstFailureAt,
        lockedUntil: failures >= this.policy.maxFailures ? now + this.policy.lockMs : fresh ? null : row.lockedUntil,
      };
      this.db.insert(loginThrottleTable).values(next).onConflictDoUpdate({ target: loginThrottleTable.key, set: next }).run();
    }
  }

  /** A successful sign-in clears the account's count (the origin's stays until it expires). */
  clear(key: string): Promise<void> {
    return this.turns.exclusive(() => {
      this.db.delete(loginThrottleTable).where(eq(loginThrottleTable.key, key)).run();
    });
  }
}
