import type { Database } from 'better-sqlite3';
import type { CheckStatus } from './check';
import { DAY_MS, HOUR_MS } from './rollups';

/**
 * The last 25 hours and 31 days of result counts per check, in memory, so the fleet overview's
 * uptime over 24 h / 7 d / 30 d for any subset of servers is a sum, not a query over millions of
 * rollup rows. Read from the rollups once, then kept current by the engine's ticks.
 */

type Buckets = Map<number, { count: number; failures: number }>;

export interface Tally {
  count: number;
  failures: number;
}

/** Uptime as a fraction of results that were not `down`; null without results. */
export function uptimeOf(tally: Tally): number | null {
  return tally.count === 0 ? null : (tally.count - tally.failures) / tally.count;
}

const KEEP_HOURS = 25;
const KEEP_DAYS = 31;

export class UptimeIndex {
  private readonly hours = new Map<number, Buckets>();
  private readonly days = new Map<number, Buckets>();

  add(seq: number, at: number, status: CheckStatus, muted: boolean): void {
    if (muted) return;
    bump(this.hours, seq, Math.floor(at / HOUR_MS) * HOUR_MS, status, at - KEEP_HOURS * HOUR_MS);
    bump(this.days, seq, Math.floor(at / DAY_MS) * DAY_MS, status, at - KEEP_DAYS * DAY_MS);
  }

  forget(seq: number): void {
    this.hours.delete(seq);
    this.days.delete(seq);
  }

  /** Reads the rollups of `seqs` that the windows need. */
  load(sqlite: Database, seqs: Iterable<number>, now: number): void {
    const rows = sqlite.prepare<[number, number, number], { start: number; count: number; failures: number }>(
      'SELECT start, count, failures FROM health_rollups WHERE check_seq = ? AND period = ? AND start >= ?',
    );
    for (const seq of seqs) {
      const hours: Buckets = new Map();
      for (const row of rows.iterate(seq, 0, now - KEEP_HOURS * HOUR_MS)) hours.set(row.start, { count: row.count, failures: row.failures });
      const days: Buckets = new Map();
      for (const row of rows.iterate(seq, 1, now - KEEP_DAYS * DAY_MS)) days.set(row.start, { count: row.count, failures: row.failures });
      this.hours.set(seq, hours);
      this.days.set(seq, days);
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
      for (const [start, b] of this.hours.get(seq) ?? []) if (start >= hourFrom) add(h24, b);
      for (const [start, b] of this.days.get(seq) ?? []) {
        if (start >= today - 29 * DAY_MS) add(d30, b);
        if (start >= today - 6 * DAY_MS) add(d7, b);
      }
    }
    return { h24, d7, d30 };
  }
}

function add(into: Tally, from: Tally): void {
  into.count += from.count;
  into.failures += from.failures;
}

function bump(index: Map<number, Buckets>, seq: number, start: number, status: CheckStatus, oldest: number): void {
  let buckets = index.get(seq);
  if (!buckets) index.set(seq, (buckets = new Map()));
  let bucket = buckets.get(start);
  if (!bucket) {
    buckets.set(start, (bucket = { count: 0, failures: 0 }));
    for (const key of buckets.keys()) if (key < oldest) buckets.delete(key);
  }
  bucket.count += 1;
  if (status === 'down') bucket.failures += 1;
}
