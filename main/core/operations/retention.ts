import { DAY_MS } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { JobContext } from '../jobs';
import { yieldToLoop } from '../timers';
import type { OperationStore } from './store';

/**
 * Removes finished runs older than the retention period, with their targets and stored output
 * (docs/operations.md, "How long runs are kept"): a few runs per transaction, oldest first,
 * yielding between turns, so runs being recorded and requests never wait long behind it. A run
 * still running is never touched; the audit events (each target's output SHA-256) stay.
 */

export interface RunRetentionSummary {
  kind: 'operations.retention';
  runsRemoved: number;
  targetsRemoved: number;
}

/** Runs per transaction: a run may have hundreds of targets of up to 256 KiB each. */
const RUNS_PER_TURN = 10;

export async function pruneRuns(
  { db, store }: { db: AsyncDatabase; store: OperationStore },
  retentionDays: number,
  now: number,
  job: Pick<JobContext, 'signal'>,
): Promise<RunRetentionSummary> {
  const before = now - retentionDays * DAY_MS;
  const summary: RunRetentionSummary = { kind: 'operations.retention', runsRemoved: 0, targetsRemoved: 0 };
  while (!job.signal.aborted) {
    const removed = await db.transaction(async () => {
      const ids = await store.endedBefore(before, RUNS_PER_TURN);
      summary.targetsRemoved += await store.removeRuns(ids);
      return ids.length;
    });
    summary.runsRemoved += removed;
    if (removed < RUNS_PER_TURN) break;
    await yieldToLoop();
  }
  return summary;
}
