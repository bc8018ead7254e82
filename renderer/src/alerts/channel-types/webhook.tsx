import { Field } from '../../ui/Field';
import { configFlag, configText, wholeNumber, type ChannelFieldsProps, type ChannelTypeForm } from './types';

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
      <div className="form__row form__row--even">
        <Field label="Timeout (ms)" error={errors['config.timeoutMs']} help="500 to 60000; a timeout is retried" testId="channel-config-timeout">
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={text('timeoutMs')}
              onChange={(event) => onChange('timeoutMs', event.target.value)}
            />
          )}
        </Field>
        <Field
          label="At once"
          error={errors['config.maxConcurrent']}
          help="Notifications sent to it at the same time (1 to 32)"
          testId="channel-config-concurrent"
        >
          {(control) => (
            <input
              {...control}
              className="input"
              inputMode="numeric"
              value={text('maxConcurrent')}
              onChange={(event) => onChange('maxConcurrent', event.target.value)}
            />
          )}
        </Field>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={values.verifyTls !== false} onChange={(event) => onChange('verifyTls', event.target.checked)} />
        Check the receiver’s TLS certificate (turn off only for a self-signed one you trust)
      </label>
      {errors['config.verifyTls'] ? <p className="field__error">{errors['config.verifyTls']}</p> : null}
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
  fields: ['url', 'timeoutMs', 'maxConcurrent', 'verifyTls'],
  initial: (config) => ({
    url: configText(config, 'url') ?? '',
    timeoutMs: configText(config, 'timeoutMs') ?? '10000',
    maxConcurrent: configText(config, 'maxConcurrent') ?? '4',
    verifyTls: configFlag(config, 'verifyTls') ?? true,
  }),
  toConfig: (values) => {
    const url = typeof values.url === 'string' ? values.url.trim() : '';
    const timeoutMs = wholeNumber(values.timeoutMs, 'The timeout');
    const maxConcurrent = wholeNumber(values.maxConcurrent, 'At once');
    const errors: Record<string, string> = {};
    if (url === '') errors['config.url'] = 'Enter the URL the receiver listens on, e.g. https://hooks.example.net/guardian';
    if (typeof timeoutMs === 'string') errors['config.timeoutMs'] = timeoutMs;
    if (typeof maxConcurrent === 'string') errors['config.maxConcurrent'] = maxConcurrent;
    if (Object.keys(errors).length > 0 || typeof timeoutMs === 'string' || typeof maxConcurrent === 'string') return { ok: false, errors };
    return { ok: true, config: { url, timeoutMs, maxConcurrent, verifyTls: values.verifyTls !== false } };
  },
  target: (config) => configText(config, 'url') ?? '',
  Fields: WebhookFields,
};
