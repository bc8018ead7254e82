import type { Database } from 'better-sqlite3';
import type { JobContext } from '../jobs';
import { DAY_MS } from '../clock';

/**
 * Prunes raw results older than the raw retention and rollups older than the rollup retention
 * (docs/architecture.md §4), one check at a time through the (check, time) primary key, yielding to the
 * event loop between checks so polling and requests never wait behind it.
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

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function pruneHealth(
  sqlite: Database,
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
  for (let i = 0; i < seqs.length; i += 1) {
    if (job.signal.aborted) break;
    const seq = seqs[i] as number;
    summary.resultsRemoved += dropResults.run(seq, rawBefore).changes;
    summary.rollupsRemoved += dropRollups.run(seq, rollupBefore).changes;
    job.progress(i + 1, seqs.length);
    if (i % 20 === 19) await yieldToLoop();
  }
  // Resolved incidents are history as long as the rollups are.
  summary.incidentsRemoved = sqlite.prepare('DELETE FROM incidents WHERE ended_at IS NOT NULL AND ended_at < ?').run(rollupBefore).changes;
  return summary;
}
