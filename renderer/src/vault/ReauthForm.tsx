import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useDirectCall } from '../api/use-direct-call';
import { OneTimeCodeField } from '../auth/OneTimeCodeField';
import { useMe } from '../auth/session';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PasswordField } from '../ui/PasswordField';

/**
 * "Is it still you?": the password again, and a one-time code when the account has two-factor
 * (or the server says MFA_REQUIRED). It counts for 5 minutes.
 */
export function ReauthForm({ action = 'Showing a secret', onConfirmed, onCancel }: { action?: string; onConfirmed(): void; onCancel(): void }) {
  const me = useMe();
  const [values, setValues] = useState({ password: '', code: '' });
  const [needsCode, setNeedsCode] = useState(me.totpEnabled);
  const [missing, setMissing] = useState<string | undefined>();
  const reauth = useDirectCall('auth.reauth');
  const password = useRef<HTMLInputElement>(null);
  // After the code field's own focus: the password comes first.
  useEffect(() => password.current?.focus(), []);
  const failure = reauth.error?.code === 'MFA_REQUIRED' ? null : reauth.error;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (reauth.pending) return;
    if (values.password === '') return setMissing('Enter your password.');
    const code = values.code.trim();
    const result = await reauth.run({ password: values.password, ...(needsCode && code !== '' ? { code } : {}) });
    if (result.ok) return onConfirmed();
    if (result.error.code === 'MFA_REQUIRED') setNeedsCode(true);
  };

  return (
    <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={reauth.pending} aria-label="Confirm it is you">
      <p>
        {action} needs your password again{needsCode ? ' and a one-time code' : ''}. It then counts for 5 minutes.
      </p>
      <ErrorBanner error={failure} testId="reauth-error" />
      {reauth.error?.code === 'MFA_REQUIRED' ? (
        <p className="banner banner--info" role="status">
          {reauth.error.message}
        </p>
      ) : null}
      <input type="text" className="visually-hidden" autoComplete="username" value={me.username} readOnly tabIndex={-1} aria-hidden="true" />
      <PasswordField
        label="Your password"
        error={missing}
        testId="reauth-password"
        inputRef={password}
        value={values.password}
        onChange={(value) => {
          setValues({ ...values, password: value });
          setMissing(undefined);
        }}
      />
      {needsCode ? <OneTimeCodeField value={values.code} onChange={(code) => setValues({ ...values, code })} testId="reauth-code" /> : null}
      <footer className="dialog__footer">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={reauth.pending}>
          {reauth.pending ? 'Checking…' : 'Confirm'}
        </button>
      </footer>
    </form>
  );
}
