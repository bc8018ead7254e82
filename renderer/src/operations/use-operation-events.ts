import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { TARGET_STATES, type OperationCounts, type OperationRunWithTargets, type OperationTarget } from '@shared/api/operations';
import { isFinished } from '@shared/api/jobs';
import { useClient } from '../api/client-context';
import { invalidateDomain, invalidateMethod, methodKey } from '../api/query-keys';
import { isFinal } from './states';

/** Target events are applied together at most this often: 500 targets changing at once are one render, not 1,500. */
const TARGET_FLUSH_MS = 100;
/** The history is read again at most this often while targets change. */
const HISTORY_REFRESH_MS = 1_000;

export function countsOf(targets: readonly Pick<OperationTarget, 'state'>[]): OperationCounts {
  const counts = Object.fromEntries(TARGET_STATES.map((state) => [state, 0])) as OperationCounts;
  for (const target of targets) counts[target.state] += 1;
  return counts;
}

/**
 * A run's targets with `changes` applied. A change that would take an ended target back to an
 * earlier state is older than what the cache holds (a read that finished after it) and is dropped.
 */
export function patchRun(run: OperationRunWithTargets, changes: ReadonlyMap<string, OperationTarget>): OperationRunWithTargets {
  let changed = false;
  const targets = run.targets.map((target) => {
    const change = changes.get(target.serverId);
    if (!change || (isFinal(target.state) && !isFinal(change.state))) return target;
    changed = true;
    return change;
  });
  return changed ? { ...run, targets, counts: countsOf(targets) } : run;
}

function applyTargets(queryClient: QueryClient, pending: Map<string, Map<string, OperationTarget>>): void {
  for (const [runId, changes] of pending) {
    queryClient.setQueryData<OperationRunWithTargets>(methodKey('operations.get', { id: runId }), (run) => (run ? patchRun(run, changes) : run));
  }
  pending.clear();
}

/**
 * Keeps the Operations page's reads in step while it is open: each operation.target event patches
 * its run's cached targets and counts (batched), the history is read again (at most every second),
 * and when a run's job ends its run is read again for its status and end time (operations has no
 * change event: a run's end is its job's).
 */
export function useOperationEvents(): void {
  const client = useClient();
  const queryClient = useQueryClient();
  useEffect(() => {
    const pending = new Map<string, Map<string, OperationTarget>>();
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    let historyTimer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      flushTimer = null;
      applyTargets(queryClient, pending);
      historyTimer ??= setTimeout(() => {
        historyTimer = null;
        void invalidateMethod(queryClient, 'operations.runs');
      }, HISTORY_REFRESH_MS);
    };
    const offs = [
      client.subscribe('operation.target', ({ runId, ...target }) => {
        const changes = pending.get(runId) ?? new Map<string, OperationTarget>();
        pending.set(runId, changes.set(target.serverId, target));
        flushTimer ??= setTimeout(flush, TARGET_FLUSH_MS);
      }),
      client.subscribe('job.progress', (job) => {
        if (job.kind === 'operations.run' && isFinished(job)) {
          applyTargets(queryClient, pending);
          void invalidateDomain(queryClient, 'operations');
        }
      }),
    ];
    return () => {
      for (const off of offs) off();
      if (flushTimer) clearTimeout(flushTimer);
      if (historyTimer) clearTimeout(historyTimer);
    };
  }, [client, queryClient]);
}
