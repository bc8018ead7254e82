import { useMemo, useState, type FormEvent } from 'react';
import type { Runbook } from '@shared/api/runbooks';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation } from '../api/hooks';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { formatCount } from '../ui/format';
import { ConfirmCountField, ParamField } from './ParamField';
import { RollingFields } from './RollingFields';
import { checkRunbookRun, givenParams, runbookFields, runbookValues, type RunbookFormValues } from './runbook-form';
import { runButtonLabel } from './run-form';
import { TargetFields, useMatched } from './TargetFields';
import { useStartedRun } from './use-started-run';

/** Run a runbook: its parameters, where (its default targets to start with), and for a dangerous one, the count typed. */
export function RunbookDialog({ runbook, onClose }: { runbook: Runbook; onClose(): void }) {
  const [values, setValues] = useState<RunbookFormValues>(() => runbookValues(runbook));
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const { fleet, matched } = useMatched(values);
  const run = useMethodMutation('runbooks.run');
  const started = useStartedRun();
  const fields = useMemo(() => runbookFields(runbook), [runbook]);
  const fromServers = runbook.params.filter((param) => param.type === 'server');

  const edit = (patch: Partial<RunbookFormValues>, errorKey: string) => {
    setValues((current) => ({ ...current, ...patch }));
    clear(errorKey);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (run.isPending) return;
    const checked = checkRunbookRun(runbook, values, matched.length);
    if (!checked.ok) return show(checked.errors, null);
    run.mutate(checked.input, {
      onSuccess: (answer) => {
        started(answer);
        onClose();
      },
      onError: (error) => showRefusal(error, fields),
    });
  };

  return (
    <Dialog title={`Run ${runbook.name}`} description={runbook.description || undefined} onClose={onClose} size="large" testId="runbook-dialog">
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={run.isPending} data-testid="runbook-form">
        <ErrorBanner error={banner} testId="runbook-form-error" />
        <p className="muted op-run__meta">
          Version {runbook.version} · {runbook.sudo ? 'as root (sudo -n) · ' : ''}
          {runbook.concurrency} at a time, {formatCount(runbook.timeoutSeconds)} s each
        </p>
        {givenParams(runbook).map((param) => (
          <ParamField
            key={param.name}
            param={param}
            value={values.params[param.name] ?? ''}
            error={errors[`params.${param.name}`]}
            testIdPrefix="runbook-form"
            onChange={(value) => edit({ params: { ...values.params, [param.name]: value } }, `params.${param.name}`)}
          />
        ))}
        {fromServers.length > 0 ? (
          <p className="muted" data-testid="runbook-server-params">
            From each server: {fromServers.map((param) => `${param.name} (its ${param.field})`).join(', ')}.
          </p>
        ) : null}
        <TargetFields
          testIdPrefix="runbook-form"
          previewTestId="runbook-preview"
          values={values}
          errors={errors}
          fleet={fleet}
          matched={matched}
          onChange={edit}
        />
        <RollingFields testIdPrefix="runbook-form" values={values} errors={errors} onChange={edit} />
        {runbook.dangerous ? (
          <ConfirmCountField
            count={matched.length}
            value={values.confirm}
            error={errors.confirm}
            testId="runbook-form-confirm"
            onChange={(confirm) => edit({ confirm }, 'confirm')}
          />
        ) : null}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={`button ${runbook.dangerous ? 'button--danger' : 'button--primary'}`}
            disabled={run.isPending}
            data-testid="runbook-form-submit"
          >
            {runButtonLabel(run.isPending, matched.length)}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
