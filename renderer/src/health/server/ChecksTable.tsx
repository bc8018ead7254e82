import { useState } from 'react';
import type { Check, CheckResult } from '@shared/api/checks';
import { useCan } from '../../auth/session';
import { toast } from '../../state/toast-store';
import { busyProps } from '../../ui/busy';
import { formatDateTime, formatRelative } from '../../ui/format';
import { EditIcon, TrashIcon } from '../../ui/icons';
import { CHECK_TYPE_LABELS } from '../editor/check-fields';
import type { ServerTarget } from '../editor/check-form';
import { formatLatency, secondsText } from '../health-format';
import { useHealthDialogs } from '../health-dialog-store';
import { PauseIcon, PlayIcon, RunIcon } from '../icons';
import { STATUS_GLYPHS, STATUS_LABELS } from '../status';
import { useMethodMutation } from '../../api/hooks';

/** What a check looks at, in one line. */
export function targetOf(check: Pick<Check, 'type' | 'config'>): string {
  const config = check.config;
  const text = (key: string) => (typeof config[key] === 'string' || typeof config[key] === 'number' ? String(config[key]) : '');
  switch (check.type) {
    case 'http':
      return `${text('method') || 'GET'} ${text('url')}`;
    case 'dns':
      return `${text('name')} ${text('recordType') || 'A'}`;
    case 'game':
      return `${text('game')} at ${text('host')}${text('port') ? `:${text('port')}` : ''}`;
    case 'ssh-metrics':
      // Without a host it logs in to its server's own.
      return text('host') ? `${text('user')}@${text('host')}:${text('port') || '22'}` : `${text('user')} on port ${text('port') || '22'}`;
    case 'tcp':
    case 'tls':
    case 'ssh':
      return `${text('host')}:${text('port') || (check.type === 'tls' ? '443' : '22')}`;
    default: {
      const unreachable: never = check.type;
      return unreachable;
    }
  }
}

export function StatusPill({ state }: { state: Check['state'] }) {
  return (
    <span className={`status status--${state}`} data-status={state}>
      <span aria-hidden="true">{STATUS_GLYPHS[state]}</span> {STATUS_LABELS[state]}
    </span>
  );
}

type RunOutcome = CheckResult & { at: number };

function RunResult({ outcome }: { outcome: RunOutcome }) {
  return (
    <p className={`run-result run-result--${outcome.status}`} role="status" data-testid="check-run-result" data-status={outcome.status}>
      Checked {formatRelative(outcome.at)}: <strong>{STATUS_LABELS[outcome.status]}</strong>
      {outcome.latencyMs !== null ? ` in ${formatLatency(outcome.latencyMs)}` : ''}
      {outcome.message ? ` · ${outcome.message}` : ''}
    </p>
  );
}

function CheckRow({ check, server }: { check: Check; server: ServerTarget }) {
  const mayWrite = useCan()('servers:write');
  const open = useHealthDialogs((state) => state.open);
  const run = useMethodMutation('checks.run');
  const pause = useMethodMutation('checks.pause');
  const resume = useMethodMutation('checks.resume');
  const [outcome, setOutcome] = useState<RunOutcome | null>(null);
  const paused = check.paused || check.state === 'paused';

  const runNow = () => run.mutate({ id: check.id }, { onSuccess: (result) => setOutcome(result), onError: (error) => toast.error(error) });
  const togglePause = () => {
    const mutation = paused ? resume : pause;
    mutation.mutate(
      { id: check.id },
      { onSuccess: () => toast.success(paused ? `Resumed ${check.name}` : `Paused ${check.name}`), onError: (error) => toast.error(error) },
    );
  };

  return (
    <tr data-testid="check-row" data-check-id={check.id}>
      <td>
        <StatusPill state={check.state} />
      </td>
      <td className="check__what">
        <div className="check__name">{check.name}</div>
        <div className="check__target mono muted" title={targetOf(check)}>
          {CHECK_TYPE_LABELS[check.type]} · {targetOf(check)}
        </div>
        <div className="check__schedule muted">
          every {secondsText(check.intervalMs)} s · timeout {secondsText(check.timeoutMs)} s · {check.retries} {check.retries === 1 ? 'retry' : 'retries'} ·
          changes after {check.confirmAfter}
        </div>
      </td>
      <td className="check__last">
        {check.lastAt !== null ? (
          <>
            <div className="check__message" data-testid="check-last-message">
              {check.lastMessage ?? '—'}
            </div>
            <div className="muted" title={formatDateTime(check.lastAt)}>
              {[
                check.lastStatus ? STATUS_LABELS[check.lastStatus] : null,
                check.lastLatencyMs !== null ? formatLatency(check.lastLatencyMs) : null,
                formatRelative(check.lastAt),
              ]
                .filter(Boolean)
                .join(' · ')}
            </div>
          </>
        ) : (
          <span className="muted">{paused ? 'Paused before its first run' : 'Waiting for its first result'}</span>
        )}
        {outcome ? <RunResult outcome={outcome} /> : null}
      </td>
      {mayWrite ? (
        <td className="simple-table__actions check__actions">
          <button type="button" className="button button--small" {...busyProps(run.isPending)} onClick={runNow} aria-label={`Check now: ${check.name}`}>
            {run.isPending ? <span className="spinner" aria-hidden="true" /> : <RunIcon />}
            Check now
          </button>
          <button
            type="button"
            className="icon-button"
            onClick={togglePause}
            disabled={pause.isPending || resume.isPending}
            aria-label={`${paused ? 'Resume' : 'Pause'} ${check.name}`}
            title={paused ? 'Resume' : 'Pause'}
          >
            {paused ? <PlayIcon /> : <PauseIcon />}
          </button>
          <button
            type="button"
            className="icon-button"
            aria-label={`Edit ${check.name}`}
            title="Edit"
            onClick={() => open({ kind: 'check-edit', server, check })}
          >
            <EditIcon />
          </button>
          <button
            type="button"
            className="icon-button icon-button--danger"
            aria-label={`Delete ${check.name}`}
            title="Delete"
            onClick={() => open({ kind: 'check-delete', check })}
          >
            <TrashIcon />
          </button>
        </td>
      ) : null}
    </tr>
  );
}

/** The server's checks: state, what each looks at, its last word; run, pause, edit, delete. */
export function ChecksTable({ checks, server }: { checks: readonly Check[]; server: ServerTarget }) {
  const mayWrite = useCan()('servers:write');
  return (
    <table className="simple-table checks-table" data-testid="checks-table">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Check</th>
          <th scope="col">Last result</th>
          {mayWrite ? (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {checks.map((check) => (
          <CheckRow key={check.id} check={check} server={server} />
        ))}
      </tbody>
    </table>
  );
}
