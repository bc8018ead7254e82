/**
 * A rolling run's arithmetic (docs/operations.md, "Rolling runs"), one rule for the service that
 * batches and the page that says which batch is under way.
 */

/** Targets per batch: a number as given (all of them at most), or a percentage of `total` rounded down, at least 1, as Ansible's `serial` reads it. */
export function perBatchOf(batchSize: number | string, total: number): number {
  const size = typeof batchSize === 'number' ? batchSize : Math.floor((total * Number.parseInt(batchSize, 10)) / 100);
  return Math.max(1, Math.min(size, total));
}

/** The batch (from 1) of the target at `index` in the run's target order. */
export const batchOf = (index: number, perBatch: number): number => Math.floor(index / perBatch) + 1;

/** Whether `failed` of `total` targets is past the threshold: strictly more than `maxFailPercent` of them, as Ansible's `max_fail_percentage`. */
export const pastThreshold = (failed: number, total: number, maxFailPercent: number): boolean => failed * 100 > maxFailPercent * total;

/** Why the targets after a batch were not run, in words. */
export const thresholdReason = (at: { failed: number; total: number; maxFailPercent: number; batch: number; batches: number }): string =>
  `${at.failed} of ${at.total} targets failed by the end of batch ${at.batch} of ${at.batches}, more than the ${at.maxFailPercent}% allowed`;
