import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import type { AlertSettings } from '@shared/api/alerts';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ErrorState } from '../ui/ErrorState';
import { Field } from '../ui/Field';
import { LoadingState } from '../ui/PageParts';
import { placeErrors, splitList, type FieldErrors } from './form-errors';

const SETTINGS_FIELDS = ['allowedTargets', 'giveUpAfterMinutes', 'publicUrl', 'signInBurst.failures', 'signInBurst.windowMinutes'];
const WHOLE = /^\d+$/;

/** A setting typed as a whole number (minutes, failures): the form checks the digits, the contract the bounds. */
function WholeNumberField(props: { label: string; error: string | undefined; help: string; testId: string; value: string; onChange(value: string): void }) {
  const { value, onChange, ...field } = props;
  return (
    <Field {...field}>
      {(control) => (
        <input {...control} className="input alerts-settings__minutes" inputMode="numeric" value={value} onChange={(event) => onChange(event.target.value)} />
      )}
    </Field>
  );
}

function SettingsForm({ settings }: { settings: AlertSettings }) {
  const [targets, setTargets] = useState(settings.allowedTargets.join('\n'));
  const [giveUp, setGiveUp] = useState(String(settings.giveUpAfterMinutes));
  const [publicUrl, setPublicUrl] = useState(settings.publicUrl ?? '');
  const [burstFailures, setBurstFailures] = useState(String(settings.signInBurst.failures));
  const [burstMinutes, setBurstMinutes] = useState(String(settings.signInBurst.windowMinutes));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const save = useMethodMutation('alerts.updateSettings');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    const minutes = giveUp.trim();
    const typed: FieldErrors = {};
    if (!WHOLE.test(minutes)) typed.giveUpAfterMinutes = 'A whole number of minutes, e.g. 1440 for a day';
    if (!WHOLE.test(burstFailures.trim())) typed['signInBurst.failures'] = 'A whole number of failures, e.g. 20';
    if (!WHOLE.test(burstMinutes.trim())) typed['signInBurst.windowMinutes'] = 'A whole number of minutes, e.g. 10';
    if (Object.keys(typed).length > 0) {
      setErrors(typed);
      return;
    }
    setErrors({});
    setBanner(null);
    save.mutate(
      {
        allowedTargets: splitList(targets),
        giveUpAfterMinutes: Number(minutes),
        publicUrl: publicUrl.trim() === '' ? null : publicUrl.trim(),
        signInBurst: { failures: Number(burstFailures.trim()), windowMinutes: Number(burstMinutes.trim()) },
      },
      {
        onSuccess: () => toast.success('Saved the alert settings'),
        onError: (error) => {
          const placed = placeErrors(error, SETTINGS_FIELDS);
          setErrors(placed.fields);
          setBanner(placed.banner);
        },
      },
    );
  };

  return (
    <form className="form alerts-settings" onSubmit={submit} noValidate aria-busy={save.isPending} data-testid="alert-settings-form">
      <ErrorBanner error={banner} testId="alert-settings-error" />
      <Field
        label="Allowed internal targets"
        error={errors.allowedTargets}
        help="One a line: an IP address, a CIDR range such as 10.0.0.0/8, or a host name. Channels may post to loopback, private and link-local addresses only when listed here."
        testId="alert-settings-targets"
      >
        {(control) => (
          <textarea
            {...control}
            className="input textarea mono"
            rows={3}
            spellCheck={false}
            value={targets}
            onChange={(event) => setTargets(event.target.value)}
          />
        )}
      </Field>
      <WholeNumberField
        label="Give up after (minutes)"
        error={errors.giveUpAfterMinutes}
        help="A notification not delivered this long after it was written is given up (1 minute to a week)."
        testId="alert-settings-give-up"
        value={giveUp}
        onChange={setGiveUp}
      />
      <Field
        label="Guardian’s address"
        error={errors.publicUrl}
        help="Where people open Guardian, such as https://guardian.example.net/: every message then links to its server’s page ({{link}} in a template). Empty: no link."
        testId="alert-settings-public-url"
      >
        {(control) => (
          <input
            {...control}
            className="input"
            type="url"
            spellCheck={false}
            placeholder="https://guardian.example.net/"
            value={publicUrl}
            onChange={(event) => setPublicUrl(event.target.value)}
          />
        )}
      </Field>
      <WholeNumberField
        label="Failed sign-ins that make a burst"
        error={errors['signInBurst.failures']}
        help="Failed sign-ins and one-time codes, of any accounts from anywhere, that a rule for security events hears of as a burst (at least 3)."
        testId="alert-settings-burst-failures"
        value={burstFailures}
        onChange={setBurstFailures}
      />
      <WholeNumberField
        label="Within (minutes)"
        error={errors['signInBurst.windowMinutes']}
        help="How close together they must come (1 minute to a day); a burst is told once in that long while it goes on."
        testId="alert-settings-burst-minutes"
        value={burstMinutes}
        onChange={setBurstMinutes}
      />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

/** Which internal addresses channels may reach, when a notification is given up, the address messages link to and what makes a burst of failed sign-ins: admins change them, everyone else reads them. */
export function SettingsSection({ mayAdminister }: { mayAdminister: boolean }) {
  const settings = useMethodQuery('alerts.settings', {});
  if (settings.isPending) return <LoadingState spinner={false}>Loading the alert settings…</LoadingState>;
  if (settings.isError) return <ErrorState error={settings.error} what="the alert settings" onRetry={() => void settings.refetch()} />;
  // The form starts from what was read; a change by someone else shows once reopened (keyed below).
  if (mayAdminister) return <SettingsForm key={JSON.stringify(settings.data)} settings={settings.data} />;
  const { allowedTargets, giveUpAfterMinutes, publicUrl, signInBurst } = settings.data;
  return (
    <div data-testid="alert-settings-read">
      <dl className="alerts-settings__read">
        <dt>Allowed internal targets</dt>
        <dd>
          {allowedTargets.length ? <span className="mono">{allowedTargets.join(', ')}</span> : <span className="muted">None: only public addresses</span>}
        </dd>
        <dt>Give up after</dt>
        <dd>{giveUpAfterMinutes} minutes</dd>
        <dt>Guardian’s address</dt>
        <dd>{publicUrl ? <span className="mono">{publicUrl}</span> : <span className="muted">Not set: messages carry no link</span>}</dd>
        <dt>A burst of failed sign-ins</dt>
        <dd>
          {signInBurst.failures} within {signInBurst.windowMinutes} minutes
        </dd>
      </dl>
      <p className="muted">Only owners and admins change these.</p>
    </div>
  );
}
