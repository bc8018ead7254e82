import { useState, type FormEvent } from 'react';
import type { AppError, InputOf, Methods } from '@shared/api';
import { useClient } from '../api/client-context';
import { placeErrors, type FieldErrors } from '../alerts/form-errors';
import { channelTypeForm, type ConfigValues } from '../alerts/channel-types';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';

/**
 * "How should Guardian reach you?" (docs/alerts.md): an optional wizard page that sets up one
 * channel and a rule sending it every incident, then sends a test, so a first outage reaches
 * someone even with the app closed. Email takes the Alerts page's own email fields; a chat service
 * takes only the webhook URL it gave, which goes into the vault (it is a bearer secret), never into
 * the config. Everything else, and more channels, is on the Alerts page.
 */

const CHOICES = [
  { value: 'email', label: 'Email' },
  { value: 'slack', label: 'Slack' },
  { value: 'discord', label: 'Discord' },
  { value: 'teams', label: 'Microsoft Teams' },
  { value: 'mattermost', label: 'Mattermost' },
] as const;
type Choice = (typeof CHOICES)[number]['value'];

/** What the wizard set up, for the last page's summary. */
export interface AlertsSetUp {
  channel: string;
  delivered: boolean;
}

/** The keys a refusal's issues land on: the email fields (the vault's refusal of a secret is placed by hand). */
const KNOWN = ['config.host', 'config.port', 'config.security', 'config.username', 'config.from', 'config.to'];

const labelOf = (choice: Choice) => CHOICES.find((each) => each.value === choice)?.label ?? choice;

/** The vault secret to store first, if any: a chat service's URL, or the mail login's password. */
function secretOf(choice: Choice, url: string, password: string): InputOf<Methods['secrets.create']> | null {
  if (choice !== 'email') return { name: `${labelOf(choice)} webhook URL`, value: { kind: 'api_token', token: url.trim() } };
  return password === '' ? null : { name: 'Email login password', value: { kind: 'password', password } };
}

export function AlertsStep({ onDone }: { onDone(setUp: AlertsSetUp | null): void }) {
  const client = useClient();
  const [choice, setChoice] = useState<Choice>('email');
  const email = channelTypeForm('email');
  const [config, setConfig] = useState<ConfigValues>(() => email?.initial(undefined) ?? {});
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<(AlertsSetUp & { error: string | null }) | null>(null);

  const edit = (apply: () => void) => {
    apply();
    setErrors({});
    setBanner(null);
  };

  /** The channel's config as the form makes it (the email fields' own, or a chat service's defaults), or the fields to fix first. */
  const configFor = (): { ok: true; config: Record<string, unknown> } | { ok: false; errors: FieldErrors } => {
    if (choice === 'email') return email?.toConfig(config) ?? { ok: true, config: {} };
    if (!/^https:\/\/\S+$/.test(url.trim())) return { ok: false, errors: { url: `Paste the https:// webhook URL ${labelOf(choice)} gave you` } };
    return { ok: true, config: {} };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const made = configFor();
    if (!made.ok) return setErrors(made.errors);
    setBusy(true);
    const secret = secretOf(choice, url, password);
    let secretId: string | null = null;
    try {
      if (secret) secretId = (await client.call('secrets.create', secret)).id;
      const name = `${labelOf(choice)} (first-run)`;
      // One variant of the union, by `choice`; the server checks the config against its type's schema.
      const input = { name, type: choice, config: made.config, ...(secretId ? { secretId } : {}) } as InputOf<Methods['alerts.createChannel']>;
      const channel = await client.call('alerts.createChannel', input);
      await client.call('alerts.createRule', { name: 'Every incident', channelIds: [channel.id] });
      const test = await client.call('alerts.testChannel', { id: channel.id });
      setDone({ channel: name, delivered: test.delivered, error: test.error });
    } catch (error) {
      // Nothing half-made stays behind: a secret stored for a channel that was refused is removed.
      if (secretId) await client.call('secrets.delete', { id: secretId }).catch(() => undefined);
      const placed = placeErrors(error as AppError, KNOWN);
      // The vault's refusal of the token or password lands on the field it came from.
      const secretIssue = (error as AppError).issues?.find((issue) => issue.path[0] === 'value');
      if (secretIssue) placed.fields[choice === 'email' ? 'password' : 'url'] = secretIssue.message;
      setErrors(placed.fields);
      setBanner(secretIssue ? null : placed.banner);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <div className="form" data-testid="wizard-alerts-done">
        <p className="auth-card__text" role="status">
          {done.delivered
            ? `A test notification went to ${done.channel}. From now on every incident is told there.`
            : `${done.channel} is set up, but its test was not delivered: ${done.error ?? 'no reason given'}. Check it on the Alerts page.`}
        </p>
        <div className="form__actions">
          <button type="button" className="button button--primary" autoFocus onClick={() => onDone({ channel: done.channel, delivered: done.delivered })}>
            Continue
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="form" onSubmit={(event) => void submit(event)} noValidate aria-busy={busy} aria-label="How Guardian reaches you">
      <p className="auth-card__text">
        Guardian can tell you when a server goes down, even with this window closed. Choose one way now; the Alerts page adds more, with rules for which
        incidents go where.
      </p>
      <ErrorBanner error={banner} testId="wizard-alerts-error" />
      <Field label="Send alerts by" testId="wizard-alerts-type">
        {(control) => (
          <select {...control} className="input" autoFocus value={choice} onChange={(event) => edit(() => setChoice(event.target.value as Choice))}>
            {CHOICES.map((each) => (
              <option key={each.value} value={each.value}>
                {each.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {choice === 'email' && email ? (
        <>
          <email.Fields values={config} errors={errors} onChange={(field, value) => edit(() => setConfig((current) => ({ ...current, [field]: value })))} />
          <Field
            label="Password"
            error={errors.password}
            help="The SMTP login’s password, kept in the vault; empty when it needs no login"
            testId="wizard-alerts-password"
          >
            {(control) => (
              <input
                {...control}
                className="input"
                type="password"
                autoComplete="off"
                value={password}
                onChange={(event) => edit(() => setPassword(event.target.value))}
              />
            )}
          </Field>
        </>
      ) : (
        <Field
          label="Webhook URL"
          error={errors.url}
          help={`The incoming webhook ${labelOf(choice)} gave you; it is kept in the vault, not shown again`}
          testId="wizard-alerts-url"
        >
          {(control) => (
            <input
              {...control}
              className="input mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={url}
              onChange={(event) => edit(() => setUrl(event.target.value))}
            />
          )}
        </Field>
      )}
      <div className="form__actions">
        <button type="button" className="button" onClick={() => onDone(null)} disabled={busy}>
          Skip for now
        </button>
        <button type="submit" className="button button--primary" {...busyProps(busy)}>
          {busy ? 'Setting up…' : 'Save and send a test'}
        </button>
      </div>
    </form>
  );
}
