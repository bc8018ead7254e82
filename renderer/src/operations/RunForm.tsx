import { useEffect, useState, type FormEvent } from 'react';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation } from '../api/hooks';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { useOperationsView } from './operations-store';
import { RollingFields } from './RollingFields';
import { checkRun, RUN_FIELDS, runButtonLabel, runValues, type RunFormValues } from './run-form';
import { TargetFields, useMatched } from './TargetFields';
import { useStartedRun } from './use-started-run';

/** Run a command on the servers a selector picks, with a live preview of which those are. */
export function RunForm() {
  const [values, setValues] = useState<RunFormValues>(() => runValues(null));
  const draft = useOperationsView((state) => state.draft);
  const clearDraft = useOperationsView((state) => state.clearDraft);
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const { fleet, matched } = useMatched(values);
  const run = useMethodMutation('operations.run');
  const started = useStartedRun();

  // "Run on these" (the servers page, a server's page) hands its servers over once.
  useEffect(() => {
    if (!draft) return;
    setValues((current) => ({ ...runValues(draft), command: current.command }));
    clearDraft();
  }, [draft, clearDraft]);

  const edit = (patch: Partial<RunFormValues>, errorKey: string) => {
    setValues((current) => ({ ...current, ...patch }));
    clear(errorKey);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (run.isPending) return;
    const checked = checkRun(values, matched.length);
    if (!checked.ok) return show(checked.errors, null);
    run.mutate(checked.input, {
      onSuccess: (answer) => {
        started(answer);
        show({}, null);
      },
      onError: (error) => showRefusal(error, RUN_FIELDS),
    });
  };

  return (
    <form ref={formRef} className="form op-form" onSubmit={submit} noValidate aria-busy={run.isPending} aria-label="Run a command" data-testid="run-form">
      <ErrorBanner error={banner} testId="run-form-error" />
      <Field label="Command" error={errors.command} help="Run by each server’s login shell, as sh -c would." testId="run-form-command">
        {(control) => (
          <textarea
            {...control}
            className="input mono op-form__command"
            rows={2}
            spellCheck={false}
            autoComplete="off"
            value={values.command}
            onChange={(event) => edit({ command: event.target.value }, 'command')}
          />
        )}
      </Field>
      <TargetFields testIdPrefix="run-form" previewTestId="run-preview" values={values} errors={errors} fleet={fleet} matched={matched} onChange={edit} />
      <div className="form__row form__row--even">
        <Field label="At a time" error={errors.concurrency} help="Targets running at once (1-200); one per host." testId="run-form-concurrency">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={values.concurrency}
              onChange={(event) => edit({ concurrency: event.target.value }, 'concurrency')}
            />
          )}
        </Field>
        <Field label="Timeout (seconds)" error={errors.timeoutSeconds} help="Per target, connecting included." testId="run-form-timeout">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={values.timeoutSeconds}
              onChange={(event) => edit({ timeoutSeconds: event.target.value }, 'timeoutSeconds')}
            />
          )}
        </Field>
      </div>
      <RollingFields testIdPrefix="run-form" values={values} errors={errors} onChange={edit} />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={run.isPending} data-testid="run-form-submit">
          {runButtonLabel(run.isPending, matched.length)}
        </button>
      </div>
    </form>
  );
}
