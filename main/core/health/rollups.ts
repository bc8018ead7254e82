import { DAY_MS, HOUR_MS } from '../clock';
import type { CheckStatus } from './check';
import { addToSketch, decodeSketch, encodeSketch, type Sketch } from './sketch';
import { rollupKey, type ResultStore, type RollupKey, type RollupWrite, type StoredRollup } from './store/results';

/**
 * Hourly and daily rollups per check (docs/architecture.md §4): count, failures (down), degraded, muted
 * (in a maintenance window, left out of the rest), latency min/max/sum and a sketch for p95.
 * The open hour's and day's rows are kept in memory and rewritten once per tick for the checks
 * that had results; a row from before a restart is read back the first time it is touched.
 */

export const PERIODS = [
  { period: 0, ms: HOUR_MS },
  { period: 1, ms: DAY_MS },
] as const;

/** An open rollup row: as written, its latency sketch decoded. */
type Acc = Omit<RollupWrite, 'sketch'> & { sketch: Sketch };

export interface RollupResult {
  seq: number;
  at: number;
  status: CheckStatus;
  latencyMs: number | null;
  muted: boolean;
}

export class RollupAccumulator {
  private readonly open = new Map<string, Acc>();
  private readonly dirty = new Set<Acc>();

  constructor(private readonly store: ResultStore) {}

  /**
   * Counts a tick's results (inside its transaction): the rows they open that are not in memory
   * (a new hour or day; a row from before a restart) are read back in one go first.
   */
  async addAll(results: readonly RollupResult[]): Promise<void> {
    const missing = new Map<string, RollupKey>();
    for (const { seq, at } of results) {
      for (const { period, ms } of PERIODS) {
        const start = Math.floor(at / ms) * ms;
        const key = rollupKey(seq, period, start);
        if (!this.open.has(key)) missing.set(key, { seq, period, start });
      }
    }
    if (missing.size > 0) {
      const stored = await this.store.readRollups([...missing.values()]);
      for (const [key, { seq, period, start }] of missing) this.open.set(key, accOf(seq, period, start, stored.get(key)));
    }
    for (const result of results) this.count(result);
  }

  private count(result: RollupResult): void {
    for (const { period, ms } of PERIODS) {
      const acc = this.open.get(rollupKey(result.seq, period, Math.floor(result.at / ms) * ms));
      if (!acc) continue; // read back by addAll just before
      this.dirty.add(acc);
      if (result.muted) {
        acc.muted += 1;
        continue;
      }
      acc.count += 1;
      if (result.status === 'down') acc.failures += 1;
      if (result.status === 'degraded') acc.degraded += 1;
      if (result.latencyMs !== null) {
        acc.latCount += 1;
        acc.latSum += result.latencyMs;
        acc.latMin = acc.latMin === null ? result.latencyMs : Math.min(acc.latMin, result.latencyMs);
        acc.latMax = acc.latMax === null ? result.latencyMs : Math.max(acc.latMax, result.latencyMs);
        addToSketch(acc.sketch, result.latencyMs);
      }
    }
  }

  /** Writes every row touched since the last flush (call inside the tick's transaction). */
  async flush(now: number): Promise<void> {
    await this.store.writeRollups([...this.dirty].map((acc) => ({ ...acc, sketch: encodeSketch(acc.sketch) })));
    this.dirty.clear();
    // Rows of closed hours and days are final on disk: keep only the open ones (and the last).
    for (const [key, acc] of this.open) {
      const ms = acc.period === 0 ? HOUR_MS : DAY_MS;
      if (acc.start + 2 * ms <= now) this.open.delete(key);
    }
  }

  /**
   * Forgets every open row, to read each back from the database when next touched: after a tick
   * whose transaction rolled back, what is in memory counts results that were never written.
   */
  discard(): void {
    this.open.clear();
    this.dirty.clear();
  }

  /** Forgets a deleted check's open rows. */
  forget(seq: number): void {
    for (const [key, acc] of this.open) if (acc.seq === seq) this.open.delete(key);
  }
}

/** An open row: as stored, or empty when there is none yet. */
function accOf(seq: number, period: number, start: number, stored: StoredRollup | undefined): Acc {
  return stored
    ? { seq, period, start, ...stored, sketch: decodeSketch(stored.sketch) }
    : { seq, period, start, count: 0, failures: 0, degraded: 0, muted: 0, latCount: 0, latMin: null, latMax: null, latSum: 0, sketch: new Map() };
}
