import type { CheckStatus } from './check';
import { DAY_MS, HOUR_MS } from '../clock';
import type { ResultStore } from './store/results';

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

  /** Reads the rollups of `seqs` that the windows need: two queries, whatever the number of checks. */
  async load(store: ResultStore, seqs: Iterable<number>, now: number): Promise<void> {
    const [hours, days] = await Promise.all([store.rollupTallies(0, now - HOURS * HOUR_MS), store.rollupTallies(1, now - DAYS * DAY_MS)]);
    const slots = new Map<number, number>();
    for (const seq of seqs) {
      // The rollups already hold whatever was recorded before this load: start the check afresh.
      const slot = this.slot(seq);
      this.hours.clear(slot);
      this.days.clear(slot);
      slots.set(seq, slot);
    }
    for (const row of hours) {
      const slot = slots.get(row.seq);
      if (slot !== undefined) this.hours.add(slot, row.start, row.count, row.failures);
    }
    for (const row of days) {
      const slot = slots.get(row.seq);
      if (slot !== undefined) this.days.add(slot, row.start, row.count, row.failures);
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
