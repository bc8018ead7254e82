import type { ServerStatus } from './state';
import { serverStatus } from './state';
import type { Why } from './incidents';
import type { CheckRuntime } from './registry';

/**
 * A server's status from its checks (worst wins) and since when: for a bad status, since its
 * first check went that bad; for `up`, since its last check came back.
 */
export function statusOfServer(checks: readonly CheckRuntime[]): { status: ServerStatus; since: number | null } {
  const states = checks.map(stateOf);
  const status = serverStatus(states);
  const at = checks.filter((_, i) => states[i] === status).map((check) => check.stateSince ?? 0);
  if (at.length === 0) return { status, since: null };
  return { status, since: status === 'up' || status === 'paused' ? Math.max(...at) : Math.min(...at) };
}

export function stateOf(check: CheckRuntime): CheckRuntime['record']['state'] {
  return check.paused ? 'paused' : check.record.state;
}

/** Why a server is bad: in words, its bad checks and what they said; and those checks' types, alphabetically (a rule may match by them). */
export function whyBad(checks: readonly CheckRuntime[]): Why {
  const bad = checks.filter((check) => !check.paused && (check.record.state === 'down' || check.record.state === 'degraded'));
  const words = bad.map((check) => `${check.name} ${check.record.state}: ${check.lastMessage ?? 'no message'}`).join('; ');
  return {
    cause: words.length > 1000 ? `${words.slice(0, 999)}…` : words,
    checkTypes: [...new Set(bad.map((check) => check.spec.type))].sort(),
  };
}
