import type { OperationTarget } from '@shared/api/operations';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { formatCount } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { useLiveTarget, type LiveOutput } from './live-output';
import { OutputView } from './OutputView';
import { isFinal, TARGET_GLYPHS, TARGET_LABELS } from './states';

export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${formatCount(Math.round(ms / 1000))} s`;
}

export function TargetState({ state }: { state: OperationTarget['state'] }) {
  return (
    <span className={`target-state target-state--${state}`} data-testid="target-state">
      <span aria-hidden="true">{TARGET_GLYPHS[state]}</span> {TARGET_LABELS[state]}
    </span>
  );
}

/** What an ended target stored: read once it has ended (operations.output). */
function StoredOutput({ runId, target }: { runId: string; target: OperationTarget }) {
  const output = useMethodQuery('operations.output', { id: runId, serverId: target.serverId }, { staleTime: Infinity });
  if (output.isPending) return <LoadingState spinner={false}>Loading the output…</LoadingState>;
  if (output.isError) return <ErrorState error={output.error} what="the output" onRetry={() => void output.refetch()} />;
  return <OutputView chunks={output.data.chunks} label={`Output of ${target.serverName}`} />;
}

/** What a running target has printed since this page began to listen. */
function LiveTargetOutput({ live, target }: { live: LiveOutput; target: OperationTarget }) {
  const { chunks, dropped } = useLiveTarget(live, target.serverId);
  return (
    <>
      <p className="muted op-target__note">
        Live{dropped ? ', its oldest part let go here' : ''}: what it printed since this page opened. The whole output is shown once it ends.
      </p>
      <OutputView chunks={chunks} label={`Live output of ${target.serverName}`} />
    </>
  );
}

/** One target of the open run: how it went, its output (for roles that may read it), and its own cancel. */
export function TargetPanel({ runId, target, live, runOpen }: { runId: string; target: OperationTarget; live: LiveOutput; runOpen: boolean }) {
  const can = useCan();
  const cancel = useMethodMutation('operations.cancel');
  const ended = isFinal(target.state);
  return (
    <section className="panel op-target" aria-labelledby="op-target-title" data-testid="target-panel">
      <div className="op-target__header">
        <h3 id="op-target-title" className="op-section__title">
          {target.serverName} <span className="muted mono op-target__address">{target.address}</span>
        </h3>
        {can('operations:run') && runOpen && !ended ? (
          <button
            type="button"
            className="button button--danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate({ id: runId, serverId: target.serverId }, { onSuccess: () => toast.success(`Cancelling ${target.serverName}`) })}
          >
            Cancel {target.serverName}
          </button>
        ) : null}
      </div>
      <ErrorBanner error={cancel.error} testId="target-cancel-error" />
      <dl className="op-facts">
        <div>
          <dt>State</dt>
          <dd>
            <TargetState state={target.state} />
          </dd>
        </div>
        <div>
          <dt>Exit code</dt>
          <dd data-testid="target-exit">{target.exitCode ?? '—'}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{target.durationMs !== null ? formatDuration(target.durationMs) : '—'}</dd>
        </div>
        <div>
          <dt>Printed</dt>
          <dd>
            {formatCount(target.outputBytes)} bytes{target.truncated ? ' (stored cut)' : ''}
          </dd>
        </div>
        {target.outputSha256 ? (
          <div className="op-facts__wide">
            <dt>SHA-256</dt>
            <dd className="mono op-facts__hash">{target.outputSha256}</dd>
          </div>
        ) : null}
      </dl>
      {target.message ? (
        <p className="op-target__message" data-testid="target-message">
          {target.message}
        </p>
      ) : null}
      {!can('operations:output') ? (
        <p className="muted" data-testid="output-not-allowed">
          What commands print is shown to owners, admins and auditors.
        </p>
      ) : ended ? (
        <StoredOutput key={target.state} runId={runId} target={target} />
      ) : (
        <LiveTargetOutput live={live} target={target} />
      )}
    </section>
  );
}
