import { useCallback, useRef, useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { type Check, type CheckResult } from '@shared/api/checks';
import { DEFAULT_MONITORING, type MonitoringDefaults } from '@shared/api/monitoring';
import { CHECK_TYPES, type CheckType } from '@shared/health';
import { useMethodMutation, useMethodQuery } from '../../api/hooks';
import { toast } from '../../state/toast-store';
import { busyProps } from '../../ui/busy';
import { Dialog } from '../../ui/Dialog';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { Field } from '../../ui/Field';
import { LoadingState } from '../../ui/PageParts';
import { formatLatency } from '../health-format';
import { useHealthDialogs } from '../health-dialog-store';
import { STATUS_GLYPHS, STATUS_LABELS } from '../status';
import { CHECK_TYPE_HELP, CHECK_TYPE_LABELS } from './check-fields';
import {
  formErrors,
  formFromCheck,
  newCheckForm,
  newConfigValues,
  validateCreate,
  validateTest,
  validateUpdate,
  type CheckFormState,
  type FormErrors,
  type ServerTarget,
} from './check-form';
import { ConfigFields, fieldTestId } from './ConfigFields';

const CHECK_NAME_TEST_ID = 'check-name';

interface CheckEditorProps {
  server: ServerTarget;
  /** The check to edit; absent to add one. */
  check?: Check;
  onClose(): void;
}

function TestOutcome({ result }: { result: CheckResult }) {
  // The form scrolls: bring the answer into view above the buttons.
  const shown = useCallback((node: HTMLDivElement | null) => node?.scrollIntoView?.({ block: 'nearest' }), []);
  return (
    <div ref={shown} className={`test-result test-result--${result.status}`} role="status" data-testid="check-test-result" data-status={result.status}>
      <p className="test-result__title">
        <span aria-hidden="true">{STATUS_GLYPHS[result.status]}</span> {STATUS_LABELS[result.status]}
        {result.latencyMs !== null ? <span className="muted"> in {formatLatency(result.latencyMs)}</span> : null}
      </p>
      <p className="test-result__message">{result.message}</p>
    </div>
  );
}

function EditorForm({ server, check, defaults, onClose }: CheckEditorProps & { defaults: MonitoringDefaults }) {
  const [state, setState] = useState<CheckFormState>(() => (check ? formFromCheck(check) : newCheckForm('tcp', server, defaults)));
  const [errors, setErrors] = useState<FormErrors>({});
  const [other, setOther] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const [tested, setTested] = useState<CheckResult | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const open = useHealthDialogs((store) => store.open);
  const create = useMethodMutation('checks.create');
  const update = useMethodMutation('checks.update');
  const test = useMethodMutation('checks.test');
  const saving = create.isPending || update.isPending;

  const clearError = (key: string) =>
    setErrors((current) => {
      if (current[key] === undefined) return current;
      const next = { ...current };
      delete next[key];
      return next;
    });

  const edit = (patch: Partial<CheckFormState>, key: string) => {
    setState((current) => ({ ...current, ...patch }));
    setTested(null);
    clearError(key);
  };

  const editConfig = (key: string, value: string | boolean) => {
    setState((current) => ({ ...current, config: { ...current.config, [key]: value } }));
    setTested(null);
    clearError(`config.${key}`);
  };

  const chooseType = (type: CheckType) => {
    setState((current) => ({ ...current, type, config: newConfigValues(type, server), kept: {} }));
    setErrors({});
    setOther(null);
    setTested(null);
  };

  const show = (fields: FormErrors, messages: string[], fallback?: AppError) => {
    setErrors(fields);
    if (messages.length) setOther({ message: messages.join(' '), hint: '' });
    else if (fallback && Object.keys(fields).length === 0) setOther(fallback);
    else setOther(null);
    const first = Object.keys(fields)[0];
    if (first) {
      // The check's own name has a test id of its own: a DNS check's config has a "name" too.
      const testId = first.startsWith('config.') ? fieldTestId(first.slice(7)) : first === 'name' ? CHECK_NAME_TEST_ID : `check-field-${first}`;
      form.current?.querySelector<HTMLElement>(`[data-testid="${testId}"]`)?.focus();
    }
  };

  const onFailure = (error: AppError) => {
    if (error.code === 'VALIDATION_FAILED' && error.issues?.length) {
      const placed = formErrors(error.issues, state);
      show(placed.fields, placed.other, error);
    } else {
      show({}, [], error);
    }
  };

  const runTest = () => {
    setOther(null);
    setTested(null);
    const checked = validateTest(server.id, state);
    if (!checked.ok) return show(checked.errors, checked.other);
    test.mutate(checked.input, { onSuccess: setTested, onError: onFailure });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setOther(null);
    if (check) {
      const checked = validateUpdate(check.id, state);
      if (!checked.ok) return show(checked.errors, checked.other);
      update.mutate(checked.input, {
        onSuccess: (saved) => {
          toast.success(`Saved ${saved.name}`);
          onClose();
        },
        onError: onFailure,
      });
    } else {
      const checked = validateCreate(server.id, state);
      if (!checked.ok) return show(checked.errors, checked.other);
      create.mutate(checked.input, {
        onSuccess: (saved) => {
          toast.success(`Added ${saved.name}`);
          onClose();
        },
        onError: onFailure,
      });
    }
  };

  return (
    <form ref={form} className="dialog__body dialog__body--scroll form" onSubmit={submit} noValidate aria-busy={saving}>
      <ErrorBanner error={other} testId="check-editor-error" />
      <div className="form__row form__row--even">
        <Field label="Type" error={errors.type} help={CHECK_TYPE_HELP[state.type]} testId="check-field-type">
          {(control) => (
            <select
              {...control}
              className="input select"
              value={state.type}
              disabled={check !== undefined}
              onChange={(event) => chooseType(event.target.value as CheckType)}
              data-autofocus
            >
              {CHECK_TYPES.map((type) => (
                <option key={type} value={type}>
                  {CHECK_TYPE_LABELS[type]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Check name" error={errors.name} help="Optional: the type and target when empty" testId={CHECK_NAME_TEST_ID}>
          {(control) => (
            <input {...control} className="input" value={state.name} autoComplete="off" onChange={(event) => edit({ name: event.target.value }, 'name')} />
          )}
        </Field>
      </div>
      <fieldset className="form__group">
        <legend>{CHECK_TYPE_LABELS[state.type]}</legend>
        <ConfigFields type={state.type} serverId={server.id} values={state.config} errors={errors} onChange={editConfig} />
      </fieldset>
      {/* Test comes right after what it tests, before the schedule: a keyboard reaches it without
          tabbing through four schedule fields first. */}
      <div className="form__inline">
        <button type="button" className="button" {...busyProps(test.isPending)} onClick={runTest}>
          {test.isPending ? 'Testing…' : 'Test'}
        </button>
        {test.isPending ? <span className="spinner" role="status" aria-label="Running the check once" /> : null}
        <span className="muted">Runs it once now, without saving.</span>
      </div>
      {tested ? <TestOutcome result={tested} /> : null}
      <fieldset className="form__group">
        <legend>Schedule</legend>
        <div className="form__grid form__grid--four">
          <Field label="Every (s)" error={errors.interval} testId="check-field-interval">
            {(control) => (
              <input
                {...control}
                className="input"
                inputMode="decimal"
                value={state.interval}
                onChange={(event) => edit({ interval: event.target.value }, 'interval')}
              />
            )}
          </Field>
          <Field label="Timeout (s)" error={errors.timeout} testId="check-field-timeout">
            {(control) => (
              <input
                {...control}
                className="input"
                inputMode="decimal"
                value={state.timeout}
                onChange={(event) => edit({ timeout: event.target.value }, 'timeout')}
              />
            )}
          </Field>
          <Field label="Retries" error={errors.retries} help="Before a failure counts" testId="check-field-retries">
            {(control) => (
              <input
                {...control}
                className="input"
                inputMode="numeric"
                value={state.retries}
                onChange={(event) => edit({ retries: event.target.value }, 'retries')}
              />
            )}
          </Field>
          <Field label="Confirm after" error={errors.confirmAfter} help="Results in a row to change state" testId="check-field-confirmAfter">
            {(control) => (
              <input
                {...control}
                className="input"
                inputMode="numeric"
                value={state.confirmAfter}
                onChange={(event) => edit({ confirmAfter: event.target.value }, 'confirmAfter')}
              />
            )}
          </Field>
        </div>
      </fieldset>
      <footer className="dialog__footer">
        {check ? (
          <button type="button" className="button button--ghost check-editor__delete" onClick={() => open({ kind: 'check-delete', check })}>
            Delete…
          </button>
        ) : null}
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={saving}>
          {saving ? 'Saving…' : check ? 'Save' : 'Add check'}
        </button>
      </footer>
    </form>
  );
}

/** Add or edit a check: its type, the type's fields, its schedule; test it before saving. */
export function CheckEditorDialog({ server, check, onClose }: CheckEditorProps) {
  const settings = useMethodQuery('monitoring.settings', {}, { enabled: check === undefined });
  const defaults = settings.data?.defaults ?? (settings.isError ? DEFAULT_MONITORING.defaults : undefined);
  return (
    <Dialog
      title={check ? `Edit ${check.name}` : `Add a check to ${server.name}`}
      description={check ? 'Changes apply from its next run.' : `Host and port start as ${server.name}’s; the schedule as the monitoring defaults.`}
      onClose={onClose}
      size="large"
      testId="check-editor"
    >
      {check || defaults ? (
        <EditorForm server={server} onClose={onClose} defaults={defaults ?? DEFAULT_MONITORING.defaults} {...(check ? { check } : {})} />
      ) : (
        <div className="dialog__body">
          <LoadingState>Loading the monitoring defaults…</LoadingState>
        </div>
      )}
    </Dialog>
  );
}
