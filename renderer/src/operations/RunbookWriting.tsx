import { useRef, useState, type ChangeEvent } from 'react';
import type { AppError } from '@shared/api';
import type { Runbook } from '@shared/api/runbooks';
import { placeErrors } from '../alerts/form-errors';
import { useClient } from '../api/client-context';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { downloadText } from '../servers/download';
import { toast } from '../state/toast-store';
import { confirmAction, ConfirmDialog } from '../ui/ConfirmDialog';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { RUNNER_LABELS } from './runbook-form';
import { useActorName } from './use-actor-name';

/** Every version a runbook has had, newest first, read-only: who wrote it, when, and what it said. */
export function RunbookVersions({ runbook, onClose }: { runbook: Runbook; onClose(): void }) {
  const versions = useMethodQuery('runbooks.versions', { id: runbook.id });
  const actorName = useActorName();
  return (
    <Dialog title={`Versions of ${runbook.name}`} onClose={onClose} size="large" testId="runbook-versions">
      <div className="dialog__body">
        {versions.isPending ? <LoadingState spinner={false}>Loading versions…</LoadingState> : null}
        {versions.isError ? <ErrorState error={versions.error} what="the versions" onRetry={() => void versions.refetch()} /> : null}
        {versions.data?.items.map((version) => (
          <details key={version.version} className="op-version" data-testid="runbook-version" open={version.version === runbook.version}>
            <summary>
              Version {version.version}
              {version.version === runbook.version ? ' (current)' : ''} · {actorName(version.createdBy)} · {formatDateTime(version.createdAt)}
            </summary>
            <p className="muted">
              {version.spec.name}
              {version.spec.description ? ` · ${version.spec.description}` : ''} · {RUNNER_LABELS[version.spec.runnableBy]}
              {version.spec.sudo ? ' · sudo' : ''}
              {version.spec.dangerous ? ' · dangerous' : ''}
            </p>
            <p className="muted">
              Parameters: {version.spec.params.length ? version.spec.params.map((param) => `${param.name} (${param.type})`).join(', ') : 'none'}
            </p>
            <pre className="op-version__script mono">{version.spec.script}</pre>
          </details>
        ))}
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </footer>
    </Dialog>
  );
}

/** Archiving, asked first: the runbook stops listing and running; its versions and runs stay, and saving it again restores it. */
export function ArchiveRunbook({ runbook, onClose }: { runbook: Runbook; onClose(): void }) {
  const archive = useMethodMutation('runbooks.delete');
  return (
    <ConfirmDialog
      title={`Archive ${runbook.name}?`}
      testId="runbook-archive"
      onClose={onClose}
      confirmLabel="Archive"
      pendingLabel="Archiving…"
      pending={archive.isPending}
      error={archive.error}
      errorTestId="runbook-archive-error"
      onConfirm={confirmAction(archive, { id: runbook.id }, `Archived ${runbook.name}`, onClose)}
    >
      It will no longer be listed or run. Its versions and its runs stay for the record, its name stays taken, and editing it restores it.
    </ConfirmDialog>
  );
}

/** Downloads a runbook as its file (runbooks.export), for runbooks.import elsewhere. */
export function useExportRunbook(): (runbook: Runbook) => void {
  const client = useClient();
  return (runbook) =>
    void client.call('runbooks.export', { id: runbook.id }).then(
      (file) => downloadText(file.fileName, 'application/json;charset=utf-8', file.content),
      (error: unknown) => toast.error(error),
    );
}

const OUTCOMES = { created: 'Created', 'new-version': 'New version of', unchanged: 'Nothing changed in' } as const;

/**
 * Imports a runbook file: a new name creates one, a known name gets a new version (or nothing, when
 * it says the same). A refused file lists each issue by where it is in the file (content.runbook.script).
 */
export function ImportRunbook() {
  const input = useRef<HTMLInputElement>(null);
  const importFile = useMethodMutation('runbooks.import');
  const [refusal, setRefusal] = useState<AppError | null>(null);
  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setRefusal(null);
    const content = await file.text();
    importFile.mutate(
      { content },
      {
        onSuccess: ({ runbook, outcome }) =>
          toast.success(`${OUTCOMES[outcome]} ${runbook.name}${outcome === 'unchanged' ? '' : `, version ${runbook.version}`}`),
        onError: setRefusal,
      },
    );
  };
  return (
    <>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Runbook file to import"
        data-testid="runbook-import-file"
        onChange={(event) => void choose(event)}
      />
      <button type="button" className="button" disabled={importFile.isPending} onClick={() => input.current?.click()}>
        {importFile.isPending ? 'Importing…' : 'Import file'}
      </button>
      {refusal ? (
        <div className="op-import-error">
          <ErrorBanner error={placeErrors(refusal, []).banner} testId="runbook-import-error" />
        </div>
      ) : null}
    </>
  );
}
