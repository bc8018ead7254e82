import { useState, type FormEvent } from 'react';
import { CheckPort, ServerHost, type CreatedServer, type ProbeResult } from '@shared/api/servers';
import { useMethodMutation } from '../api/hooks';
import { checkCreate, DEFAULT_PORT, fieldErrors, valuesFromServer, type FieldErrors } from '../servers/form/server-form';
import { busyProps } from '../ui/busy';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Field } from '../ui/Field';
import { ProbeOutcome } from './ProbeOutcome';

interface ServerStepProps {
  /** `check`: the server is watched by a TCP check on the port tested. */
  onAdded(server: CreatedServer, check: boolean): void;
  onSkip(): void;
  pending: boolean;
}

/**
 * Step 6: the first server, with a live connection test of the port to watch before it is added,
 * and a TCP check on that port (the monitoring defaults apply), made with the server in one call,
 * so the overview watches it from the start. The port tested is the check's; the server's SSH
 * port is its own field.
 */
export function ServerStep({ onAdded, onSkip, pending }: ServerStepProps) {
  const [values, setValues] = useState({ name: '', host: '', checkPort: DEFAULT_PORT, port: DEFAULT_PORT });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [probed, setProbed] = useState<{ target: string; result: ProbeResult } | null>(null);
  const probe = useMethodMutation('servers.probe');
  const create = useMethodMutation('servers.create');

  const edit = (patch: Partial<typeof values>) => {
    setValues({ ...values, ...patch });
    setErrors({});
    setProbed(null);
    probe.reset();
  };

  const test = () => {
    const host = ServerHost.safeParse(values.host);
    const port = CheckPort.safeParse(/^\d+$/.test(values.checkPort.trim()) ? Number(values.checkPort) : values.checkPort);
    const problems: FieldErrors = {};
    if (!host.success) problems.host = host.error.issues[0]?.message;
    if (!port.success) problems.checkPort = port.error.issues[0]?.message;
    setErrors(problems);
    if (!host.success || !port.success) return;
    const target = `${host.data}:${port.data}`;
    probe.mutate({ host: host.data, port: port.data }, { onSuccess: (result) => setProbed({ target, result }) });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    const checked = checkCreate({ ...valuesFromServer(), ...values, watch: true });
    if (!checked.ok) return setErrors(checked.errors);
    create.mutate(checked.input, {
      onSuccess: (server) => onAdded(server, server.check !== null),
      onError: (error) => setErrors(fieldErrors(error.issues ?? []).fields),
    });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={create.isPending} aria-label="First server">
      <p className="auth-card__text">
        Name a machine you look after, where it answers and the port of the service to watch (443 for a web server, 22 for SSH alone). Test the connection to
        see that Guardian can reach it; it then watches that port with a check. You can add more servers, or import a whole fleet, later.
      </p>
      <ErrorBanner error={create.error ?? probe.error} testId="server-step-error" />
      <Field label="Name" error={errors.name} help="How you call it, e.g. web-01." testId="wizard-server-name">
        {(control) => (
          <input {...control} className="input" autoComplete="off" autoFocus value={values.name} onChange={(event) => edit({ name: event.target.value })} />
        )}
      </Field>
      <div className="form__row">
        <Field label="Host" error={errors.host} help="DNS name, IPv4 or IPv6 address" testId="wizard-server-host">
          {(control) => (
            <input
              {...control}
              className="input"
              autoComplete="off"
              spellCheck={false}
              value={values.host}
              onChange={(event) => edit({ host: event.target.value })}
            />
          )}
        </Field>
        <Field label="Port to watch" error={errors.checkPort} help="Tested now, then checked" testId="wizard-server-check-port">
          {(control) => (
            <input
              {...control}
              className="input input--port"
              inputMode="numeric"
              value={values.checkPort}
              onChange={(event) => edit({ checkPort: event.target.value })}
            />
          )}
        </Field>
      </div>
      <Field label="SSH port" error={errors.port} help="Where Guardian opens SSH sessions to it; 22 unless you changed it" testId="wizard-server-port">
        {(control) => (
          <input {...control} className="input input--port" inputMode="numeric" value={values.port} onChange={(event) => edit({ port: event.target.value })} />
        )}
      </Field>
      <div className="form__inline">
        <button type="button" className="button" {...busyProps(probe.isPending)} onClick={test}>
          {probe.isPending ? 'Testing…' : 'Test connection'}
        </button>
        {probe.isPending ? <span className="spinner" role="status" aria-label="Testing the connection" /> : null}
      </div>
      {probed ? <ProbeOutcome target={probed.target} result={probed.result} /> : null}
      <div className="form__actions">
        <button type="button" className="button" {...busyProps(pending || create.isPending)} onClick={onSkip}>
          Skip
        </button>
        <button type="submit" className="button button--primary" {...busyProps(pending || create.isPending)}>
          {create.isPending ? 'Adding…' : 'Add server'}
        </button>
      </div>
    </form>
  );
}
