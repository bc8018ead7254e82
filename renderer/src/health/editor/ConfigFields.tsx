import { useId } from 'react';
import type { SecretKind } from '@shared/api/vault';
import type { CheckType } from '@shared/health';
import { useMethodQuery } from '../../api/hooks';
import { useCan } from '../../auth/session';
import { Field } from '../../ui/Field';
import { CHECK_FIELDS, GAME_SUGGESTIONS, type FieldDef } from './check-fields';
import type { ConfigValues, FormErrors } from './check-form';

interface ConfigFieldsProps {
  type: CheckType;
  /** The check's server: only secrets linked to it are offered. */
  serverId: string;
  values: ConfigValues;
  errors: FormErrors;
  onChange(key: string, value: string | boolean): void;
}

export const fieldTestId = (key: string) => `check-field-${key.replace(/\./g, '-')}`;

const KIND_NAMES: Record<SecretKind, string> = { password: 'password', ssh_key: 'SSH key', api_token: 'token', note: 'note' };

/**
 * The vault's secrets of the field's kinds that are linked to the check's server (a credential is
 * sent nowhere else); a plain id field for roles that cannot list them.
 */
function SecretPicker({
  field,
  serverId,
  value,
  error,
  onChange,
}: {
  field: FieldDef;
  serverId: string;
  value: string;
  error: string | undefined;
  onChange(value: string): void;
}) {
  const mayList = useCan()('vault:read');
  const secrets = useMethodQuery('secrets.list', { serverId }, { enabled: mayList });
  const kinds: readonly SecretKind[] = field.secretKinds ?? ['password', 'ssh_key'];
  const usable = (secrets.data?.items ?? []).filter((secret) => kinds.includes(secret.kind));
  const kindWords = kinds.map((kind) => KIND_NAMES[kind]).join(' or ');
  if (!mayList) {
    return (
      <Field label={`${field.label} (secret id)`} error={error} help="Your role cannot list the vault: paste the secret’s id." testId={fieldTestId(field.key)}>
        {(control) => (
          <input {...control} className="input mono" value={value} onChange={(event) => onChange(event.target.value)} autoComplete="off" spellCheck={false} />
        )}
      </Field>
    );
  }
  return (
    <Field
      label={field.label}
      error={error}
      help={secrets.data && usable.length === 0 ? `No ${kindWords} in the vault is linked to this server yet: link one on the Vault page.` : field.help}
      testId={fieldTestId(field.key)}
    >
      {(control) => (
        <select {...control} className="input select" value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{secrets.isPending ? 'Loading the vault…' : field.required ? 'Choose a credential' : 'None'}</option>
          {usable.map((secret) => (
            <option key={secret.id} value={secret.id}>
              {secret.name} ({KIND_NAMES[secret.kind]}
              {secret.username ? `, ${secret.username}` : ''})
            </option>
          ))}
          {value !== '' && secrets.data && !usable.some((secret) => secret.id === value) ? <option value={value}>A secret no longer listed</option> : null}
        </select>
      )}
    </Field>
  );
}

function ConfigField({ field, serverId, values, errors, onChange, listId }: { field: FieldDef; listId: string } & Omit<ConfigFieldsProps, 'type'>) {
  const raw = values[field.key];
  const text = typeof raw === 'string' ? raw : '';
  const error = errors[`config.${field.key}`];
  const testId = fieldTestId(field.key);
  switch (field.kind) {
    case 'bool':
      return (
        <label className="checkbox" data-testid={testId}>
          <input type="checkbox" checked={raw === true} onChange={(event) => onChange(field.key, event.target.checked)} />
          {field.label}
          {error ? <span className="field__error"> {error}</span> : null}
        </label>
      );
    case 'select':
      return (
        <Field label={field.label} error={error} help={field.help} testId={testId}>
          {(control) => (
            <select {...control} className="input select" value={text} onChange={(event) => onChange(field.key, event.target.value)}>
              {(field.options ?? []).map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          )}
        </Field>
      );
    case 'secret':
      return <SecretPicker field={field} serverId={serverId} value={text} error={error} onChange={(value) => onChange(field.key, value)} />;
    case 'textarea':
    case 'headers':
      return (
        <Field label={field.label} error={error} help={field.help} testId={testId}>
          {(control) => (
            <textarea
              {...control}
              className="input textarea mono"
              rows={3}
              value={text}
              onChange={(event) => onChange(field.key, event.target.value)}
              spellCheck={false}
            />
          )}
        </Field>
      );
    case 'text':
    case 'int':
    case 'number':
    case 'list':
    case 'json':
      return (
        <Field label={field.label} error={error} help={field.help} testId={testId}>
          {(control) => (
            <input
              {...control}
              className={`input${field.kind === 'int' ? ' input--port' : ''}`}
              value={text}
              placeholder={field.placeholder}
              inputMode={field.kind === 'int' || field.kind === 'number' ? 'decimal' : undefined}
              list={field.key === 'game' ? listId : undefined}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => onChange(field.key, event.target.value)}
            />
          )}
        </Field>
      );
    default: {
      const unreachable: never = field.kind;
      return unreachable;
    }
  }
}

/** The type's own fields (shared/health/<type>.ts), the rarely needed ones folded away. */
export function ConfigFields({ type, serverId, values, errors, onChange }: ConfigFieldsProps) {
  const listId = useId();
  const fields = CHECK_FIELDS[type];
  const main = fields.filter((field) => !field.advanced);
  const advanced = fields.filter((field) => field.advanced);
  const advancedError = advanced.some((field) => errors[`config.${field.key}`] !== undefined);
  return (
    <>
      <div className="form__grid">
        {main.map((field) => (
          <ConfigField key={field.key} field={field} serverId={serverId} values={values} errors={errors} onChange={onChange} listId={listId} />
        ))}
      </div>
      {advanced.length > 0 ? (
        <details className="form__more" open={advancedError || undefined}>
          <summary>More options</summary>
          <div className="form__grid">
            {advanced.map((field) => (
              <ConfigField key={field.key} field={field} serverId={serverId} values={values} errors={errors} onChange={onChange} listId={listId} />
            ))}
          </div>
        </details>
      ) : null}
      {type === 'game' ? (
        <datalist id={listId}>
          {GAME_SUGGESTIONS.map((game) => (
            <option key={game} value={game} />
          ))}
        </datalist>
      ) : null}
    </>
  );
}
