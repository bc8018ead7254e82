import { useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import { SECRET_KINDS, type Secret, type SecretKind } from '@shared/api/vault';
import { useDirectCall } from '../api/use-direct-call';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { Dialog } from '../ui/Dialog';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import {
  checkCreate,
  checkUpdate,
  emptySecretValues,
  hasUsername,
  secretErrors,
  valuesFromSecret,
  type SecretErrors,
  type SecretFormValues,
} from './secret-form';
import { SecretValueFields } from './SecretValueFields';
import { ServerPicker } from './ServerPicker';
import { useKeyInspection } from './use-key-inspection';
import { KIND_LABELS } from './vault-labels';

const isKind = (value: string): value is SecretKind => SECRET_KINDS.some((kind) => kind === value);

/**
 * Adds a secret, or edits one: its metadata, and its value only when "Replace the value" is
 * ticked (the current value never comes to the page). Secret values go through direct calls,
 * so no cache keeps them once the dialog is closed.
 */
export function SecretFormDialog({ secret, onClose }: { secret?: Secret; onClose(): void }) {
  const [values, setValues] = useState<SecretFormValues>(() => (secret ? valuesFromSecret(secret) : emptySecretValues()));
  const [replaceValue, setReplaceValue] = useState(!secret);
  const [errors, setErrors] = useState<SecretErrors>({});
  const [formError, setFormError] = useState<Pick<AppError, 'message' | 'hint'> | null>(null);
  const mayLinkServers = useCan()('servers:read');
  const create = useDirectCall('secrets.create');
  const update = useDirectCall('secrets.update');
  const pending = create.pending || update.pending;
  const sshKey = values.kind === 'ssh_key' && replaceValue;
  const inspection = useKeyInspection(sshKey ? values.privateKey : '', sshKey ? values.keyPassphrase : '');

  const edit = (patch: Partial<SecretFormValues>) => {
    setValues((current) => ({ ...current, ...patch }));
    setErrors((current) => {
      const next = { ...current };
      for (const key of Object.keys(patch)) delete next[key as keyof SecretErrors];
      return next;
    });
  };

  const fail = (fields: SecretErrors, other: string[], error?: AppError) => {
    setErrors(fields);
    if (other.length > 0) setFormError({ message: other.join(' '), hint: 'Correct it and save again.' });
    else if (error && Object.keys(fields).length === 0) setFormError(error);
    else setFormError(null);
  };

  const saved = (result: { ok: true; value: Secret } | { ok: false; error: AppError }, verb: string) => {
    if (!result.ok) {
      const { fields, other } = secretErrors(result.error.issues ?? []);
      return fail(fields, other, result.error);
    }
    toast.success(`${verb} ${result.value.name}`);
    onClose();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    setFormError(null);
    if (sshKey && inspection.state === 'bad' && Object.keys(inspection.fields).length > 0) return fail(inspection.fields, []);
    if (secret) {
      const checked = checkUpdate(secret.id, values, replaceValue);
      if (!checked.ok) return fail(checked.errors, checked.other);
      saved(await update.run(checked.input), 'Saved');
    } else {
      const checked = checkCreate(values);
      if (!checked.ok) return fail(checked.errors, checked.other);
      saved(await create.run(checked.input), 'Added');
    }
  };

  return (
    <Dialog
      title={secret ? 'Edit secret' : 'Add secret'}
      description={secret ? `${KIND_LABELS[secret.kind]} “${secret.name}”` : 'Stored encrypted; only people allowed to reveal secrets can see it again.'}
      onClose={onClose}
      testId="secret-form-dialog"
    >
      <form className="dialog__body form" onSubmit={(event) => void submit(event)} noValidate aria-busy={pending}>
        <ErrorBanner error={formError} testId="secret-form-error" />
        {secret ? null : (
          <Field label="Kind" error={errors.kind} testId="secret-form-kind">
            {(control) => (
              <select
                {...control}
                className="input select"
                value={values.kind}
                onChange={(event) => {
                  if (isKind(event.target.value)) edit({ kind: event.target.value });
                }}
              >
                {SECRET_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {KIND_LABELS[kind]}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <Field label="Name" error={errors.name} help="How you will look for it, e.g. “db-01 root”." testId="secret-form-name">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              data-autofocus={secret ? true : undefined}
              value={values.name}
              onChange={(event) => edit({ name: event.target.value })}
            />
          )}
        </Field>
        {hasUsername(values.kind) ? (
          <Field label="Username" error={errors.username} help="Optional: the login it goes with." testId="secret-form-username">
            {(control) => (
              <input
                {...control}
                className="input"
                autoComplete="off"
                spellCheck={false}
                value={values.username}
                onChange={(event) => edit({ username: event.target.value })}
              />
            )}
          </Field>
        ) : null}
        {secret ? (
          <label className="checkbox">
            <input type="checkbox" checked={replaceValue} onChange={(event) => setReplaceValue(event.target.checked)} />
            <span>Replace the {KIND_LABELS[secret.kind].toLowerCase()} with a new one</span>
          </label>
        ) : null}
        {replaceValue ? <SecretValueFields values={values} onChange={edit} errors={errors} inspection={inspection} /> : null}
        <Field label="Tags" error={errors.tags} help="Separate tags with commas or spaces." testId="secret-form-tags">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              spellCheck={false}
              value={values.tags}
              onChange={(event) => edit({ tags: event.target.value })}
            />
          )}
        </Field>
        {mayLinkServers ? <ServerPicker chosen={values.serverIds} onChange={(serverIds) => edit({ serverIds })} error={errors.serverIds} /> : null}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={pending}>
            {pending ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
