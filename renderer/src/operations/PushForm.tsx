import { useState, type ChangeEvent, type FormEvent } from 'react';
import { PUSH_MAX_BYTES } from '@shared/api/operations';
import { useFormErrors } from '../alerts/use-form-errors';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { formatCount } from '../ui/format';
import { checkPush, PUSH_FIELDS, pushButtonLabel, pushValues, toBase64, type PushFormValues } from './push-form';
import { TargetFields, useMatched } from './TargetFields';
import { useStartedRun } from './use-started-run';

/**
 * Push a file to the servers a selector picks (operations.push): a file chosen here, or a vault
 * note (sent only to the servers it is linked to), with its path, mode and owner. The run is
 * followed like a command's.
 */
export function PushForm() {
  const [values, setValues] = useState<PushFormValues>(() => pushValues(null));
  const { errors, banner, formRef, clear, show, showRefusal } = useFormErrors();
  const { fleet, matched } = useMatched(values);
  const notes = useMethodQuery('secrets.list', { kind: 'note' });
  const push = useMethodMutation('operations.push');
  const started = useStartedRun();

  const edit = (patch: Partial<PushFormValues>, errorKey: string) => {
    setValues((current) => ({ ...current, ...patch }));
    clear(errorKey);
  };

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return edit({ file: null }, 'content');
    // A file past the limit is not read: the check says so without holding it in memory.
    const base64 = file.size > PUSH_MAX_BYTES ? '' : toBase64(new Uint8Array(await file.arrayBuffer()));
    edit({ file: { name: file.name, size: file.size, base64 } }, 'content');
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (push.isPending) return;
    const checked = checkPush(values, matched.length);
    if (!checked.ok) return show(checked.errors, null);
    push.mutate(checked.input, {
      onSuccess: (answer) => {
        started(answer);
        show({}, null);
      },
      onError: (error) => showRefusal(error, PUSH_FIELDS),
    });
  };

  return (
    <form ref={formRef} className="form op-form" onSubmit={submit} noValidate aria-busy={push.isPending} aria-label="Push a file" data-testid="push-form">
      <ErrorBanner error={banner} testId="push-form-error" />
      <fieldset className="fieldset">
        <legend className="field__label">What to push</legend>
        <label className="checkbox">
          <input type="radio" name="push-source" checked={values.source === 'file'} onChange={() => edit({ source: 'file' }, 'content')} />A file from this
          computer
        </label>
        <label className="checkbox">
          <input type="radio" name="push-source" checked={values.source === 'note'} onChange={() => edit({ source: 'note' }, 'secretId')} />A note in the vault
          (sent only to the servers it is linked to)
        </label>
      </fieldset>
      {values.source === 'file' ? (
        <Field
          label="File"
          error={errors.content}
          help={values.file ? `${values.file.name}, ${formatCount(values.file.size)} bytes` : `At most ${PUSH_MAX_BYTES / 1024 / 1024} MiB.`}
          testId="push-form-file"
        >
          {(control) => <input {...control} type="file" className="input input--file" onChange={(event) => void choose(event)} />}
        </Field>
      ) : (
        <Field label="Vault note" error={errors.secretId} help="Its text is the file; Guardian never stores it elsewhere." testId="push-form-note">
          {(control) => (
            <select {...control} className="input" value={values.noteId} onChange={(event) => edit({ noteId: event.target.value }, 'secretId')}>
              <option value="">Choose a note…</option>
              {(notes.data?.items ?? []).map((note) => (
                <option key={note.id} value={note.id}>
                  {note.name} (linked to {note.serverIds.length === 1 ? '1 server' : `${note.serverIds.length} servers`})
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field
        label="Path on the servers"
        error={errors.path}
        help="Absolute; its directory must exist. Written whole, then renamed into place."
        testId="push-form-path"
      >
        {(control) => (
          <input
            {...control}
            className="input mono"
            spellCheck={false}
            autoComplete="off"
            placeholder="/etc/app.conf"
            value={values.path}
            onChange={(event) => edit({ path: event.target.value }, 'path')}
          />
        )}
      </Field>
      <div className="form__row form__row--even">
        <Field label="Mode" error={errors.mode} help="Octal, e.g. 0644." testId="push-form-mode">
          {(control) => <input {...control} className="input mono" value={values.mode} onChange={(event) => edit({ mode: event.target.value }, 'mode')} />}
        </Field>
        <Field label="Owner" error={errors.owner} help="user or user:group; empty keeps the login user’s." testId="push-form-owner">
          {(control) => (
            <input
              {...control}
              className="input mono"
              autoComplete="off"
              value={values.owner}
              onChange={(event) => edit({ owner: event.target.value }, 'owner')}
            />
          )}
        </Field>
      </div>
      <TargetFields testIdPrefix="push-form" previewTestId="push-preview" values={values} errors={errors} fleet={fleet} matched={matched} onChange={edit} />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={push.isPending} data-testid="push-form-submit">
          {pushButtonLabel(push.isPending, matched.length)}
        </button>
      </div>
    </form>
  );
}
