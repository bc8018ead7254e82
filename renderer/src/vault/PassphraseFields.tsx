import { vaultExport } from '@shared/api/vault';
import { PasswordField } from '../ui/PasswordField';

export interface PassphraseValues {
  passphrase: string;
  confirm: string;
}

export type PassphraseErrors = Partial<Record<keyof PassphraseValues, string>>;

export const EMPTY_PASSPHRASES: PassphraseValues = { passphrase: '', confirm: '' };

/** What is wrong with a new passphrase: the contract's length rule, and the two entries differing. */
export function passphraseProblems(values: PassphraseValues): PassphraseErrors {
  const problems: PassphraseErrors = {};
  // Every new vault passphrase (slot, export) follows the same contract rule; this is one of them.
  const parsed = vaultExport.input.safeParse({ passphrase: values.passphrase });
  if (!parsed.success) problems.passphrase = parsed.error.issues[0]?.message ?? 'Choose a longer passphrase.';
  else if (values.confirm !== values.passphrase) problems.confirm = 'The two passphrases differ.';
  return problems;
}

interface PassphraseFieldsProps {
  values: PassphraseValues;
  onChange(values: PassphraseValues): void;
  errors: PassphraseErrors;
  labels: { passphrase: string; confirm: string };
  help?: string;
  testId: string;
  autoFocus?: boolean;
}

/** A new passphrase, typed twice. */
export function PassphraseFields({ values, onChange, errors, labels, help, testId, autoFocus = false }: PassphraseFieldsProps) {
  return (
    <>
      <PasswordField
        label={labels.passphrase}
        error={errors.passphrase}
        help={help ?? 'At least 12 characters. A few unrelated words are easy to type and hard to guess.'}
        testId={`${testId}-passphrase`}
        autoComplete="new-password"
        autoFocus={autoFocus}
        value={values.passphrase}
        onChange={(passphrase) => onChange({ ...values, passphrase })}
      />
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
