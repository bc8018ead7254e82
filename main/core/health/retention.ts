import type { Database } from 'better-sqlite3';
import type { WriterTurns } from '../db/sqlite-engine';
import type { JobContext } from '../jobs';
import { DAY_MS } from '../clock';

/**
 * Prunes raw results older than the raw retention and rollups older than the rollup retention
 * (docs/architecture.md §4), one check at a time through the (check, time) primary key, twenty checks
 * per writer's turn, yielding to the event loop between turns, so polling and requests never wait long behind it.
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
  { sqlite, turns }: { sqlite: Database; turns: WriterTurns },
  policy: RetentionPolicy,
  now: number,
  job: Pick<JobContext, 'signal' | 'progress'>,
): Promise<RetentionSummary> {
  const rawBefore = now - policy.rawRetentionDays * DAY_MS;
  const rollupBefore = now - policy.rollupRetentionDays * DAY_MS;
  const seqs = sqlite
    .prepare<[], { seq: number }>('SELECT seq FROM checks ORDER BY seq')
    .all()
    .map((row) => row.seq);
  const dropResults = sqlite.prepare('DELETE FROM health_results WHERE check_seq = ? AND at < ?');
  const dropRollups = sqlite.prepare('DELETE FROM health_rollups WHERE check_seq = ? AND period IN (0, 1) AND start < ?');
  const summary: RetentionSummary = { kind: 'health.retention', checks: seqs.length, resultsRemoved: 0, rollupsRemoved: 0, incidentsRemoved: 0 };
  for (let start = 0; start < seqs.length && !job.signal.aborted; start += CHECKS_PER_TURN) {
    await turns.apart(() => {
      for (let i = start; i < Math.min(start + CHECKS_PER_TURN, seqs.length) && !job.signal.aborted; i += 1) {
        const seq = seqs[i] as number;
        summary.resultsRemoved += dropResults.run(seq, rawBefore).changes;
        summary.rollupsRemoved += dropRollups.run(seq, rollupBefore).changes;
        job.progress(i + 1, seqs.length);
      }
    });
    await yieldToLoop();
  }
  // Resolved incidents are history as long as the rollups are.
  summary.incidentsRemoved = await turns.apart(
    () => sqlite.prepare('DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < ?').run(rollupBefore).changes,
  );
  return summary;
}
