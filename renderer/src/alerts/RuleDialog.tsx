import { useId, useRef, useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import type { AlertRule } from '@shared/api/alerts';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { placeErrors, type FieldErrors } from './form-errors';
import { checkRule, RULE_FIELDS, ruleValues, SERVER_CHOICES, SEVERITIES, type RuleFormValues } from './rule-form';

/** A ticked list of choices, with its error under it. */
function Choices({
  legend,
  help,
  error,
  testId,
  options,
  chosen,
  onChange,
}: {
  legend: string;
  help?: string;
  error: string | undefined;
  testId: string;
  options: readonly { value: string; label: string }[];
  chosen: readonly string[];
  onChange(chosen: string[]): void;
}) {
  const errorId = useId();
  return (
    <fieldset className="fieldset" data-testid={testId} aria-describedby={error ? errorId : undefined}>
      <legend className="field__label">{legend}</legend>
      {help ? <p className="field__help">{help}</p> : null}
      <div className="checkbox-grid alerts-choices">
        {options.map((option) => (
          <label key={option.value} className="checkbox">
            <input
              type="checkbox"
              aria-invalid={error !== undefined}
              checked={chosen.includes(option.value)}
              onChange={(event) => onChange(event.target.checked ? [...chosen, option.value] : chosen.filter((value) => value !== option.value))}
            />
            {option.label}
          </label>
        ))}
      </div>
      {error ? (
        <p id={errorId} className="field__error" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Add or edit a rule: which incidents (servers, tags, environments, severities) go to which channels. */
export function RuleDialog({ rule, onClose }: { rule?: AlertRule; onClose(): void }) {
  const [values, setValues] = useState<RuleFormValues>(() => ruleValues(rule));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const tagsId = useId();
  const environmentsId = useId();
  const channels = useMethodQuery('alerts.channels', {});
  const servers = useMethodQuery('servers.list', { limit: SERVER_CHOICES });
  const facets = useMethodQuery('servers.facets', {});
  const create = useMethodMutation('alerts.createRule');
  const update = useMethodMutation('alerts.updateRule');
  const pending = create.isPending || update.isPending;

  const edit = <K extends keyof RuleFormValues>(field: K, value: RuleFormValues[K], errorKey: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      if (!(errorKey in current)) return current;
      const next = { ...current };
      delete next[errorKey];
      return next;
    });
  };

  const show = (next: FieldErrors, nextBanner: Pick<AppError, 'message' | 'hint'> | null) => {
    setErrors(next);
    setBanner(nextBanner);
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const checked = checkRule(values);
    if (!checked.ok) return show(checked.errors, null);
    const onError = (error: AppError) => {
      const placed = placeErrors(error, RULE_FIELDS);
      show(placed.fields, placed.banner);
    };
    const saved = (result: AlertRule) => {
      toast.success(`${rule ? 'Saved' : 'Added'} the rule ${result.name}`);
      onClose();
    };
    if (rule) update.mutate({ id: rule.id, ...checked.fields }, { onSuccess: saved, onError });
    else create.mutate(checked.fields, { onSuccess: saved, onError });
  };

  const serverOptions = (servers.data?.items ?? []).map((server) => ({ value: server.id, label: server.name }));
  // A server deleted since keeps its place in the rule until someone unticks it.
  for (const id of values.serverIds) if (!serverOptions.some((option) => option.value === id)) serverOptions.push({ value: id, label: 'a deleted server' });
  const channelOptions = (channels.data?.items ?? []).map((channel) => ({
    value: channel.id,
    label: channel.enabled ? channel.name : `${channel.name} (disabled)`,
  }));

  return (
    <Dialog
      title={rule ? `Edit ${rule.name}` : 'Add rule'}
      description="Incidents of the servers it matches are sent to its channels when they open, are acknowledged and resolve. An empty list matches anything."
      onClose={onClose}
      testId="rule-dialog"
      size="large"
    >
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={pending}>
        <ErrorBanner error={banner} testId="rule-form-error" />
        <Field label="Name" error={errors.name} testId="rule-form-name">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              data-autofocus
              value={values.name}
              onChange={(event) => edit('name', event.target.value, 'name')}
            />
          )}
        </Field>
        <Choices
          legend="Servers"
          help={
            servers.isPending
              ? 'Loading servers…'
              : servers.data && servers.data.total > servers.data.items.length
                ? `None ticked: any server. These are the first ${servers.data.items.length} of ${servers.data.total} by name: match the others by tag or environment.`
                : 'None ticked: any server.'
          }
          error={errors['match.serverIds']}
          testId="rule-form-servers"
          options={serverOptions}
          chosen={values.serverIds}
          onChange={(chosen) => edit('serverIds', chosen, 'match.serverIds')}
        />
        <div className="form__row form__row--even">
          <Field label="Tags" error={errors['match.tags']} help="Comma-separated; empty: any tag" testId="rule-form-tags">
            {(control) => (
              <input
                {...control}
                className="input"
                list={tagsId}
                autoComplete="off"
                spellCheck={false}
                value={values.tags}
                onChange={(event) => edit('tags', event.target.value, 'match.tags')}
              />
            )}
          </Field>
          <Field label="Environments" error={errors['match.environments']} help="Comma-separated; empty: any environment" testId="rule-form-environments">
            {(control) => (
              <input
                {...control}
                className="input"
                list={environmentsId}
                autoComplete="off"
                spellCheck={false}
                value={values.environments}
                onChange={(event) => edit('environments', event.target.value, 'match.environments')}
              />
            )}
          </Field>
          <datalist id={tagsId}>
            {facets.data?.tags.map((tag) => (
              <option key={tag.value} value={tag.value} />
            ))}
          </datalist>
          <datalist id={environmentsId}>
            {facets.data?.environments.map((environment) => (
              <option key={environment.value} value={environment.value} />
            ))}
          </datalist>
        </div>
        <Choices
          legend="Severities"
          help="None ticked: both."
          error={errors['match.severities'] ?? errors.match}
          testId="rule-form-severities"
          options={SEVERITIES.map((severity) => ({ value: severity, label: severity === 'down' ? 'Down' : 'Degraded' }))}
          chosen={values.severities}
          onChange={(chosen) =>
            edit(
              'severities',
              SEVERITIES.filter((severity) => chosen.includes(severity)),
              'match.severities',
            )
          }
        />
        <Choices
          legend="Channels"
          help={channels.isPending ? 'Loading channels…' : channelOptions.length === 0 ? 'No channels yet: add one first.' : undefined}
          error={errors.channelIds}
          testId="rule-form-channels"
          options={channelOptions}
          chosen={values.channelIds}
          onChange={(chosen) => edit('channelIds', chosen, 'channelIds')}
        />
        <label className="checkbox">
          <input type="checkbox" checked={values.enabled} onChange={(event) => edit('enabled', event.target.checked, 'enabled')} />
          Enabled
        </label>
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Saving…' : rule ? 'Save' : 'Add rule'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
