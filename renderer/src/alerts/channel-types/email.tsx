import { EMAIL_SECURITY } from '@shared/alerts/email';
import { Field } from '../../ui/Field';
import { SendingFields, sendingConfig, VerifyTlsField } from './sending';
import { splitList } from '../form-errors';
import { configFlag, configText, rateText, wholeNumber, type ChannelFieldsProps, type ChannelTypeForm } from './types';

const SECURITY_LABELS: Record<(typeof EMAIL_SECURITY)[number], string> = {
  starttls: 'STARTTLS (port 587): upgrade, refusing a server that cannot',
  tls: 'TLS from the first byte (port 465)',
  none: 'None: unencrypted, for a relay on a trusted network (no login)',
};

/** A list saved as an array, typed one a line. */
function configList(config: unknown, field: string): string | undefined {
  const value: unknown = typeof config === 'object' && config !== null ? Reflect.get(config, field) : undefined;
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string').join('\n') : undefined;
}

/** Mail through an SMTP server, with the login's password (if any) from the vault. */
function EmailFields({ values, errors, onChange }: ChannelFieldsProps) {
  const text = (field: string) => (typeof values[field] === 'string' ? values[field] : '');
  return (
    <>
      <div className="form__row form__row--even">
        <Field label="SMTP server" error={errors['config.host']} help="A host name or IP address, without scheme or port" testId="channel-config-host">
          {(control) => (
            <input
              {...control}
              className="input mono"
              autoComplete="off"
              spellCheck={false}
              placeholder="smtp.example.net"
              value={text('host')}
              onChange={(event) => onChange('host', event.target.value)}
            />
          )}
        </Field>
        <Field label="Port" error={errors['config.port']} testId="channel-config-port">
          {(control) => (
            <input
              {...control}
              className="input input--port"
              inputMode="numeric"
              value={text('port')}
              onChange={(event) => onChange('port', event.target.value)}
            />
          )}
        </Field>
      </div>
      <Field label="Encryption" error={errors['config.security']} testId="channel-config-security">
        {(control) => (
          <select {...control} className="input select" value={text('security')} onChange={(event) => onChange('security', event.target.value)}>
            {EMAIL_SECURITY.map((security) => (
              <option key={security} value={security}>
                {SECURITY_LABELS[security]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        label="Username"
        error={errors['config.username']}
        help="The login, when the server wants one; its password is the secret below"
        testId="channel-config-username"
      >
        {(control) => (
          <input
            {...control}
            className="input"
            autoComplete="off"
            spellCheck={false}
            value={text('username')}
            onChange={(event) => onChange('username', event.target.value)}
          />
        )}
      </Field>
      <Field label="From" error={errors['config.from']} testId="channel-config-from">
        {(control) => (
          <input
            {...control}
            className="input"
            type="email"
            autoComplete="off"
            placeholder="guardian@example.net"
            value={text('from')}
            onChange={(event) => onChange('from', event.target.value)}
          />
        )}
      </Field>
      <Field label="To" error={errors['config.to']} help="One address a line (up to 50)" testId="channel-config-to">
        {(control) => (
          <textarea
            {...control}
            className="input textarea"
            rows={3}
            spellCheck={false}
            value={text('to')}
            onChange={(event) => onChange('to', event.target.value)}
          />
        )}
      </Field>
      <SendingFields
        values={values}
        errors={errors}
        onChange={onChange}
        timeoutHelp="1000 to 60000; a timeout is retried"
        concurrentHelp="Messages sent through it at the same time (1 to 8)"
      />
      <VerifyTlsField values={values} errors={errors} onChange={onChange} peer="server" />
    </>
  );
}

export const email: ChannelTypeForm = {
  type: 'email',
  label: 'Email',
  description: 'A mail to each recipient through your SMTP server, as text and HTML.',
  secret: {
    kinds: ['password'],
    label: 'Password',
    help: 'The login’s password, a password in the vault; None for a server that needs no login.',
    required: false,
    rotates: false,
    sends: true,
  },
  fields: ['host', 'port', 'security', 'username', 'from', 'to', 'timeoutMs', 'maxConcurrent', 'ratePerMinute', 'verifyTls'],
  initial: (config) => ({
    host: configText(config, 'host') ?? '',
    port: configText(config, 'port') ?? '587',
    security: configText(config, 'security') ?? 'starttls',
    username: configText(config, 'username') ?? '',
    from: configText(config, 'from') ?? '',
    to: configList(config, 'to') ?? '',
    timeoutMs: configText(config, 'timeoutMs') ?? '15000',
    maxConcurrent: configText(config, 'maxConcurrent') ?? '2',
    ratePerMinute: rateText(config, 'email'),
    verifyTls: configFlag(config, 'verifyTls') ?? true,
  }),
  toConfig: (values) => {
    const text = (field: string) => (typeof values[field] === 'string' ? values[field].trim() : '');
    const port = wholeNumber(values.port, 'The port');
    const sending = sendingConfig(values);
    const errors: Record<string, string> = 'errors' in sending ? { ...sending.errors } : {};
    if (typeof port === 'string') errors['config.port'] = port;
    if (typeof port === 'string' || 'errors' in sending) return { ok: false, errors };
    return {
      ok: true,
      config: {
        host: text('host'),
        port,
        security: text('security'),
        username: text('username') === '' ? null : text('username'),
        from: text('from'),
        to: splitList(text('to')),
        ...sending,
        verifyTls: values.verifyTls !== false,
      },
    };
  },
  target: (config) => {
    const to = configList(config, 'to')?.split('\n').join(', ') ?? '';
    return `${configText(config, 'host') ?? ''}:${configText(config, 'port') ?? ''} to ${to}`;
  },
  Fields: EmailFields,
};
