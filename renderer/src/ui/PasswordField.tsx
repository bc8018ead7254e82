import type { ReactNode, Ref } from 'react';
import { Field } from './Field';

interface PasswordFieldProps {
  label: string;
  testId: string;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  help?: ReactNode;
  /** 'current-password' for one to check, 'new-password' for one being chosen, 'off' for neither. */
  autoComplete?: 'current-password' | 'new-password' | 'off';
  autoFocus?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** Another element describing the input, read after the help or error. */
  describedBy?: string;
}

/** A labelled password (or passphrase) input. */
export function PasswordField({
  label,
  testId,
  value,
  onChange,
  error,
  help,
  autoComplete = 'current-password',
  autoFocus,
  inputRef,
  describedBy,
}: PasswordFieldProps) {
  return (
    <Field label={label} error={error} help={help} testId={testId}>
      {(control) => (
        <input
          {...control}
          aria-describedby={describedBy ? [control['aria-describedby'], describedBy].filter(Boolean).join(' ') : control['aria-describedby']}
          ref={inputRef}
          className="input"
          type="password"
          autoComplete={autoComplete}
          autoFocus={autoFocus}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </Field>
  );
}
