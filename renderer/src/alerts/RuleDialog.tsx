import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { SOURCE_CATEGORIES, type AlertRule } from '@shared/api/alerts';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { EscalationFields } from './EscalationFields';
import { Choices, MatchFields } from './MatchFields';
import { useFormErrors } from './use-form-errors';
import { checkRule, ruleFields, ruleValues, SOURCE_LABELS, type RuleFormValues } from './rule-form';

/** Add or edit a rule: which sources and incidents (servers, tags, environments, severities, check types) go to which channels, and who is told next while nobody acknowledges. */
export function RuleDialog({ rule, onClose }: { rule?: AlertRule; onClose(): void }) {
  const [values, setValues] = useState<RuleFormValues>(() => ruleValues(rule));
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const channels = useMethodQuery('alerts.channels', {});
  const create = useMethodMutation('alerts.createRule');
  const update = useMethodMutation('alerts.updateRule');
  const pending = create.isPending || update.isPending;

  const edit = <K extends keyof RuleFormValues>(field: K, value: RuleFormValues[K], errorKey: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    clear(errorKey);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const checked = checkRule(values);
    if (!checked.ok) return show(checked.errors, null);
    const onError = (error: AppError) => showRefusal(error, ruleFields(checked.fields.escalation.length));
    const saved = (result: AlertRule) => {
      toast.success(`${rule ? 'Saved' : 'Added'} the rule ${result.name}`);
      onClose();
    };
    if (rule) update.mutate({ id: rule.id, ...checked.fields }, { onSuccess: saved, onError });
    else create.mutate(checked.fields, { onSuccess: saved, onError });
  };

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
          legend="Sources"
          help="Security events (a lockout, a burst of failed sign-ins, the audit chain broken, an API key created) and failed jobs are about no server: the servers, tags, environments and check types below pick incidents only; severities pick all (a burst and a broken chain are down, the others degraded)."
          error={errors.sources}
          testId="rule-form-sources"
          options={SOURCE_CATEGORIES.map((source) => ({ value: source, label: SOURCE_LABELS[source] }))}
          chosen={values.sources}
          onChange={(chosen) =>
            edit(
              'sources',
              SOURCE_CATEGORIES.filter((source) => chosen.includes(source)),
              'sources',
            )
          }
        />
        <MatchFields prefix="rule-form" values={values} errors={errors} edit={edit} />
        <Choices
          legend="Channels"
          help={channels.isPending ? 'Loading channels…' : channelOptions.length === 0 ? 'No channels yet: add one first.' : undefined}
          error={errors.channelIds}
          testId="rule-form-channels"
          options={channelOptions}
          chosen={values.channelIds}
          onChange={(chosen) => edit('channelIds', chosen, 'channelIds')}
        />
        <EscalationFields values={values} errors={errors} channelOptions={channelOptions} edit={edit} clear={clear} />
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
