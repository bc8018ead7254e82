import { useCallback } from 'react';
import type { OperationRunWithTargets } from '@shared/api/operations';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { formatCount, formatDateTime, plural } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { ProgressBar } from '../ui/ProgressBar';
import { useLiveOutput } from './live-output';
import { useOperationsView } from './operations-store';
import { RerunButtons } from './Rerun';
import { useActorName } from './use-actor-name';
import { batchUnderWay, COUNT_ORDER, doneOf, runBadge, runbookOf, TARGET_GLYPHS, TARGET_LABELS } from './states';
import { TargetGrid } from './TargetGrid';
import { TargetPanel } from './TargetPanel';

/** A running run is read again this often besides its events, in case the event stream dropped one. */
export const RUN_POLL_MS = 3_000;

function Counts({ run }: { run: OperationRunWithTargets }) {
  return (
    <ul className="op-counts" aria-label="Targets by state" data-testid="run-counts">
      {COUNT_ORDER.filter((state) => run.counts[state] > 0).map((state) => (
        <li key={state} className={`target-state target-state--${state}`} data-testid={`run-count-${state}`}>
          <span aria-hidden="true">{TARGET_GLYPHS[state]}</span> {TARGET_LABELS[state]} <strong>{formatCount(run.counts[state])}</strong>
        </li>
      ))}
    </ul>
  );
}

/** A rolling run's batches: which is under way, or why it stopped before its last. */
function Batches({ run }: { run: OperationRunWithTargets }) {
  const { rolling } = run;
  if (!rolling) return null;
  const batch = run.status === 'running' ? batchUnderWay(run) : null;
  return (
    <p className="op-run__batches" data-testid="run-batches">
      In batches of {plural(rolling.perBatch, 'target', 'targets')}
      {typeof rolling.batchSize === 'string' ? ` (${rolling.batchSize})` : ''}, stopping past {rolling.maxFailPercent}% failed
      {batch !== null ? (
        <>
          {' '}
          ·{' '}
          <strong data-testid="run-batch">
            Batch {batch} of {rolling.batches}
          </strong>
        </>
      ) : null}
      {run.stopReason ? (
        <>
          <br />
          <strong data-testid="run-stop-reason">{run.stopReason}</strong>
        </>
      ) : null}
    </p>
  );
}

/** What ran: a pushed file, the runbook and its version, or the command itself. */
function RunTitle({ run }: { run: OperationRunWithTargets }) {
  const runbook = runbookOf(run);
  if (run.file) {
    const { path, mode, owner, size, noteId } = run.file;
    return (
      <>
        Push{' '}
        <code className="op-command" data-testid="run-file">
          {path}
        </code>{' '}
        <span className="muted">
          (
          {[`mode ${mode}`, owner && `owner ${owner}`, noteId ? 'a vault note' : size !== null && `${size.toLocaleString('en-US')} bytes`]
            .filter(Boolean)
            .join(', ')}
          )
        </span>
      </>
    );
  }
  return runbook ? (
    <>
      Runbook{' '}
      <span className="op-command" data-testid="run-runbook">
        {runbook}
      </span>
    </>
  ) : (
    <>
      Run <code className="op-command">{run.command}</code>
    </>
  );
}

function RunBody({ run }: { run: OperationRunWithTargets }) {
  const can = useCan();
  const serverId = useOperationsView((state) => state.serverId);
  const openTarget = useOperationsView((state) => state.openTarget);
  const live = useLiveOutput(run.id, can('operations:output'));
  const cancel = useMethodMutation('operations.cancel');
  const onSelect = useCallback((id: string) => openTarget(id), [openTarget]);
  const actorName = useActorName();
  const badge = runBadge(run);
  const total = run.targets.length;
  const done = doneOf(run.counts);
  const target = run.targets.find((each) => each.serverId === serverId);
  const open = run.status === 'running';
  return (
    <section className="op-section panel" aria-labelledby="op-run-title" data-testid="run-view" data-status={run.status}>
      <div className="op-section__header">
        <div className="op-run__title-group">
          <h2 id="op-run-title" className="op-section__title">
            <RunTitle run={run} />
          </h2>
          <span className={`badge badge--${badge.tone}`} data-testid="run-status">
            {badge.label}
          </span>
        </div>
        {can('operations:run') && open ? (
          <button
            type="button"
            className="button button--danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ id: run.id }, { onSuccess: () => toast.success('Cancelling the run') })}
          >
            Cancel run
          </button>
        ) : null}
      </div>
      <p className="muted op-run__meta">
        By {actorName(run.createdBy)}, {formatDateTime(run.createdAt)}
        {run.finishedAt !== null ? `, ended ${formatDateTime(run.finishedAt)}` : ''} · {plural(total, 'target', 'targets')}, {run.concurrency} at a time,{' '}
        {formatCount(run.timeoutSeconds)} s each
      </p>
      {Object.keys(run.params).length > 0 ? (
        <p className="op-run__params" data-testid="run-params">
          {Object.entries(run.params).map(([name, value]) => (
            <code key={name} className="op-command">
              {name}={String(value)}
            </code>
          ))}
        </p>
      ) : null}
      <Batches run={run} />
      <ErrorBanner error={cancel.error} testId="run-cancel-error" />
      <RerunButtons run={run} />
      <ProgressBar done={done} total={total} label="Targets ended" testId="run-progress" />
      <Counts run={run} />
      <TargetGrid targets={run.targets} selected={serverId} onSelect={onSelect} />
      {target ? (
        <TargetPanel runId={run.id} target={target} live={live} runOpen={open} />
      ) : (
        <p className="muted">Choose a target to see how it went{can('operations:output') ? ' and what it printed' : ''}.</p>
      )}
    </section>
  );
}

/** The open run, live: its counts, overall bar, grid of targets and the chosen target. */
export function RunView({ runId }: { runId: string }) {
  const run = useMethodQuery('operations.get', { id: runId }, { refetchInterval: (query) => (query.state.data?.status === 'running' ? RUN_POLL_MS : false) });
  if (run.isPending) return <LoadingState>Loading the run…</LoadingState>;
  if (run.isError) return <ErrorState error={run.error} what="the run" onRetry={() => void run.refetch()} />;
  return <RunBody key={runId} run={run.data} />;
}
