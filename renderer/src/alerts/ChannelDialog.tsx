import { useState, type FormEvent } from 'react';
import { CHANNEL_CONFIGS, takesTemplate, type ChannelType } from '@shared/alerts';
import { validationError, zodIssues, type AppError, type InputOf, type Methods } from '@shared/api';
import type { AlertChannel } from '@shared/api/alerts';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { CHANNEL_TYPE_FORMS, channelTypeForm, type ConfigValues } from './channel-types';
import { placeErrors, type FieldErrors } from './form-errors';
import { TEMPLATE_FIELDS, TemplateFields, templateOf, templateValuesOf } from './TemplateFields';
import { useFormErrors } from './use-form-errors';

type CreateInput = InputOf<Methods['alerts.createChannel']>;
type UpdateInput = InputOf<Methods['alerts.updateChannel']>;

/** The fields every channel has; its type's own are 'config.<field>'. */
const COMMON_FIELDS = ['name', 'type', 'secretId', 'previousSecretId', 'enabled', 'config'];

/**
 * The config checked against its type's schema in shared/alerts, the one the server uses, with
 * its messages under the fields: an edit's refusal comes back from the server as one union issue
 * without a path, which could not be placed.
 */
export function configProblems(type: string, config: Record<string, unknown>, known: readonly string[]): FieldErrors {
  const schema = (CHANNEL_CONFIGS as Partial<Record<string, (typeof CHANNEL_CONFIGS)[ChannelType]>>)[type];
  const parsed = schema?.safeParse(config);
  if (!parsed || parsed.success) return {};
  const issues = zodIssues(parsed.error).map((issue) => ({ ...issue, path: ['config', ...issue.path] }));
  const placed = placeErrors(validationError(issues), known);
  return placed.banner ? { ...placed.fields, config: placed.banner.message } : placed.fields;
}

/** Which secret the form's rotation choice leaves as the previous one (undefined: unchanged). */
export function previousSecretFor(channel: AlertChannel | undefined, secretId: string, keepPrevious: boolean): string | null | undefined {
  if (!channel) return undefined;
  if (secretId !== channel.secretId) return keepPrevious && channel.secretId !== null ? channel.secretId : null;
  if (channel.previousSecretId === null) return undefined;
  return keepPrevious ? undefined : null;
}

/**
 * Add or edit a channel: first its type (fixed once saved), then that type's fields and the
 * vault secret it uses, picked by name from the secrets of a kind that fits. The contract's
 * errors land under their fields (config.url under the URL), anything else in the banner.
 */
export function ChannelDialog({ channel, onClose }: { channel?: AlertChannel; onClose(): void }) {
  const can = useCan();
  const mayListSecrets = can('vault:read');
  // A secret the channel sends to its host goes where only someone who may read it decides.
  const mayChooseSent = can('vault:reveal');
  const offered = (candidate: (typeof CHANNEL_TYPE_FORMS)[number]) => !(candidate.secret?.sends && candidate.secret.required && !mayChooseSent);
  const [type, setType] = useState<string>(channel?.type ?? CHANNEL_TYPE_FORMS[0]?.type ?? '');
  const form = channelTypeForm(type);
  const [name, setName] = useState(channel?.name ?? '');
  const [secretId, setSecretId] = useState(channel?.secretId ?? '');
  const [keepPrevious, setKeepPrevious] = useState(true);
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const [config, setConfig] = useState<ConfigValues>(() => form?.initial(channel?.config) ?? {});
  const [template, setTemplate] = useState(() => templateValuesOf(channel?.config));
  const templated = form !== undefined && takesTemplate(form.type);
  const { errors, banner, formRef, clear, show, showRefusal, reset } = useFormErrors();
  const secrets = useMethodQuery('secrets.list', {}, { enabled: mayListSecrets && form?.secret !== null });
  const create = useMethodMutation('alerts.createChannel');
  const update = useMethodMutation('alerts.updateChannel');
  const pending = create.isPending || update.isPending;

  const kinds = form?.secret?.kinds ?? [];
  const suitable = secrets.data?.items.filter((secret) => kinds.includes(secret.kind)) ?? [];
  const nameOfSecret = (id: string | null) =>
    id === null ? null : (secrets.data?.items.find((secret) => secret.id === id)?.name ?? 'a secret no longer listed');
  const known = [...COMMON_FIELDS, ...(form?.fields.map((field) => `config.${field}`) ?? []), ...(templated ? TEMPLATE_FIELDS : [])];

  const pickType = (next: string) => {
    setType(next);
    setConfig(channelTypeForm(next)?.initial(undefined) ?? {});
    setSecretId('');
    reset();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    const problems: FieldErrors = {};
    if (name.trim() === '') problems.name = 'Name the channel after who it reaches, e.g. “on-call webhook”.';
    if (form?.secret?.required && secretId === '')
      problems.secretId = `Pick the ${form.secret.label.charAt(0).toLowerCase()}${form.secret.label.slice(1)} from the vault.`;
    const typed = form?.toConfig(config);
    // The template is every templated type's alike, kept across a change of type.
    const built = typed?.ok && templated ? { ...typed, config: { ...typed.config, template: templateOf(template) } } : typed;
    if (built && !built.ok) Object.assign(problems, built.errors);
    else if (built) Object.assign(problems, configProblems(type, built.config, known));
    if (Object.keys(problems).length > 0 || (built && !built.ok)) return show(problems, null);
    const onError = (error: AppError) => showRefusal(error, known);
    const saved = (result: AlertChannel) => {
      toast.success(`${channel ? 'Saved' : 'Added'} the channel ${result.name}`);
      onClose();
    };
    const configPart = built?.ok ? { config: built.config } : {};
    if (channel) {
      // A config goes with its type, which the server checks is the channel's own.
      const typed = built?.ok ? { type: channel.type, config: built.config } : {};
      const previous = form?.secret?.rotates ? previousSecretFor(channel, secretId, keepPrevious) : undefined;
      const input = {
        id: channel.id,
        name: name.trim(),
        ...typed,
        ...(secretId !== (channel.secretId ?? '') ? { secretId: secretId === '' ? null : secretId } : {}),
        ...(previous !== undefined ? { previousSecretId: previous } : {}),
      };
      // The type's module built the config for this channel's type; the server checks it against that type.
      update.mutate(input as UpdateInput, { onSuccess: saved, onError });
    } else {
      const input = { name: name.trim(), type: type as ChannelType, ...(secretId !== '' ? { secretId } : {}), ...configPart, enabled };
      create.mutate(input as CreateInput, { onSuccess: saved, onError });
    }
  };

  const rotates = form?.secret?.rotates === true;
  const secretChanged = rotates && channel !== undefined && secretId !== '' && secretId !== channel.secretId && channel.secretId !== null;
  const rotating = rotates && channel !== undefined && !secretChanged && channel.previousSecretId !== null;

  return (
    <Dialog
      title={channel ? `Edit ${channel.name}` : 'Add channel'}
      description="Where notifications go. Rules decide which incidents are sent to it."
      onClose={onClose}
      testId="channel-dialog"
    >
      <form ref={formRef} className="dialog__body form" onSubmit={submit} noValidate aria-busy={pending}>
        <ErrorBanner error={banner} testId="channel-form-error" />
        <Field label="Type" error={errors.type} help={form?.description} testId="channel-form-type">
          {(control) => (
            <select {...control} className="input select" value={type} disabled={channel !== undefined} onChange={(event) => pickType(event.target.value)}>
              {CHANNEL_TYPE_FORMS.map((candidate) => (
                <option key={candidate.type} value={candidate.type} disabled={!offered(candidate)}>
                  {offered(candidate) ? candidate.label : `${candidate.label} (owners and admins: it sends a vault secret)`}
                </option>
              ))}
              {form ? null : <option value={type}>{type}</option>}
            </select>
          )}
        </Field>
        <Field label="Name" error={errors.name} testId="channel-form-name">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              data-autofocus
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                clear('name');
              }}
            />
          )}
        </Field>
        {form?.secret ? (
          <Field
            label={form.secret.label}
            error={errors.secretId}
            help={
              !mayListSecrets
                ? 'Your role cannot list the vault’s secrets: ask an operator or admin to pick it.'
                : form.secret.sends && !mayChooseSent
                  ? `Guardian sends it to the channel’s host, so only owners and admins choose it. ${form.secret.help}`
                  : secrets.isError
                    ? secrets.error.message
                    : secrets.data && suitable.length === 0
                      ? `No ${kinds.join(' or ')} secret in the vault yet: add one on the Vault page first. ${form.secret.help}`
                      : form.secret.help
            }
            testId="channel-form-secret"
          >
            {(control) => (
              <select
                {...control}
                className="input select"
                disabled={form.secret?.sends === true && !mayChooseSent}
                value={secretId}
                onChange={(event) => {
                  setSecretId(event.target.value);
                  clear('secretId');
                }}
              >
                <option value="">{secrets.isPending && mayListSecrets ? 'Loading secrets…' : form.secret?.required ? 'Pick a secret' : 'None'}</option>
                {suitable.map((secret) => (
                  <option key={secret.id} value={secret.id}>
                    {secret.name}
                  </option>
                ))}
                {secretId !== '' && !suitable.some((secret) => secret.id === secretId) ? <option value={secretId}>{nameOfSecret(secretId)}</option> : null}
              </select>
            )}
          </Field>
        ) : null}
        {secretChanged ? (
          <label className="checkbox">
            <input type="checkbox" checked={keepPrevious} onChange={(event) => setKeepPrevious(event.target.checked)} />
            Keep signing with {nameOfSecret(channel.secretId)} too, until every receiver has the new secret
          </label>
        ) : null}
        {rotating ? (
          <label className="checkbox">
            <input type="checkbox" checked={keepPrevious} onChange={(event) => setKeepPrevious(event.target.checked)} />
            Still signing with the previous secret, {nameOfSecret(channel.previousSecretId)} (untick once every receiver has the new one)
          </label>
        ) : null}
        {errors.previousSecretId ? <p className="field__error">{errors.previousSecretId}</p> : null}
        {form ? (
          <form.Fields
            values={config}
            errors={errors}
            onChange={(field, value) => {
              setConfig((current) => ({ ...current, [field]: value }));
              clear(`config.${field}`);
            }}
          />
        ) : (
          <p className="muted">This version of the app has no form for {type} channels: only the name and secret can be changed here.</p>
        )}
        {templated ? (
          <TemplateFields
            values={template}
            errors={errors}
            onChange={(next) => {
              setTemplate(next);
              clear('config.template.title');
              clear('config.template.text');
            }}
          />
        ) : null}
        {errors.config ? <p className="field__error">{errors.config}</p> : null}
        {channel ? null : (
          <label className="checkbox">
            <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
            Enabled: rules may send to it as soon as it is saved
          </label>
        )}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Saving…' : channel ? 'Save' : 'Add channel'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
