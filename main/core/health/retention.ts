import type { AsyncDatabase } from '../db/engine';
import type { JobContext } from '../jobs';
import { DAY_MS } from '../clock';
import type { ResultStore } from './store/results';

/**
 * Prunes raw results older than the raw retention and rollups older than the rollup retention
 * (docs/architecture.md §4), one check at a time through the (check, time) primary key, twenty checks
 * per transaction, yielding to the event loop between turns, so polling and requests never wait long behind it.
 */

export interface RetentionPolicy {
  rawRetentionDays: number;
  rollupRetentionDays: number;
}

export interface RetentionSummary {
  kind: 'health.retention';
  checks: number;
  resultsRemoved: number;
  rollupsRemoved: number;
  incidentsRemoved: number;
}

const CHECKS_PER_TURN = 20;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneHealth(
  { db, store }: { db: AsyncDatabase; store: ResultStore },
  policy: RetentionPolicy,
  now: number,
  job: Pick<JobContext, 'signal' | 'progress'>,
): Promise<RetentionSummary> {
  const rawBefore = now - policy.rawRetentionDays * DAY_MS;
  const rollupBefore = now - policy.rollupRetentionDays * DAY_MS;
  const seqs = await store.checkSeqs();
  const summary: RetentionSummary = { kind: 'health.retention', checks: seqs.length, resultsRemoved: 0, rollupsRemoved: 0, incidentsRemoved: 0 };
  for (let start = 0; start < seqs.length && !job.signal.aborted; start += CHECKS_PER_TURN) {
    await db.transaction(async () => {
      for (let i = start; i < Math.min(start + CHECKS_PER_TURN, seqs.length) && !job.signal.aborted; i += 1) {
        const seq = seqs[i] as number;
        summary.resultsRemoved += await store.dropResults(seq, rawBefore);
        summary.rollupsRemoved += await store.dropRollups(seq, rollupBefore);
        job.progress(i + 1, seqs.length);
      }
    });
    await yieldToLoop();
  }
  // Resolved incidents are history as long as the rollups are.
  summary.incidentsRemoved = await store.dropResolvedIncidents(rollupBefore);
  return summary;
}
