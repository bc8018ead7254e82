import { Field } from '../ui/Field';
import type { SecretErrors, SecretFormValues } from './secret-form';
import type { KeyInspection } from './use-key-inspection';

interface SshKeyFieldsProps {
  values: SecretFormValues;
  onChange(patch: Partial<SecretFormValues>): void;
  errors: SecretErrors;
  inspection: KeyInspection;
}

function KeySummary({ inspection }: { inspection: KeyInspection }) {
  switch (inspection.state) {
    case 'empty':
      return null;
    case 'checking':
      return (
        <p className="muted" role="status">
          <span className="spinner" aria-hidden="true" /> Reading the key…
        </p>
      );
    case 'ok':
      return (
        <div className="key-summary" role="status" data-testid="key-summary">
          <span className="badge">{inspection.key.type}</span>
          <span className="mono key-summary__fingerprint" data-testid="key-fingerprint">
            {inspection.key.fingerprint}
          </span>
          {inspection.key.comment ? <span className="muted">{inspection.key.comment}</span> : null}
        </div>
      );
    case 'bad':
      // Shown under the field it is about; a failure about neither (the server unreachable) here.
      return Object.keys(inspection.fields).length === 0 ? (
        <p className="field__error" role="status">
          {inspection.error.message}
        </p>
      ) : null;
    default: {
      const unreachable: never = inspection;
      return unreachable;
    }
  }
}

/** The private key and its optional passphrase, with the fingerprint read from it before saving. */
export function SshKeyFields({ values, onChange, errors, inspection }: SshKeyFieldsProps) {
  const found = inspection.state === 'bad' ? inspection.fields : {};
  return (
    <>
      <Field
        label="Private key"
        error={errors.privateKey ?? found.privateKey}
        help="Paste the whole file, from -----BEGIN to -----END (OpenSSH or PEM)."
        testId="secret-form-private-key"
      >
        {(control) => (
          <textarea
            {...control}
            className="input textarea mono"
            rows={6}
            spellCheck={false}
            autoComplete="off"
            value={values.privateKey}
            onChange={(event) => onChange({ privateKey: event.target.value })}
          />
        )}
      </Field>
      <Field
        label="Key passphrase"
        error={errors.keyPassphrase ?? found.keyPassphrase}
        help="Only if the key file is encrypted."
        testId="secret-form-key-passphrase"
      >
        {(control) => (
          <input
            {...control}
            className="input"
            type="password"
            autoComplete="off"
            value={values.keyPassphrase}
            onChange={(event) => onChange({ keyPassphrase: event.target.value })}
          />
        )}
      </Field>
      <KeySummary inspection={inspection} />
    </>
  );
}
