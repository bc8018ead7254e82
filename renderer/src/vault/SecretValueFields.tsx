import { Field } from '../ui/Field';
import type { SecretErrors, SecretFormValues } from './secret-form';
import { SshKeyFields } from './SshKeyFields';
import type { KeyInspection } from './use-key-inspection';

interface SecretValueFieldsProps {
  values: SecretFormValues;
  onChange(patch: Partial<SecretFormValues>): void;
  errors: SecretErrors;
  inspection: KeyInspection;
}

/** The secret itself, as its kind needs it. */
export function SecretValueFields({ values, onChange, errors, inspection }: SecretValueFieldsProps) {
  switch (values.kind) {
    case 'password':
      return (
        <Field label="Password" error={errors.password} testId="secret-form-password">
          {(control) => (
            <input
              {...control}
              className="input"
              type="password"
              autoComplete="new-password"
              value={values.password}
              onChange={(event) => onChange({ password: event.target.value })}
            />
          )}
        </Field>
      );
    case 'ssh_key':
      return <SshKeyFields values={values} onChange={onChange} errors={errors} inspection={inspection} />;
    case 'api_token':
      return (
        <Field label="Token" error={errors.token} testId="secret-form-token">
          {(control) => (
            <input
              {...control}
              className="input mono"
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={values.token}
              onChange={(event) => onChange({ token: event.target.value })}
            />
          )}
        </Field>
      );
    case 'note':
      return (
        <Field label="Note" error={errors.text} help="Encrypted like every other secret: recovery codes, licence keys, instructions." testId="secret-form-note">
          {(control) => (
            <textarea {...control} className="input textarea" rows={5} value={values.text} onChange={(event) => onChange({ text: event.target.value })} />
          )}
        </Field>
      );
    default: {
      const unreachable: never = values.kind;
      return unreachable;
    }
  }
}
