import type { CheckSpec } from '@shared/api/checks';
import type { CheckRuntime } from './registry';
import { initialCheckState, pauseCheckState, type CheckStateRecord } from './state';
import type { StoredCheck, StoredCheckState } from './store/checks';
import { checkTarget } from './target';

/**
 * A stored check with where it stands, as the registry keeps it: what it loads at start and after
 * another process wrote (CheckConfigStore.loaded reads them all in one query). `host` is its
 * server's, which a check without a host of its own talks to.
 */
export function checkRuntime(stored: StoredCheck, state: StoredCheckState | null, host: string | undefined): CheckRuntime {
  // The type and config were validated when the check was saved (CheckSpec): the pair is one of its members.
  const spec = { type: stored.type, config: stored.config } as CheckSpec;
  return {
    seq: stored.seq,
    id: stored.id,
    serverId: stored.serverId,
    name: stored.name,
    spec,
    host: checkTarget(spec, host).host,
    intervalMs: stored.intervalMs,
    timeoutMs: stored.timeoutMs,
    retries: stored.retries,
    confirmAfter: stored.confirmAfter,
    paused: stored.paused,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
    record: stateRecord(state, stored.paused),
    stateSince: state?.stateSince ?? null,
    lastAt: state?.lastAt ?? null,
    lastStatus: state?.lastStatus ?? null,
    lastLatencyMs: state?.lastLatencyMs ?? null,
    lastMessage: state?.lastMessage ?? null,
    lastData: state?.lastData ?? null,
    avgLatencyMs: state?.avgLatencyMs ?? null,
  };
}

/** A check never run has no state row: it starts pending, or paused when it was added paused. */
function stateRecord(state: StoredCheckState | null, paused: boolean): CheckStateRecord {
  if (state === null) return paused ? pauseCheckState() : { ...initialCheckState };
  return { state: state.state, pending: state.pendingStatus ? { status: state.pendingStatus, count: state.pendingCount } : null };
}
