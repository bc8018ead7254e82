import { useId } from 'react';
import { Field } from '../ui/Field';
import { PasswordChecklist } from './PasswordChecklist';
import type { PasswordCheck } from './use-password-check';

export interface NewPasswordValues {
  password: string;
  confirm: string;
}

export type NewPasswordErrors = Partial<Record<keyof NewPasswordValues, string>>;

/** What keeps a new password from being sent, per field; empty when it may be sent. */
export function newPasswordProblems(values: NewPasswordValues, check: PasswordCheck | undefined): NewPasswordErrors {
  const errors: NewPasswordErrors = {};
  if (values.password === '') errors.password = 'Enter a password.';
  else if (check && !check.acceptable) errors.password = 'Meet every rule in the list below first.';
  if (values.confirm !== values.password) errors.confirm = 'The two passwords differ: type the same password twice.';
  return errors;
}

interface NewPasswordFieldsProps {
  values: NewPasswordValues;
  onChange(values: NewPasswordValues): void;
  check: PasswordCheck | undefined;
  errors: NewPasswordErrors;
  labels: { password: string; confirm: string };
  testId: string;
}

/** A new password typed twice, with the policy's rules ticked off live underneath. */
export function NewPasswordFields({ values, onChange, check, errors, labels, testId }: NewPasswordFieldsProps) {
  const rulesId = useId();
  return (
    <>
      <Field label={labels.password} error={errors.password} testId={`${testId}-password`}>
        {(control) => (
          <input
            {...control}
            aria-describedby={[control['aria-describedby'], rulesId].filter(Boolean).join(' ')}
            className="input"
            type="password"
            autoComplete="new-password"
            value={values.password}
            onChange={(event) => onChange({ ...values, password: event.target.value })}
          />
        )}
      </Field>
      <PasswordChecklist id={rulesId} check={check} />
      <Field label={labels.confirm} error={errors.confirm} testId={`${testId}-confirm`}>
        {(control) => (
          <input
            {...control}
            className="input"
            type="password"
            autoComplete="new-password"
            value={values.confirm}
            onChange={(event) => onChange({ ...values, confirm: event.target.value })}
          />
        )}
      </Field>
    </>
  );
}
