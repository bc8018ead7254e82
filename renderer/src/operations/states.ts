import { FINAL_TARGET_STATES, type OperationRun, type OperationRunWithTargets, type TargetState } from '@shared/api/operations';
import { batchOf } from '@shared/operations/rolling';

/**
 * How a target's state looks. As with a server's status (health/status.ts), colour is never the
 * only sign: each state has its glyph and its word.
 */
export const TARGET_LABELS: Record<TargetState, string> = {
  queued: 'Queued',
  connecting: 'Connecting',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  'timed-out': 'Timed out',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
};

export const TARGET_GLYPHS: Record<TargetState, string> = {
  queued: '·',
  connecting: '…',
  running: '▸',
  succeeded: '✓',
  failed: '✕',
  'timed-out': '⌛',
  cancelled: '⊘',
  skipped: '–',
};

/** The counts' order: what needs a look first, then what is still under way, then the rest. */
export const COUNT_ORDER: readonly TargetState[] = ['failed', 'timed-out', 'running', 'connecting', 'queued', 'succeeded', 'cancelled', 'skipped'];

export const isFinal = (state: TargetState): boolean => FINAL_TARGET_STATES.includes(state);

export const RUN_LABELS: Record<OperationRun['status'], string> = { running: 'Running', finished: 'Finished', cancelled: 'Cancelled' };

/** A run's badge: a finished run with a target that did not succeed reads as failed at a glance. */
export function runBadge(run: Pick<OperationRun, 'status' | 'counts' | 'stopReason'>): { label: string; tone: string } {
  if (run.status === 'running') return { label: 'Running', tone: 'running' };
  if (run.status === 'cancelled') return { label: 'Cancelled', tone: 'cancelled' };
  if (run.stopReason) return { label: 'Stopped at the failure threshold', tone: 'failed' };
  const bad = run.counts.failed + run.counts['timed-out'] + run.counts.skipped + run.counts.cancelled;
  return bad > 0 ? { label: 'Finished with failures', tone: 'failed' } : { label: 'Succeeded', tone: 'succeeded' };
}

/** How many targets have ended. */
export function doneOf(counts: Record<TargetState, number>): number {
  return FINAL_TARGET_STATES.reduce((sum, state) => sum + counts[state], 0);
}

/** Which runbook and version a run came from, in words; null for an ad-hoc command. */
export const runbookOf = (run: Pick<OperationRun, 'runbook'>): string | null => (run.runbook ? `${run.runbook.name}, version ${run.runbook.version}` : null);

/**
 * The batch under way in a rolling run: the one holding the first target not yet ended, by the
 * service's rule (batches follow the order the run lists its targets in); null when the run is not
 * rolling or every target has ended.
 */
export function batchUnderWay(run: Pick<OperationRunWithTargets, 'rolling' | 'targets'>): number | null {
  if (!run.rolling) return null;
  const index = run.targets.findIndex((target) => !isFinal(target.state));
  return index < 0 ? null : batchOf(index, run.rolling.perBatch);
}
