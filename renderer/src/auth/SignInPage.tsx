import { useState, type FormEvent } from 'react';
import type { Me } from '@shared/api/auth';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { AuthLayout } from './AuthLayout';
import { OneTimeCodeField } from './OneTimeCodeField';
import { useSignIn, type SignInValues } from './use-sign-in';

/** Nobody is signed in (and Guardian already has its owner). */
export function SignInPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [values, setValues] = useState<SignInValues>({ username: '', password: '', code: '' });
  const { submit, needsCode, error, notice, pending } = useSignIn(onSignedIn);
  const set = (field: keyof SignInValues) => (event: { target: { value: string } }) => setValues((current) => ({ ...current, [field]: event.target.value }));

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit(values);
  };

  return (
    <AuthLayout title="Sign in" description="Sign in with your Guardian account." testId="sign-in-page">
      <form className="form" onSubmit={onSubmit} noValidate aria-busy={pending} aria-label="Sign in">
        <ErrorBanner error={error} testId="sign-in-error" />
        {notice && !error ? (
          <div className="banner banner--info" role="status">
            <p>{notice.message}</p>
            <p className="banner__hint">{notice.hint}</p>
          </div>
        ) : null}
        <Field label="Username" testId="sign-in-username">
          {(control) => (
            <input {...control} className="input" autoComplete="username" spellCheck={false} autoFocus value={values.username} onChange={set('username')} />
          )}
        </Field>
        <Field label="Password" testId="sign-in-password">
          {(control) => (
            <input {...control} className="input" type="password" autoComplete="current-password" value={values.password} onChange={set('password')} />
          )}
        </Field>
        {needsCode ? <OneTimeCodeField value={values.code} onChange={(code) => setValues((current) => ({ ...current, code }))} testId="sign-in-code" /> : null}
        <button type="submit" className="button button--primary button--block" {...busyProps(pending)}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthLayout>
  );
}
