import { useId, useRef, useState, type FormEvent } from 'react';
import type { AppError } from '@shared/api';
import type { CreatedServer, Server } from '@shared/api/servers';
import { serverHealthHref } from '../../app/routes';
import { useMethodMutation, useMethodQuery } from '../../api/hooks';
import { useCan } from '../../auth/session';
import { toast } from '../../state/toast-store';
import { busyProps } from '../../ui/busy';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import {
  checkCreate,
  checkUpdate,
  fieldErrors,
  FORM_FIELDS,
  dependencyChoices,
  jumpHostChoices,
  valuesFromServer,
  type FieldErrors,
  type FormField,
  type ServerFormValues,
} from './server-form';

interface ServerFormDialogProps {
  /** The server to edit; absent to add a new one. */
  server?: Server;
  onClose(): void;
}

/** Enough for any fleet Guardian is meant for: every server may be a jump host. */
const ALL_SERVERS = 10_000;

/** Errors the form can place under its fields. */
const FIELD_ERROR_CODES = new Set(['VALIDATION_FAILED', 'CONFLICT']);

export function ServerFormDialog({ server, onClose }: ServerFormDialogProps) {
  const [values, setValues] = useState<ServerFormValues>(() => valuesFromServer(server));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<{ message: string; hint?: string } | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const environmentsId = useId();
  const agentHelpId = useId();
  const mayForward = useCan()('operations:run');
  const facets = useMethodQuery('servers.facets', {});
  const servers = useMethodQuery('servers.list', { limit: ALL_SERVERS });
  const jumpHosts = jumpHostChoices(servers.data?.items ?? [], server);
  // A jump host no longer listed (removed meanwhile) is kept as chosen and said so, not silently dropped.
  const jumpHostGone = values.jumpHostId !== '' && servers.data !== undefined && !jumpHosts.some((each) => each.id === values.jumpHostId);
  const parents = dependencyChoices(servers.data?.items ?? [], server);
  const create = useMethodMutation('servers.create');
  const update = useMethodMutation('servers.update');
  const pending = create.isPending || update.isPending;

  const edit = (field: FormField, value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      if (current[field] === undefined) return current;
      const next = { ...current };
      delete next[field];
      return next;
    });
  };

  const showErrors = (fields: FieldErrors, other: string[], fallback?: AppError) => {
    setErrors(fields);
    if (other.length) setFormError({ message: other.join(' ') });
    else if (fallback && Object.keys(fields).length === 0) setFormError({ message: fallback.message, hint: fallback.hint });
    else setFormError(null);
    const first = FORM_FIELDS.find((field) => fields[field] !== undefined);
    if (first) form.current?.querySelector<HTMLElement>(`[data-testid="server-form-${first}"]`)?.focus();
  };

  const onFailure = (error: AppError) => {
    if (FIELD_ERROR_CODES.has(error.code) && error.issues?.length) {
      const { fields, other } = fieldErrors(error.issues);
      showErrors(fields, other, error);
    } else {
      showErrors({}, [], error);
    }
  };

  const onSaved = (saved: Server, verb: string) => {
    toast.success(`${verb} ${saved.name}`);
    onClose();
  };

  /** Says whether the new server is watched, and offers its health page as the next step. */
  const onCreated = (created: CreatedServer) => {
    const detail = created.check ? `Watched by a TCP check on port ${created.check.port}.` : 'Not watched: add a check on its health page.';
    toast.success(`Added ${created.name}`, detail, { label: 'Open its health page', href: serverHealthHref(created.id) });
    onClose();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (pending) return;
    setFormError(null);
    if (server) {
      const result = checkUpdate(server.id, values);
      if (!result.ok) return showErrors(result.errors, result.other);
      update.mutate(result.input, { onSuccess: (saved) => onSaved(saved, 'Saved'), onError: onFailure });
    } else {
      const result = checkCreate(values);
      if (!result.ok) return showErrors(result.errors, result.other);
      create.mutate(result.input, { onSuccess: onCreated, onError: onFailure });
    }
  };

  const text = (field: FormField) => ({
    value: values[field],
    onChange: (event: { target: { value: string } }) => edit(field, event.target.value),
  });

  return (
    <Dialog
      title={server ? 'Edit server' : 'Add server'}
      description={server ? `Changes to ${server.name} apply at once.` : 'Only name and host are required.'}
      onClose={onClose}
      testId="server-form-dialog"
    >
      <form ref={form} className="dialog__body form" onSubmit={submit} noValidate aria-busy={pending}>
        {formError ? (
          <div className="banner banner--error" role="alert">
            <p>{formError.message}</p>
            {formError.hint ? <p className="banner__hint">{formError.hint}</p> : null}
          </div>
        ) : null}
        <Field label="Name" error={errors.name} testId="server-form-name">
          {(control) => <input {...control} {...text('name')} className="input" autoComplete="off" data-autofocus />}
        </Field>
        <div className="form__row">
          <Field label="Host" error={errors.host} help="DNS name, IPv4 or IPv6 address" testId="server-form-host">
            {(control) => <input {...control} {...text('host')} className="input" autoComplete="off" spellCheck={false} />}
          </Field>
          <Field label="SSH port" error={errors.port} testId="server-form-port">
            {(control) => <input {...control} {...text('port')} className="input input--port" inputMode="numeric" />}
          </Field>
        </div>
        <div className="form__row form__row--even">
          <Field label="User" error={errors.user} help="Login name for SSH; optional" testId="server-form-user">
            {(control) => <input {...control} {...text('user')} className="input" autoComplete="off" spellCheck={false} />}
          </Field>
          <Field label="Environment" error={errors.environment} testId="server-form-environment">
            {(control) => <input {...control} {...text('environment')} className="input" list={environmentsId} autoComplete="off" />}
          </Field>
          <datalist id={environmentsId}>
            {facets.data?.environments.map((env) => (
              <option key={env.value} value={env.value} />
            ))}
          </datalist>
        </div>
        <Field
          label="Connect through"
          error={errors.jumpHostId}
          help="A jump host (as ssh -J): SSH checks and runs reach this server through it, each with its own vault credential"
          testId="server-form-jumpHostId"
        >
          {(control) => (
            <select {...control} {...text('jumpHostId')} className="input select">
              <option value="">Directly</option>
              {jumpHosts.map((each) => (
                <option key={each.id} value={each.id}>
                  {each.name} ({each.host})
                </option>
              ))}
              {jumpHostGone ? <option value={values.jumpHostId}>A server that is gone</option> : null}
            </select>
          )}
        </Field>
        <Field
          label="Depends on"
          error={errors.dependsOnId}
          help="The server it sits behind (a router, a hypervisor): while that one is down, this one's alerts are held back"
          testId="server-form-dependsOnId"
        >
          {(control) => (
            <select {...control} {...text('dependsOnId')} className="input select">
              <option value="">Nothing</option>
              {parents.map((each) => (
                <option key={each.id} value={each.id}>
                  {each.name} ({each.host})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Tags" error={errors.tags} help="Separate tags with commas or spaces" testId="server-form-tags">
          {(control) => <input {...control} {...text('tags')} className="input" autoComplete="off" spellCheck={false} />}
        </Field>
        <Field label="Notes" error={errors.notes} testId="server-form-notes">
          {(control) => <textarea {...control} {...text('notes')} className="input textarea" rows={3} />}
        </Field>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.agentForwarding}
            // Lending the agent is as much as running commands: only roles that may run them turn it on (the service checks too).
            disabled={!mayForward && !values.agentForwarding}
            onChange={(event) => setValues((current) => ({ ...current, agentForwarding: event.target.checked }))}
            aria-describedby={agentHelpId}
            data-testid="server-form-agentForwarding"
          />
          Forward Guardian’s SSH agent to it for commands
        </label>
        <p className="field__help" id={agentHelpId}>
          As ssh -A, never to its jump hosts: while a command runs, the server can use the agent’s keys to log in wherever they open.
          {mayForward ? '' : ' Only owners and admins turn it on.'}
        </p>
        {server ? null : (
          <fieldset className="form__group" data-testid="server-form-watch-group">
            <legend className="visually-hidden">Monitoring</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={values.watch}
                onChange={(event) => setValues((current) => ({ ...current, watch: event.target.checked }))}
                data-testid="server-form-watch"
              />
              Watch it with a check
            </label>
            {values.watch ? (
              <Field
                label="Port to watch"
                error={errors.checkPort}
                help={`A TCP connection to this port, e.g. 443 for a web server. Empty: the SSH port (${values.port.trim() || '22'}).`}
                testId="server-form-checkPort"
              >
                {(control) => (
                  <input {...control} {...text('checkPort')} className="input input--port" inputMode="numeric" placeholder={values.port.trim() || '22'} />
                )}
              </Field>
            ) : (
              <p className="field__help" data-testid="server-form-unwatched">
                Nothing will watch this server until you add a check on its health page.
              </p>
            )}
          </fieldset>
        )}
        <footer className="dialog__footer">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" {...busyProps(pending)}>
            {pending ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
