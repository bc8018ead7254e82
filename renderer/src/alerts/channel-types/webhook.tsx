import { Field } from '../../ui/Field';
import { SendingFields, sendingConfig, VerifyTlsField } from './sending';
import { configFlag, configText, rateText, type ChannelFieldsProps, type ChannelTypeForm } from './types';

/** JSON posted to a URL, signed per Standard Webhooks with an API token (whsec_…) from the vault. */
function WebhookFields({ values, errors, onChange }: ChannelFieldsProps) {
  const text = (field: string) => (typeof values[field] === 'string' ? values[field] : '');
  return (
    <>
      <Field label="URL" error={errors['config.url']} help="http:// or https://, without a user name or password" testId="channel-config-url">
        {(control) => (
          <input
            {...control}
            className="input mono"
            type="url"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://hooks.example.net/guardian"
            value={text('url')}
            onChange={(event) => onChange('url', event.target.value)}
          />
        )}
      </Field>
      <SendingFields
        values={values}
        errors={errors}
        onChange={onChange}
        timeoutHelp="500 to 60000; a timeout is retried"
        concurrentHelp="Notifications sent to it at the same time (1 to 32)"
      />
      <VerifyTlsField values={values} errors={errors} onChange={onChange} peer="receiver" />
    </>
  );
}

export const webhook: ChannelTypeForm = {
  type: 'webhook',
  label: 'Webhook',
  description: 'JSON posted to a URL, signed per Standard Webhooks so the receiver can check it came from this Guardian.',
  secret: {
    kinds: ['api_token'],
    label: 'Signing secret',
    help: 'An API token in the vault of the form whsec_… (the receiver holds the same value).',
    required: true,
    rotates: true,
    sends: false,
  },
  fields: ['url', 'timeoutMs', 'maxConcurrent', 'ratePerMinute', 'verifyTls'],
  initial: (config) => ({
    url: configText(config, 'url') ?? '',
    timeoutMs: configText(config, 'timeoutMs') ?? '10000',
    maxConcurrent: configText(config, 'maxConcurrent') ?? '4',
    ratePerMinute: rateText(config, 'webhook'),
    verifyTls: configFlag(config, 'verifyTls') ?? true,
  }),
  toConfig: (values) => {
    const url = typeof values.url === 'string' ? values.url.trim() : '';
    const sending = sendingConfig(values);
    const errors: Record<string, string> = 'errors' in sending ? { ...sending.errors } : {};
    if (url === '') errors['config.url'] = 'Enter the URL the receiver listens on, e.g. https://hooks.example.net/guardian';
    if ('errors' in sending || Object.keys(errors).length > 0) return { ok: false, errors };
    return { ok: true, config: { url, ...sending, verifyTls: values.verifyTls !== false } };
  },
  target: (config) => configText(config, 'url') ?? '',
  Fields: WebhookFields,
};
