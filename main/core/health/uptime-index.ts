import type { CheckStatus } from './check';
import { DAY_MS, HOUR_MS } from '../clock';
import type { PackedTallies, ResultStore } from './store/results';

/**
 * The last 25 hours and 31 days of result counts per check, in memory, so the fleet overview's
 * uptime over 24 h / 7 d / 30 d for any subset of servers is a sum over typed arrays, not a query
 * over millions of rollup rows. Read from the rollups once, then kept current by the engine's ticks.
 * Each check has a ring of hour slots and a ring of day slots; a slot remembers which hour (or
 * day) it counts, so a stale slot is simply skipped.
 */

export interface Tally {
  count: number;
  failures: number;
}

/** Uptime as a fraction of results that were not `down`; null without results. */
export function uptimeOf(tally: Tally): number | null {
  return tally.count === 0 ? null : (tally.count - tally.failures) / tally.count;
}

const HOURS = 25;
const DAYS = 31;
/** Checks whose rollups one read of {@link UptimeIndex.load} takes: about 56 rows each, a few tens of ms to read back. */
const CHECKS_PER_READ = 2_000;

/** Runs `work` at a moment no tick commits (TickRecorder.between). */
export type Between = <T>(work: () => Promise<T>) => Promise<T>;

/** One ring per check: `slots` buckets of (period start, count, failures). */
class Rings {
  start: Float64Array;
  count: Uint32Array;
  failures: Uint32Array;

  constructor(
    private readonly slots: number,
    private readonly periodMs: number,
    capacity: number,
  ) {
    this.start = new Float64Array(capacity * slots).fill(-1);
    this.count = new Uint32Array(capacity * slots);
    this.failures = new Uint32Array(capacity * slots);
  }

  grow(capacity: number): void {
    const start = new Float64Array(capacity * this.slots).fill(-1);
    start.set(this.start);
    const count = new Uint32Array(capacity * this.slots);
    count.set(this.count);
    const failures = new Uint32Array(capacity * this.slots);
    failures.set(this.failures);
    Object.assign(this, { start, count, failures });
  }

  clear(slot: number): void {
    const from = slot * this.slots;
    this.start.fill(-1, from, from + this.slots);
  }

  /** Adds to the bucket of the period holding `at`, taking over its slot if it counted an older period. */
  add(slot: number, at: number, count: number, failures: number): void {
    const periodStart = Math.floor(at / this.periodMs) * this.periodMs;
    const i = slot * this.slots + (Math.floor(at / this.periodMs) % this.slots);
    if (this.start[i] !== periodStart) {
      this.start[i] = periodStart;
      this.count[i] = 0;
      this.failures[i] = 0;
    }
    this.count[i] = (this.count[i] ?? 0) + count;
    this.failures[i] = (this.failures[i] ?? 0) + failures;
  }

  /**
   * Sets the bucket of the period holding `at` to a stored rollup's counts, unless its slot already
   * counts a later period: rows read back in any order leave each slot with the latest.
   */
  put(slot: number, at: number, count: number, failures: number): void {
    const periodStart = Math.floor(at / this.periodMs) * this.periodMs;
    const i = slot * this.slots + (Math.floor(at / this.periodMs) % this.slots);
    if ((this.start[i] ?? -1) > periodStart) return;
    this.start[i] = periodStart;
    this.count[i] = count;
    this.failures[i] = failures;
  }

  /** Adds the buckets of `slot` whose period starts at or after `from` into `into`. */
  sum(slot: number, from: number, into: Tally): void {
    const base = slot * this.slots;
    for (let i = base; i < base + this.slots; i++) {
      if ((this.start[i] ?? -1) >= from) {
        into.count += this.count[i] ?? 0;
        into.failures += this.failures[i] ?? 0;
      }
    }
  }
}

export class UptimeIndex {
  private readonly slotOf = new Map<number, number>();
  private readonly free: number[] = [];
  private capacity = 1024;
  private readonly hours = new Rings(HOURS, HOUR_MS, this.capacity);
  private readonly days = new Rings(DAYS, DAY_MS, this.capacity);

  add(seq: number, at: number, status: CheckStatus, muted: boolean): void {
    if (muted) return;
    const slot = this.slot(seq);
    const failed = status === 'down' ? 1 : 0;
    this.hours.add(slot, at, 1, failed);
    this.days.add(slot, at, 1, failed);
  }

  forget(seq: number): void {
    const slot = this.slotOf.get(seq);
    if (slot === undefined) return;
    this.slotOf.delete(seq);
    this.free.push(slot);
  }

  /**
   * Reads the rollups of `seqs` that the rings hold, CHECKS_PER_READ checks at a time. Each read and
   * what it fills runs through `between`, which the engine gives as "between two ticks": no tick
   * commits while a read is on its way, so a result is in the rows read or added after them, never
   * both or neither. Whatever a check counted before its read is replaced by the rows, which hold it.
   * The event loop gets a turn after each read. (`checksPerRead`: fewer in a test of the chunks.)
   */
  async load(store: ResultStore, seqs: Iterable<number>, now: number, between: Between = (work) => work(), checksPerRead = CHECKS_PER_READ): Promise<void> {
    const sorted = [...new Set(seqs)].sort((a, b) => a - b);
    for (const seq of sorted) this.slot(seq);
    const hourFrom = Math.floor(now / HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS;
    const dayFrom = Math.floor(now / DAY_MS) * DAY_MS - (DAYS - 1) * DAY_MS;
    for (let at = 0; at < sorted.length; at += checksPerRead) {
      const chunk = sorted.slice(at, at + checksPerRead);
      await between(async () => this.fill(chunk, await store.rollupTallies(chunk[0] ?? 0, chunk[chunk.length - 1] ?? 0, hourFrom, dayFrom)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Replaces what the checks of `chunk` counted by the rollups read for them. */
  private fill(chunk: readonly number[], rows: readonly PackedTallies[]): void {
    const slots = new Map<number, number>();
    for (const seq of chunk) {
      // A check forgotten (deleted) while the index loaded has no slot any more, and may not get one back.
      const slot = this.slotOf.get(seq);
      if (slot === undefined) continue;
      this.hours.clear(slot);
      this.days.clear(slot);
      slots.set(seq, slot);
    }
    for (const row of rows) {
      const slot = slots.get(row.seq);
      if (slot === undefined) continue;
      const rings = row.period === 0 ? this.hours : this.days;
      for (let i = 0; i < row.starts.length; i++) rings.put(slot, row.starts[i] ?? 0, row.counts[i] ?? 0, row.failures[i] ?? 0);
    }
  }

  /** Results of `seqs` over the last 24 hours (whole hours) and 7 and 30 days (whole days, today included). */
  tally(seqs: Iterable<number>, now: number): { h24: Tally; d7: Tally; d30: Tally } {
    const h24 = { count: 0, failures: 0 };
    const d7 = { count: 0, failures: 0 };
    const d30 = { count: 0, failures: 0 };
    const hourFrom = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    for (const seq of seqs) {
      const slot = this.slotOf.get(seq);
      if (slot === undefined) continue;
      this.hours.sum(slot, hourFrom, h24);
      this.days.sum(slot, today - 29 * DAY_MS, d30);
      this.days.sum(slot, today - 6 * DAY_MS, d7);
    }
    return { h24, d7, d30 };
  }

  private slot(seq: number): number {
    let slot = this.slotOf.get(seq);
    if (slot !== undefined) return slot;
    slot = this.free.pop() ?? this.slotOf.size;
    if (slot >= this.capacity) {
      this.capacity *= 2;
      this.hours.grow(this.capacity);
      this.days.grow(this.capacity);
    }
    this.hours.clear(slot);
    this.days.clear(slot);
    this.slotOf.set(seq, slot);
    return slot;
  }
}
