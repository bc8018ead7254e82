import { DAY_MS } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { JobContext } from '../jobs';
import { yieldToLoop } from '../timers';
import type { OperationStore } from './store';
import type { TerminalStore } from './terminal-store';

/**
 * Removes finished runs older than the retention period, with their targets and stored output
 * (docs/operations.md, "How long runs are kept"): at most 64 targets per transaction, oldest
 * runs first, yielding between turns, so runs being recorded and requests never wait long behind it. A run
 * still running is never touched; the audit events (each target's output SHA-256) stay. Terminal
 * recordings of sessions that ended before the same cut go too, 16 per transaction (each up to 4 MiB
 * before compression); their terminal.closed audit events, with each recording's SHA-256, stay.
 */

export interface RunRetentionSummary {
  kind: 'operations.retention';
  runsRemoved: number;
  targetsRemoved: number;
  recordingsRemoved: number;
}

/** Targets per transaction: each holds up to 256 KiB of output, so one turn deletes at most ~16 MB. */
const TARGETS_PER_TURN = 64;
/** Runs looked at per turn (oldest first); a run's targets may take several turns. */
const RUNS_PER_TURN = 10;
const RECORDINGS_PER_TURN = 16;

export async function pruneRuns(
  { db, store, recordings }: { db: AsyncDatabase; store: OperationStore; recordings: TerminalStore },
  retentionDays: number,
  now: number,
  job: Pick<JobContext, 'signal'>,
): Promise<RunRetentionSummary> {
  const before = now - retentionDays * DAY_MS;
  const summary: RunRetentionSummary = { kind: 'operations.retention', runsRemoved: 0, targetsRemoved: 0, recordingsRemoved: 0 };
  while (!job.signal.aborted) {
    const removed = await db.transaction(async () => store.removeTargets(await store.endedBefore(before, RUNS_PER_TURN), TARGETS_PER_TURN));
    summary.runsRemoved += removed.runs;
    summary.targetsRemoved += removed.targets;
    if (removed.runs === 0 && removed.targets === 0) break;
    await yieldToLoop();
  }
  while (!job.signal.aborted) {
    const removed = await db.transaction(() => recordings.removeEndedBefore(before, RECORDINGS_PER_TURN));
    summary.recordingsRemoved += removed;
    if (removed === 0) break;
    await yieldToLoop();
  }
  return summary;
}
