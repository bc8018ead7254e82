import { useState, type FormEvent } from 'react';
import type { OutputOf, Methods } from '@shared/api';
import { AuditSettings } from '@shared/api/audit';
import type { Job } from '@shared/api/jobs';
import { issueOn } from '../api/app-errors';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { invalidateDomain } from '../api/query-keys';
import { JobProgress } from '../jobs/JobProgress';
import { useSeedJob } from '../jobs/use-job';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { Field } from '../ui/Field';
import { formatCount, formatDateTime, plural } from '../ui/format';
import { LoadingState } from '../ui/PageParts';

type Settings = OutputOf<Methods['audit.settings']>;

function RetentionForm({ settings }: { settings: Settings }) {
  const [keepAll, setKeepAll] = useState(settings.retentionDays === null);
  const [days, setDays] = useState(String(settings.retentionDays ?? 365));
  const [localError, setLocalError] = useState<string | undefined>();
  const update = useMethodMutation('audit.updateSettings');
  const daysError = localError ?? issueOn(update.error, 'retentionDays');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = days.trim();
    if (!keepAll && !/^\d+$/.test(text)) return setLocalError('Enter a whole number of days');
    // The contract's own schema: the same message the server would answer with.
    const parsed = AuditSettings.safeParse({ retentionDays: keepAll ? null : Number(text) });
    if (!parsed.success) return setLocalError(parsed.error.issues[0]?.message ?? 'Not a number of days Guardian accepts');
    setLocalError(undefined);
    update.mutate(parsed.data, {
      onSuccess: (saved) => toast.success(saved.retentionDays === null ? 'Every audit event is kept' : `Audit events are kept ${saved.retentionDays} days`),
    });
  };

  return (
    <form className="retention-form" onSubmit={submit} noValidate aria-busy={update.isPending}>
      <fieldset className="fieldset">
        <legend className="field__label">Keep audit events</legend>
        <label className="checkbox">
          <input type="radio" name="retention" checked={keepAll} onChange={() => setKeepAll(true)} />
          Forever (retention off)
        </label>
        <label className="checkbox">
          <input type="radio" name="retention" checked={!keepAll} onChange={() => setKeepAll(false)} />
          For a number of days
        </label>
      </fieldset>
      {keepAll ? null : (
        <Field label="Days to keep" help="30 or more. Older events are removed at a checkpoint when pruning runs." error={daysError} testId="retention-days">
          {(control) => (
            <input
              {...control}
              className="input input--port"
              inputMode="numeric"
              value={days}
              onChange={(event) => {
                setDays(event.target.value);
                setLocalError(undefined);
              }}
            />
          )}
        </Field>
      )}
      {daysError ? null : <ErrorBanner error={update.error} />}
      <div>
        <button type="submit" className="button button--primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save retention'}
        </button>
      </div>
    </form>
  );
}

function Checkpoints({ checkpoints }: { checkpoints: Settings['checkpoints'] }) {
  if (checkpoints.length === 0) return <p className="muted">No checkpoints yet: nothing has been pruned, so verification starts at the first event.</p>;
  return (
    <table className="simple-table" aria-label="Retention checkpoints">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col" className="simple-table__num">
            Last removed
          </th>
          <th scope="col">Its hash</th>
          <th scope="col" className="simple-table__num">
            Removed
          </th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {checkpoints.map((checkpoint) => (
          <tr key={`${checkpoint.at}-${checkpoint.lastSeq}`}>
            <td>{formatDateTime(checkpoint.at)}</td>
            <td className="simple-table__num mono">{checkpoint.lastSeq}</td>
            <td className="mono" title={checkpoint.lastHash}>
              {checkpoint.lastHash.slice(0, 16)}…
            </td>
            <td className="simple-table__num">{formatCount(checkpoint.removed)}</td>
            <td className="mono muted">{checkpoint.by}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PruneOutcome({ job }: { job: Job }) {
  if (job.status !== 'succeeded') {
    return (
      <ErrorBanner error={job.error ?? { message: `Pruning ended ${job.status}.`, hint: 'Events removed so far stay removed; run it again to finish.' }} />
    );
  }
  const result: unknown = job.result;
  const removed: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'removed') : undefined;
  const reason: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'reason') : undefined;
  return (
    <p data-testid="prune-outcome">
      {typeof removed === 'number' ? `Removed ${plural(removed, 'event', 'events')}.` : 'Pruning finished.'}
      {typeof reason === 'string' ? ` Nothing to do: ${reason}.` : ''}
    </p>
  );
}

/** Retention (audit:admin): how long events are kept, the checkpoints pruning left, and pruning now. */
export function RetentionDialog({ onClose }: { onClose(): void }) {
  const settings = useMethodQuery('audit.settings', {});
  const prune = useMethodMutation('audit.prune');
  const seedJob = useSeedJob();
  const [jobId, setJobId] = useState<string | null>(null);

  if (jobId !== null) {
    return (
      <Dialog title="Prune the audit log" onClose={onClose} size="medium" testId="retention-dialog">
        <JobProgress
          key={jobId}
          jobId={jobId}
          onClose={onClose}
          progressLabel="Pruning progress"
          describe={(job) => (job?.total ? `${formatCount(job.done)} of ${formatCount(job.total)} events removed` : 'Writing the checkpoint…')}
          textTestId="prune-progress-text"
          cancelLabel="Stop pruning"
          cancellingLabel="Stopping…"
          background={{ title: 'Pruning continues in the background', detail: 'Follow it on the Jobs page.' }}
          onFinished={(queryClient) => void invalidateDomain(queryClient, 'audit')}
          outcome={(job) => <PruneOutcome job={job} />}
          finishedActions={
            <button type="button" className="button" onClick={() => setJobId(null)}>
              Back to retention
            </button>
          }
        />
      </Dialog>
    );
  }

  return (
    <Dialog title="Audit retention" description="Off by default: every event is kept." onClose={onClose} size="large" testId="retention-dialog">
      <div className="dialog__body">
        {settings.isPending ? (
          <LoadingState>Loading the retention settings…</LoadingState>
        ) : settings.isError ? (
          <ErrorState error={settings.error} what="the retention settings" onRetry={() => void settings.refetch()} />
        ) : (
          <>
            <RetentionForm key={String(settings.data.retentionDays)} settings={settings.data} />
            <h3 className="audit-drawer__heading">Checkpoints</h3>
            <p className="muted">Each prune records the last removed event and its hash; verification starts from the latest one.</p>
            <Checkpoints checkpoints={settings.data.checkpoints} />
          </>
        )}
        <ErrorBanner error={prune.error} />
      </div>
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={prune.isPending || settings.data?.retentionDays === null}
          title={settings.data?.retentionDays === null ? 'Retention is off: there is nothing to prune.' : undefined}
          onClick={() =>
            prune.mutate(
              {},
              {
                onSuccess: (job) => {
                  seedJob(job);
                  setJobId(job.id);
                },
              },
            )
          }
        >
          {prune.isPending ? 'Starting…' : 'Prune now'}
        </button>
      </footer>
    </Dialog>
  );
}
