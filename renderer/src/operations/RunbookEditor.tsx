import { useState, type FormEvent } from 'react';
import type { Runbook } from '@shared/api/runbooks';
import { placeErrors, type FieldErrors } from '../alerts/form-errors';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { RollingFields } from './RollingFields';
import { RUNNER_LABELS } from './runbook-form';
import {
  checkEditor,
  editorFields,
  editorValues,
  PARAM_TYPE_LABELS,
  PARAM_TYPES,
  paramDraft,
  SERVER_FIELD_LABELS,
  SERVER_FIELDS,
  targetErrorsOf,
  type ParamDraft,
  type RunbookEditorValues,
} from './runbook-editor';
import { TargetFields, useMatched } from './TargetFields';

type Edit<T> = (patch: Partial<T>, errorKey: string) => void;

/** A text input under a label, for the parameter rows' many small fields. */
function TextField({
  label,
  value,
  error,
  help,
  testId,
  mono = false,
  onChange,
}: {
  label: string;
  value: string;
  error: string | undefined;
  help?: string;
  testId: string;
  mono?: boolean;
  onChange(value: string): void;
}) {
  return (
    <Field label={label} error={error} help={help} testId={testId}>
      {(control) => (
        <input
          {...control}
          className={`input${mono ? ' mono' : ''}`}
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}

function Checkbox({ label, checked, testId, onChange }: { label: string; checked: boolean; testId: string; onChange(checked: boolean): void }) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} data-testid={testId} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
}

/** One parameter: its name, type and description, and the fields its type has. */
function ParamRow({
  draft,
  index,
  errors,
  onChange,
  onRemove,
}: {
  draft: ParamDraft;
  index: number;
  errors: FieldErrors;
  onChange: Edit<ParamDraft>;
  onRemove(): void;
}) {
  const at = (key: string) => `params.${index}.${key}`;
  const testId = (key: string) => `runbook-editor-param-${index}-${key}`;
  const text = (label: string, key: 'name' | 'default' | 'minLength' | 'maxLength' | 'pattern' | 'min' | 'max', help?: string, mono = false) => (
    <TextField
      label={label}
      value={draft[key]}
      error={errors[at(key)]}
      help={help}
      mono={mono}
      testId={testId(key)}
      onChange={(value) => onChange({ [key]: value }, at(key))}
    />
  );
  const title = `Parameter ${index + 1}${draft.name ? `: ${draft.name}` : ''}`;
  return (
    <fieldset className="op-param" data-testid="runbook-editor-param" aria-label={title}>
      <legend className="op-param__legend">{title}</legend>
      {errors[`params.${index}`] ? <p className="field__error">{errors[`params.${index}`]}</p> : null}
      <div className="form__row form__row--even">
        {text('Name', 'name', 'The variable the script reads, e.g. SERVICE', true)}
        <Field label="Type" error={errors[at('type')]} testId={testId('type')}>
          {(control) => (
            <select
              {...control}
              className="input select"
              value={draft.type}
              onChange={(event) => onChange({ type: PARAM_TYPES.find((type) => type === event.target.value) ?? 'string' }, at('type'))}
            >
              {PARAM_TYPES.map((type) => (
                <option key={type} value={type}>
                  {PARAM_TYPE_LABELS[type]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <TextField
        label="Description"
        value={draft.description}
        error={errors[at('description')]}
        testId={testId('description')}
        onChange={(description) => onChange({ description }, at('description'))}
      />
      {draft.type === 'string' ? (
        <>
          <div className="form__row form__row--even">
            {draft.secret ? null : text('Default', 'default', 'Left empty: none')}
            {text('Pattern', 'pattern', 'A regular expression the whole value matches', true)}
          </div>
          <div className="form__row form__row--even">
            {text('Shortest', 'minLength', 'Characters at least')}
            {text('Longest', 'maxLength', 'Characters at most (4,096 when empty)')}
          </div>
          <Checkbox
            label="Secret: never kept, shown or printed; masked in the output"
            checked={draft.secret}
            testId={testId('secret')}
            onChange={(secret) => onChange({ secret }, at('default'))}
          />
        </>
      ) : null}
      {draft.type === 'number' ? (
        <>
          <div className="form__row form__row--even">
            {text('Default', 'default', 'Left empty: none')}
            {text('Lowest', 'min')}
            {text('Highest', 'max')}
          </div>
          <Checkbox
            label="Whole numbers only"
            checked={draft.integer}
            testId={testId('integer')}
            onChange={(integer) => onChange({ integer }, at('integer'))}
          />
        </>
      ) : null}
      {draft.type === 'choice' ? (
        <>
          <Field label="Options" error={errors[at('options')]} help="One a line (or comma-separated)" testId={testId('options')}>
            {(control) => (
              <textarea
                {...control}
                className="input textarea mono"
                rows={3}
                spellCheck={false}
                value={draft.options}
                onChange={(event) => onChange({ options: event.target.value }, at('options'))}
              />
            )}
          </Field>
          {text('Default', 'default', 'One of the options; left empty: none')}
        </>
      ) : null}
      {draft.type === 'server' ? (
        <div className="form__row form__row--even">
          <Field label="Field" error={errors[at('field')]} help="Read from each target; the runner does not give it" testId={testId('field')}>
            {(control) => (
              <select
                {...control}
                className="input select"
                value={draft.field}
                onChange={(event) => onChange({ field: SERVER_FIELDS.find((field) => field === event.target.value) ?? 'name' }, at('field'))}
              >
                {SERVER_FIELDS.map((field) => (
                  <option key={field} value={field}>
                    {SERVER_FIELD_LABELS[field]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text('Default', 'default', 'Where the server has none')}
        </div>
      ) : null}
      <div className="op-param__footer">
        <Checkbox label="Required" checked={draft.required} testId={testId('required')} onChange={(required) => onChange({ required }, at('required'))} />
        <button type="button" className="button button--ghost button--small" onClick={onRemove} aria-label={`Remove ${title}`}>
          Remove
        </button>
      </div>
    </fieldset>
  );
}

/**
 * Writes a runbook (docs/operations.md "Runbooks"): a new one, or a new version of one (its old
 * versions stay). The form checks only what it reads (a name, a script, numbers); the service
 * judges the rest and its issues land under their fields, a parameter's under its row.
 */
export function RunbookEditor({ runbook, onClose }: { runbook: Runbook | null; onClose(): void }) {
  const [values, setValues] = useState<RunbookEditorValues>(() => editorValues(runbook));
  const { errors, banner, formRef, clear, show } = useFormErrors();
  const { fleet, matched } = useMatched(values);
  const create = useMethodMutation('runbooks.create');
  const update = useMethodMutation('runbooks.update');
  const pending = create.isPending || update.isPending;
  const shown = targetErrorsOf(errors);

  const edit: Edit<RunbookEditorValues> = (patch, errorKey) => {
    setValues((current) => ({ ...current, ...patch }));
    // The target fields name theirs as the run forms do; the refusal named them defaultTargets.
    clear(errorKey.startsWith('targets') ? errorKey.replace('targets', 'defaultTargets') : errorKey);
  };
  const editParam = (index: number) => (patch: Partial<ParamDraft>, errorKey: string) => {
    setValues((current) => ({ ...current, params: current.params.map((draft, each) => (each === index ? { ...draft, ...patch } : draft)) }));
    clear(errorKey);
  };
  // A row removed moves the rows after it: their errors would land on the wrong row, so they go.
  const removeParam = (index: number) => {
    setValues((current) => ({ ...current, params: current.params.filter((_draft, each) => each !== index) }));
    show({}, null);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const checked = checkEditor(values);
    if (!checked.ok) return show(checked.errors, null);
    const done = (saved: Runbook) => {
      toast.success(runbook ? `Saved ${saved.name} as version ${saved.version}` : `Created ${saved.name}`);
      onClose();
    };
    const refused = (error: Parameters<typeof placeErrors>[0]) => {
      const placed = placeErrors(error, editorFields(values));
      show(placed.fields, placed.banner);
    };
    if (runbook) update.mutate({ id: runbook.id, ...checked.spec }, { onSuccess: done, onError: refused });
    else create.mutate(checked.spec, { onSuccess: done, onError: refused });
  };

  return (
    <Dialog
      title={runbook ? `Edit ${runbook.name}` : 'New runbook'}
      description={runbook ? `Saving writes version ${runbook.version + 1}; version ${runbook.version} and those before it stay.` : undefined}
      onClose={onClose}
      size="large"
      testId="runbook-editor"
    >
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={pending} data-testid="runbook-editor-form">
        <ErrorBanner error={banner} testId="runbook-editor-error" />
        <TextField
          label="Name"
          value={values.name}
          error={errors.name}
          help="Letters, digits, dot, dash and underscore: the CLI names it"
          testId="runbook-editor-name"
          mono
          onChange={(name) => edit({ name }, 'name')}
        />
        <Field label="Description" error={errors.description} testId="runbook-editor-description">
          {(control) => (
            <textarea
              {...control}
              className="input textarea"
              rows={2}
              value={values.description}
              onChange={(event) => edit({ description: event.target.value }, 'description')}
            />
          )}
        </Field>
        <Field
          label="Script"
          error={errors.script}
          help="Run by sh on each server; each parameter is an environment variable: use it as “$NAME”."
          testId="runbook-editor-script"
        >
          {(control) => (
            <textarea
              {...control}
              className="input textarea mono op-editor__script"
              rows={8}
              spellCheck={false}
              autoComplete="off"
              value={values.script}
              onChange={(event) => edit({ script: event.target.value }, 'script')}
            />
          )}
        </Field>
        <section className="op-editor__params" aria-label="Parameters">
          <h3 className="op-editor__heading">Parameters</h3>
          {errors.params ? <p className="field__error">{errors.params}</p> : null}
          {values.params.length === 0 ? <p className="muted">None: the script takes no values.</p> : null}
          {values.params.map((draft, index) => (
            <ParamRow key={draft.key} draft={draft} index={index} errors={errors} onChange={editParam(index)} onRemove={() => removeParam(index)} />
          ))}
          <div>
            <button
              type="button"
              className="button button--small"
              data-testid="runbook-editor-add-param"
              onClick={() => setValues((current) => ({ ...current, params: [...current.params, paramDraft()] }))}
            >
              Add parameter
            </button>
          </div>
        </section>
        <h3 className="op-editor__heading">Default targets</h3>
        <p className="muted">Where it runs when the runner names no servers; left empty, the runner must name them.</p>
        <TargetFields
          testIdPrefix="runbook-editor"
          previewTestId="runbook-editor-preview"
          values={values}
          errors={shown}
          fleet={fleet}
          matched={matched}
          onChange={edit}
        />
        <div className="form__row form__row--even">
          <TextField
            label="At a time"
            value={values.concurrency}
            error={errors.concurrency}
            help="Targets running at once (1-200); one per host."
            testId="runbook-editor-concurrency"
            onChange={(concurrency) => edit({ concurrency }, 'concurrency')}
          />
          <TextField
            label="Timeout (seconds)"
            value={values.timeoutSeconds}
            error={errors.timeoutSeconds}
            help="Per target, connecting included."
            testId="runbook-editor-timeout"
            onChange={(timeoutSeconds) => edit({ timeoutSeconds }, 'timeoutSeconds')}
          />
          <Field label="Who may run it" error={errors.runnableBy} testId="runbook-editor-runnable-by">
            {(control) => (
              <select
                {...control}
                className="input select"
                value={values.runnableBy}
                onChange={(event) => edit({ runnableBy: event.target.value === 'operator' ? 'operator' : 'admin' }, 'runnableBy')}
              >
                <option value="admin">{RUNNER_LABELS.admin}</option>
                <option value="operator">{RUNNER_LABELS.operator}</option>
              </select>
            )}
          </Field>
        </div>
        <RollingFields testIdPrefix="runbook-editor" values={values} errors={errors} onChange={edit} />
        <Checkbox
          label="Run as root (sudo -n, which never asks for a password)"
          checked={values.sudo}
          testId="runbook-editor-sudo"
          onChange={(sudo) => edit({ sudo }, 'sudo')}
        />
        <Checkbox
          label="Dangerous: the runner types the number of servers to confirm"
          checked={values.dangerous}
          testId="runbook-editor-dangerous"
          onChange={(dangerous) => edit({ dangerous }, 'dangerous')}
        />
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={pending} data-testid="runbook-editor-submit">
            {pending ? 'Saving…' : runbook ? `Save version ${runbook.version + 1}` : 'Create runbook'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
