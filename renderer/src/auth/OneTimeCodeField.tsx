import { useEffect, useRef } from 'react';
import { Field } from '../ui/Field';

/** The TOTP or recovery code a sign-in asks for once the password was right; takes the focus when it appears. */
export function OneTimeCodeField({ value, onChange, testId }: { value: string; onChange(value: string): void; testId: string }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <Field label="One-time code" help="The 6-digit code from your authenticator app, or a recovery code." testId={testId}>
      {(control) => (
        <input
          {...control}
          ref={input}
          className="input mono"
          autoComplete="one-time-code"
          spellCheck={false}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
