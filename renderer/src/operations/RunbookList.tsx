import { useState } from 'react';
import type { Runbook } from '@shared/api/runbooks';
import { useMethodQuery } from '../api/hooks';
import { useMe } from '../auth/session';
import { ErrorState } from '../ui/ErrorState';
import { LoadingState } from '../ui/PageParts';
import { mayRun, RUNNER_LABELS } from './runbook-form';
import { RunbookDialog } from './RunbookDialog';

/**
 * The runbooks the signed-in role may run, by name: what each does, its version, who may run it and
 * whether it is dangerous; Run opens its form. Writing runbooks is the API's and the CLI's.
 */
export function RunbookList() {
  const { role } = useMe();
  const runbooks = useMethodQuery('runbooks.list', {});
  const [open, setOpen] = useState<Runbook | null>(null);
  if (runbooks.isPending) return <LoadingState spinner={false}>Loading runbooks…</LoadingState>;
  if (runbooks.isError) return <ErrorState error={runbooks.error} what="the runbooks" onRetry={() => void runbooks.refetch()} />;
  const items = runbooks.data.items.filter((runbook) => mayRun(role, runbook));
  if (items.length === 0) {
    return (
      <p className="muted" data-testid="runbooks-empty">
        No runbook your role may run. An admin writes them with the API or <code>guardian runbook import</code>.
      </p>
    );
  }
  return (
    <>
      <table className="simple-table op-runbooks" aria-label="Runbooks" data-testid="runbooks-table">
        <thead>
          <tr>
            <th scope="col">Runbook</th>
            <th scope="col">Version</th>
            <th scope="col">Run by</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((runbook) => (
            <tr key={runbook.id} data-testid="runbook-row">
              <td>
                <span className="op-runbook__name">{runbook.name}</span>
                {runbook.dangerous ? (
                  <span className="badge badge--failed" data-testid="runbook-dangerous">
                    Dangerous
                  </span>
                ) : null}
                {runbook.description ? <p className="muted op-runbook__description">{runbook.description}</p> : null}
              </td>
              <td>{runbook.version}</td>
              <td>{RUNNER_LABELS[runbook.runnableBy]}</td>
              <td className="op-runbook__actions">
                <button type="button" className="button button--small" onClick={() => setOpen(runbook)} aria-label={`Run ${runbook.name}`}>
                  Run
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open ? <RunbookDialog key={open.id} runbook={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
