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

/** Failed sign-ins and one-time codes, of any account from anywhere, that make a burst worth telling. */
export interface BurstPolicy {
  failures: number;
  windowMs: number;
}

/**
 * Who is told of lockouts and bursts (docs/alerts.md, "Sources about no server"), each in the
 * transaction that records the failure causing it, so the word commits with the failure.
 */
export interface ThrottleAlerts {
  /** What makes a burst now: read at each failure, so an admin's change applies to the next one. */
  burst(): BurstPolicy;
  /**
   * Whether anyone hears of bursts now: only then is every failure counted toward one, on one row
   * every failure's transaction takes its turn at (on PostgreSQL, under one advisory lock).
   */
  counting(): boolean;
  /** The keys (`account:<name>`, `origin:<where>`) this failure has just locked, until when. */
  locked(keys: string[], until: number): Promise<unknown>;
  /** This failure made `failures` within the burst window: told once per window while it goes on. */
  burstReached(failures: number, windowMs: number): Promise<unknown>;
}

/**
 * The row counting every failure for the burst. Its `lockedUntil` is when the burst last told
 * ends its window: until then failures are not counted again, so an attack is told once a window.
 */
const BURST_KEY = 'burst:sign-in';

/** A failure being written: counted here until its row has committed, and from then on only there. */
interface PendingFailure {
  keys: string[];
  /** Set as its transaction's body ends, just before COMMIT is sent: from then on a read may see it. */
  committing: boolean;
  /** Resolves once it is given back here: committed (and its afterCommit run) or failed. */
  settled: Promise<void>;
}

/** Reads that saw a failure commit under them are read again, up to this many times. */
const MAX_REREADS = 8;

/**
 * Counts failed sign-ins per key (`account:<name>` and `origin:<where>`), whether or not the
 * account exists, so a lockout reveals nothing about which accounts are real.
 *
 * A failure is written outside the failing call's transaction, once it has ended (its rollback
 * would undo it); until it is, it is counted here, so a guess checked meanwhile already sees it.
 * A read counts each failure exactly once: one whose COMMIT may have been sent while the rows
 * were read is waited for and the rows read again, since the read may or may not have seen it
 * (on PostgreSQL the next guess reads on another connection, and can see the row before this
 * process hears that it committed).
 */
export class LoginThrottle {
  private readonly pending = new Set<PendingFailure>();
  /** How many failures have begun to commit: a read during which this moved is read again. */
  private commits = 0;

  constructor(
    private readonly store: AuthStore,
    private readonly data: Pick<AsyncDatabase, 'detached' | 'transaction' | 'afterCommit'>,
    private readonly clock: Clock,
    private readonly policy: LockoutPolicy,
    private readonly alerts?: ThrottleAlerts,
  ) {}

  /** When the latest lock among these keys ends, or null when none is locked. */
  async lockedUntil(keys: string[]): Promise<number | null> {
    const { rows, unwritten } = await this.read(keys);
    const now = this.clock.now();
    const until = Math.max(
      0,
      ...keys.map((key) => {
        const row = rows.get(key);
        if (row?.lockedUntil !== null && row?.lockedUntil !== undefined && row.lockedUntil > now) return row.lockedUntil;
        // Failures still being written that will lock it count as a lock from now, for the whole lock.
        return this.left(row, now, unwritten.get(key) ?? 0) === 0 ? now + this.policy.lockMs : 0;
      }),
    );
    return until > now ? until : null;
  }

  /** How many more failures this key may have before it locks: 0 while it is locked. */
  async failuresLeft(key: string): Promise<number> {
    const { rows, unwritten } = await this.read([key]);
    return this.left(rows.get(key), this.clock.now(), unwritten.get(key) ?? 0);
  }

  /**
   * The keys' rows, and the failures of each that are not in them yet. A failure still being
   * written is in the rows once its COMMIT has run, so a read during which one began to commit
   * cannot tell: it waits for that one to be given back here, and reads again.
   */
  private async read(keys: string[]): Promise<{ rows: Map<string, ThrottleRow>; unwritten: Map<string, number> }> {
    const mine = () => [...this.pending].filter((failure) => failure.keys.some((key) => keys.includes(key)));
    for (let attempt = 0; ; attempt++) {
      await Promise.all(
        mine()
          .filter((failure) => failure.committing)
          .map((failure) => failure.settled),
      );
      const commitsBefore = this.commits;
      const rows = new Map((await this.store.throttleRows(keys)).map((row) => [row.key, row]));
      const steady = this.commits === commitsBefore;
      // After the last re-read, what began to commit meanwhile counts twice: stricter, never looser.
      if (steady || attempt >= MAX_REREADS) {
        const unwritten = new Map<string, number>();
        for (const failure of mine()) {
          if (failure.committing && steady) continue;
          for (const key of failure.keys) unwritten.set(key, (unwritten.get(key) ?? 0) + 1);
        }
        return { rows, unwritten };
      }
    }
  }

  private left(row: ThrottleRow | undefined, now: number, unwritten: number): number {
    if (!row) return Math.max(0, this.policy.maxFailures - unwritten);
    if (row.lockedUntil !== null && row.lockedUntil > now) return 0;
    const expired = now - row.firstFailureAt > this.policy.lockMs || row.lockedUntil !== null;
    return Math.max(0, this.policy.maxFailures - (expired ? 0 : row.failures) - unwritten);
  }

  /**
   * Counts a failure against each key; written even though the call that failed rolls back. Its
   * time is now, when it happened: a write held up (a busy pool, another writer) must not start
   * the lock later, or a lock that should be ending says 15 minutes again.
   */
  recordFailure(keys: string[]): Promise<void> {
    const at = this.clock.now();
    let giveBack = (): void => undefined;
    const failure: PendingFailure = {
      keys,
      committing: false,
      settled: new Promise<void>((resolve) => {
        giveBack = () => {
          this.pending.delete(failure);
          resolve();
        };
      }),
    };
    this.pending.add(failure);
    // A write that fails gives it back too: the failure is lost rather than counted for ever.
    const write = this.data.detached(() =>
      this.data.transaction(async () => {
        await this.write(keys, at);
        this.data.afterCommit(giveBack);
        failure.committing = true;
        this.commits++;
      }),
    );
    write.then(giveBack, giveBack);
    return write;
  }

  private async write(keys: string[], now: number): Promise<void> {
    const { alerts } = this;
    const burst = alerts?.counting() === true;
    await this.store.lockThrottle(burst ? [...keys, BURST_KEY] : keys);
    const rows = new Map((await this.store.throttleRows(keys)).map((row) => [row.key, row]));
    const locked: string[] = [];
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
      if (failures >= this.policy.maxFailures) locked.push(key);
    }
    if (!alerts) return;
    if (locked.length > 0) await alerts.locked(locked, now + this.policy.lockMs);
    if (burst) await this.countBurst(alerts, now);
  }

  /** Counts the failure toward a burst, and tells of one the moment it reaches the policy's failures. */
  private async countBurst(alerts: ThrottleAlerts, now: number): Promise<void> {
    const { failures: threshold, windowMs } = alerts.burst();
    const [row] = await this.store.throttleRows([BURST_KEY]);
    if (row?.lockedUntil !== null && row?.lockedUntil !== undefined && row.lockedUntil > now) return;
    const fresh = !row || now - row.firstFailureAt > windowMs || row.lockedUntil !== null;
    const failures = fresh ? 1 : row.failures + 1;
    const reached = failures >= threshold;
    await this.store.saveThrottle({
      key: BURST_KEY,
      failures: reached ? 0 : failures,
      firstFailureAt: fresh ? now : row.firstFailureAt,
      lockedUntil: reached ? now + windowMs : null,
    });
    if (reached) await alerts.burstReached(failures, windowMs);
  }

  /** A successful sign-in clears the account's count (the origin's stays until it expires). */
  clear(key: string): Promise<void> {
    return this.store.clearThrottle(key);
  }
}
