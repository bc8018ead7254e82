import { useId } from 'react';
import { PasswordField } from '../ui/PasswordField';
import { PasswordChecklist } from './PasswordChecklist';
import type { PasswordCheck } from './use-password-check';

export interface NewPasswordValues {
  password: string;
  confirm: string;
}

export type NewPasswordErrors = Partial<Record<keyof NewPasswordValues, string>>;

/** What keeps a new password from being sent, per field; empty when it may be sent. */
export function newPasswordProblems(values: NewPasswordValues, refused: boolean): NewPasswordErrors {
  const errors: NewPasswordErrors = {};
  if (values.password === '') errors.password = 'Enter a password.';
  else if (refused) errors.password = 'Meet every rule in the list below first.';
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
      <PasswordField
        label={labels.password}
        error={errors.password}
        testId={`${testId}-password`}
        autoComplete="new-password"
        describedBy={rulesId}
        value={values.password}
        onChange={(password) => onChange({ ...values, password })}
      />
      <PasswordChecklist id={rulesId} check={check} />
      <PasswordField
        label={labels.confirm}
        error={errors.confirm}
        testId={`${testId}-confirm`}
        autoComplete="new-password"
        value={values.confirm}
        onChange={(confirm) => onChange({ ...values, confirm })}
      />
    </>
  );
}
