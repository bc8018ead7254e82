import { useState } from 'react';
import type { Runbook } from '@shared/api/runbooks';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';
import { ErrorState } from '../ui/ErrorState';
import { LoadingState } from '../ui/PageParts';
import { RunbookDialog } from './RunbookDialog';
import { RunbookEditor } from './RunbookEditor';
import { mayRun, RUNNER_LABELS } from './runbook-form';
import { ArchiveRunbook, ImportRunbook, RunbookVersions, useExportRunbook } from './RunbookWriting';

/** What a row's button opened: its run form, its editor (or a new runbook's), its versions, the archive question. */
type Open = { kind: 'run' | 'edit' | 'versions' | 'archive'; runbook: Runbook } | { kind: 'new' } | null;

/**
 * The runbooks the signed-in role may run, by name: what each does, its version, who may run it and
 * whether it is dangerous; Run opens its form. Roles that write runbooks (runbooks:write) also
 * create, edit (a new version), import, export and archive them here, see each one's versions,
 * and list the archived ones (saving one restores it).
 */
export function RunbookList() {
  const { role } = useMe();
  const mayWrite = useCan()('runbooks:write');
  const [archived, setArchived] = useState(false);
  const runbooks = useMethodQuery('runbooks.list', archived ? { archived: true } : {});
  const [open, setOpen] = useState<Open>(null);
  const exportRunbook = useExportRunbook();
  const close = () => setOpen(null);

  const toolbar = mayWrite ? (
    <div className="op-runbooks__toolbar" data-testid="runbooks-toolbar">
      <button type="button" className="button button--primary" onClick={() => setOpen({ kind: 'new' })}>
        New runbook
      </button>
      <ImportRunbook />
      <label className="checkbox">
        <input type="checkbox" checked={archived} onChange={(event) => setArchived(event.target.checked)} data-testid="runbooks-archived" />
        Show archived
      </label>
    </div>
  ) : null;

  const body = () => {
    if (runbooks.isPending) return <LoadingState spinner={false}>Loading runbooks…</LoadingState>;
    if (runbooks.isError) return <ErrorState error={runbooks.error} what="the runbooks" onRetry={() => void runbooks.refetch()} />;
    const items = runbooks.data.items.filter((runbook) => mayWrite || mayRun(role, runbook));
    if (items.length === 0) {
      return (
        <p className="muted" data-testid="runbooks-empty">
          {archived
            ? 'No archived runbook.'
            : mayWrite
              ? 'No runbook yet: write one with New runbook, or import a file.'
              : 'No runbook your role may run. An admin writes them on this page, with the API or with guardian runbook import.'}
        </p>
      );
    }
    return (
      <table className="simple-table op-runbooks" aria-label={archived ? 'Archived runbooks' : 'Runbooks'} data-testid="runbooks-table">
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
                {runbook.archivedAt !== null ? <span className="badge badge--cancelled">Archived</span> : null}
                {runbook.description ? <p className="muted op-runbook__description">{runbook.description}</p> : null}
              </td>
              <td>{runbook.version}</td>
              <td>{RUNNER_LABELS[runbook.runnableBy]}</td>
              <td className="op-runbook__actions">
                {runbook.archivedAt === null && mayRun(role, runbook) ? (
                  <button type="button" className="button button--small" onClick={() => setOpen({ kind: 'run', runbook })} aria-label={`Run ${runbook.name}`}>
                    Run
                  </button>
                ) : null}
                {mayWrite ? (
                  <>
                    <button
                      type="button"
                      className="button button--small"
                      onClick={() => setOpen({ kind: 'edit', runbook })}
                      aria-label={runbook.archivedAt === null ? `Edit ${runbook.name}` : `Edit and restore ${runbook.name}`}
                    >
                      {runbook.archivedAt === null ? 'Edit' : 'Edit and restore'}
                    </button>
                    <button
                      type="button"
                      className="button button--small button--ghost"
                      onClick={() => setOpen({ kind: 'versions', runbook })}
                      aria-label={`Versions of ${runbook.name}`}
                    >
                      Versions
                    </button>
                    <button
                      type="button"
                      className="button button--small button--ghost"
                      onClick={() => exportRunbook(runbook)}
                      aria-label={`Export ${runbook.name}`}
                    >
                      Export
                    </button>
                    {runbook.archivedAt === null ? (
                      <button
                        type="button"
                        className="button button--small button--ghost"
                        onClick={() => setOpen({ kind: 'archive', runbook })}
                        aria-label={`Archive ${runbook.name}`}
                      >
                        Archive
                      </button>
                    ) : null}
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  };

  return (
    <>
      {toolbar}
      {body()}
      {open?.kind === 'run' ? <RunbookDialog key={open.runbook.id} runbook={open.runbook} onClose={close} /> : null}
      {open?.kind === 'new' ? <RunbookEditor runbook={null} onClose={close} /> : null}
      {open?.kind === 'edit' ? <RunbookEditor key={open.runbook.id} runbook={open.runbook} onClose={close} /> : null}
      {open?.kind === 'versions' ? <RunbookVersions runbook={open.runbook} onClose={close} /> : null}
      {open?.kind === 'archive' ? <ArchiveRunbook runbook={open.runbook} onClose={close} /> : null}
    </>
  );
}
