import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { REDACTED, type OperationRunWithTargets } from '@shared/api/operations';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation } from '../api/hooks';
import { useCan } from '../auth/session';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount, plural } from '../ui/format';
import { PasswordField } from '../ui/PasswordField';
import { ConfirmCountField } from './ParamField';
import { runbookOf } from './states';
import { useStartedRun } from './use-started-run';

type Only = 'all' | 'failed';

/** The parameters the run had whose values Guardian did not keep: a re-run needs them again. */
const secretsOf = (run: Pick<OperationRunWithTargets, 'params'>): string[] =>
  Object.entries(run.params)
    .filter(([, value]) => value === REDACTED)
    .map(([name]) => name);

/** The service asks for the dangerous confirmation by an issue on `confirm`, with the count in its message. */
const asksConfirm = (error: AppError): boolean => error.code === 'VALIDATION_FAILED' && (error.issues ?? []).some((issue) => issue.path[0] === 'confirm');

const ONLY_WORDS: Record<Only, string> = { all: 'all its targets', failed: 'the targets that did not succeed' };

/**
 * What a re-run still needs from the runner: its secret parameters (never kept), and for a
 * dangerous runbook the number of servers typed again. Values typed here go to the one call only.
 */
function RerunDialog({
  run,
  only,
  confirm,
  onClose,
}: {
  run: OperationRunWithTargets;
  only: Only;
  /** Whether to ask for the count: the service asked for it. */
  confirm: boolean;
  onClose(): void;
}) {
  const secrets = secretsOf(run);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(secrets.map((name) => [name, ''])));
  const [count, setCount] = useState('');
  const [askCount, setAskCount] = useState(confirm);
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const rerun = useMethodMutation('operations.rerun');
  const started = useStartedRun();
  const servers = only === 'all' ? run.targets.length : run.targets.filter((target) => target.state !== 'succeeded').length;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (rerun.isPending) return;
    const missing = Object.fromEntries(
      secrets.filter((name) => values[name] === '').map((name) => [`params.${name}`, 'Guardian did not keep it: type it again']),
    );
    if (Object.keys(missing).length > 0) return show(missing, null);
    const typed = /^\s*\d+\s*$/.test(count) ? Number(count) : null;
    if (askCount && typed === null) return show({ confirm: `Type ${formatCount(servers)}, the number of servers it will run on` }, null);
    rerun.mutate(
      { id: run.id, only, params: values, ...(askCount && typed !== null && { confirm: typed }) },
      {
        onSuccess: (answer) => {
          started(answer);
          onClose();
        },
        onError: (error) => {
          if (asksConfirm(error)) setAskCount(true);
          showRefusal(error, [...secrets.map((name) => `params.${name}`), 'confirm']);
        },
      },
    );
  };

  return (
    <Dialog
      title={only === 'all' ? 'Re-run on all' : 'Re-run failed'}
      description={`${runbookOf(run) ?? run.command}, on ${ONLY_WORDS[only]}: ${plural(servers, 'server', 'servers')}.`}
      onClose={onClose}
      testId="rerun-dialog"
    >
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={rerun.isPending} data-testid="rerun-form">
        <ErrorBanner error={banner} testId="rerun-form-error" />
        {secrets.map((name) => (
          <PasswordField
            key={name}
            label={name}
            testId={`rerun-form-param-${name}`}
            value={values[name] ?? ''}
            autoComplete="off"
            help="Secret: Guardian did not keep it; type it again for this re-run."
            error={errors[`params.${name}`]}
            onChange={(value) => {
              setValues((current) => ({ ...current, [name]: value }));
              clear(`params.${name}`);
            }}
          />
        ))}
        {askCount ? (
          <ConfirmCountField
            count={servers}
            value={count}
            error={errors.confirm}
            testId="rerun-form-confirm"
            onChange={(value) => {
              setCount(value);
              clear('confirm');
            }}
          />
        ) : null}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={rerun.isPending} data-testid="rerun-form-submit">
            {rerun.isPending ? 'Starting…' : `Re-run on ${plural(servers, 'server', 'servers')}`}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

/**
 * Re-run a finished run on all its targets, or on those that did not succeed. A run without
 * secrets starts at once; one with secrets, or a dangerous runbook's (the service says so), asks
 * first. An ad-hoc command's re-run is for operations:run, a runbook's for runbooks:run (its
 * runnableBy is the service's to check, and its refusal is shown).
 */
export function RerunButtons({ run }: { run: OperationRunWithTargets }) {
  const can = useCan();
  const rerun = useMethodMutation('operations.rerun');
  const started = useStartedRun();
  const [asking, setAsking] = useState<{ only: Only; confirm: boolean } | null>(null);
  // A push is not re-run: Guardian did not keep the file it pushed.
  if (run.status === 'running' || run.file || !can(run.runbook ? 'runbooks:run' : 'operations:run')) return null;
  const failed = run.targets.some((target) => target.state !== 'succeeded');
  const start = (only: Only) => {
    if (secretsOf(run).length > 0) return setAsking({ only, confirm: false });
    rerun.mutate(
      { id: run.id, only },
      {
        onSuccess: started,
        onError: (error) => {
          if (asksConfirm(error)) setAsking({ only, confirm: true });
        },
      },
    );
  };
  const refusal = rerun.error && !asksConfirm(rerun.error) ? rerun.error : null;
  return (
    <>
      <div className="op-rerun" role="group" aria-label="Re-run">
        <button type="button" className="button" disabled={rerun.isPending} onClick={() => start('all')}>
          Re-run on all
        </button>
        {failed ? (
          <button type="button" className="button" disabled={rerun.isPending} onClick={() => start('failed')}>
            Re-run failed
          </button>
        ) : null}
      </div>
      <ErrorBanner error={refusal} testId="rerun-error" />
      {asking ? <RerunDialog run={run} only={asking.only} confirm={asking.confirm} onClose={() => setAsking(null)} /> : null}
    </>
  );
}
