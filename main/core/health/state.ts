import type { CheckResult, CheckStatus } from './check';

/**
 * The check state machine (docs/architecture.md §7), pure: (state, result, policy) → next state.
 * Flap damping: a check leaves its state only after `confirmAfter` consecutive results on the same
 * side of it (all worse, or all better). It then moves to the mildest status of that streak, so
 * up → [down, degraded] lands on `degraded`, the status in between, not `down`.
 */

/** `unknown` until the first result; `paused` while the scheduler does not run the check. */
export type CheckState = CheckStatus | 'unknown' | 'paused';

export interface CheckStateRecord {
  state: CheckState;
  /** The streak pulling away from `state`: its mildest status and its length. */
  pending: { status: CheckStatus; count: number } | null;
}

export interface StatePolicy {
  /** Consecutive results needed to change state (N, per check). */
  confirmAfter: number;
  /** A maintenance window is open: the change still happens, alerts and incidents hold back. */
  muted: boolean;
}

export const DEFAULT_CONFIRM_AFTER = 2;

export interface StateChange {
  from: CheckState;
  to: CheckStatus;
  muted: boolean;
}

export interface StateStep {
  state: CheckStateRecord;
  change?: StateChange;
}

export const initialCheckState: CheckStateRecord = { state: 'unknown', pending: null };

const SEVERITY: Record<CheckStatus, number> = { up: 0, degraded: 1, down: 2 };

export function nextCheckState(current: CheckStateRecord, result: Pick<CheckResult, 'status'>, policy: StatePolicy): StateStep {
  const status = result.status;
  const from = current.state;
  if (from === 'paused') return { state: current };
  // A new (or resumed) check has nothing to damp against: its first answer is its state.
  if (from === 'unknown') return settle(from, status, policy);
  if (status === from) return { state: { state: from, pending: null } };

  const direction = Math.sign(SEVERITY[status] - SEVERITY[from]);
  const pending = current.pending;
  const sameSide = pending !== null && Math.sign(SEVERITY[pending.status] - SEVERITY[from]) === direction;
  const streak = sameSide ? { status: closerTo(from, pending.status, status), count: pending.count + 1 } : { status, count: 1 };
  if (streak.count >= Math.max(1, policy.confirmAfter)) return settle(from, streak.status, policy);
  return { state: { state: from, pending: streak } };
}

function settle(from: CheckState, to: CheckStatus, policy: StatePolicy): StateStep {
  return { state: { state: to, pending: null }, change: { from, to, muted: policy.muted } };
}

/** Of `a` and `b`, the status nearer to `from`. */
function closerTo(from: CheckStatus, a: CheckStatus, b: CheckStatus): CheckStatus {
  return Math.abs(SEVERITY[a] - SEVERITY[from]) <= Math.abs(SEVERITY[b] - SEVERITY[from]) ? a : b;
}

/** Pausing forgets any streak; the change is not reported as an up/down transition. */
export function pauseCheckState(): CheckStateRecord {
  return { state: 'paused', pending: null };
}

/** A resumed check starts over: its first result after resume is its state. */
export function resumeCheckState(): CheckStateRecord {
  return { ...initialCheckState };
}

export type ServerStatus = CheckStatus | 'unknown' | 'paused';

/**
 * A server's status from its checks' states: worst wins (down > degraded > unknown > up).
 * Paused checks do not count; a checked-but-unanswered check keeps the server from claiming `up`.
 * No checks at all is `unknown`; only paused checks is `paused`.
 */
export function serverStatus(states: readonly CheckState[]): ServerStatus {
  const active = states.filter((s) => s !== 'paused');
  if (active.length === 0) return states.length > 0 ? 'paused' : 'unknown';
  if (active.includes('down')) return 'down';
  if (active.includes('degraded')) return 'degraded';
  if (active.includes('unknown')) return 'unknown';
  return 'up';
}
