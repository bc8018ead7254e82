import { useId } from 'react';
import { PasswordChecklist } from '../auth/PasswordChecklist';
import type { PasswordCheck } from '../auth/use-password-check';
import { Field } from '../ui/Field';
import { generateTemporaryPassword } from './temporary-password';

interface TemporaryPasswordFieldProps {
  value: string;
  onChange(value: string): void;
  check: PasswordCheck | undefined;
  error: string | undefined;
  testId: string;
}

/** A password the admin hands over; shown in clear, with a generator and the policy's rules. */
export function TemporaryPasswordField({ value, onChange, check, error, testId }: TemporaryPasswordFieldProps) {
  const rulesId = useId();
  return (
    <div className="field-group">
      <Field label="Temporary password" error={error} help="They must choose their own at their first sign-in." testId={testId}>
        {(control) => (
          <div className="input-with-button">
            <input
              {...control}
              aria-describedby={[control['aria-describedby'], rulesId].filter(Boolean).join(' ')}
              className="input mono"
              autoComplete="off"
              spellCheck={false}
              value={value}
              onChange={(event) => onChange(event.target.value)}
            />
            <button type="button" className="button" onClick={() => onChange(generateTemporaryPassword())}>
              Generate
            </button>
          </div>
        )}
      </Field>
      <PasswordChecklist id={rulesId} check={check} />
    </div>
  );
}
