import { useState, type FormEvent } from 'react';
import { monitoringSetServerLimit } from '@shared/api/monitoring';
import { useMethodMutation, useMethodQuery } from '../../api/hooks';
import { useCan } from '../../auth/session';
import { busyProps } from '../../ui/busy';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { Field } from '../../ui/Field';
import type { ServerTarget } from '../editor/check-form';

/**
 * Under a server's checks: how many of them may run at once against its host (the fleet's
 * per-host cap, or the server's own), and, for those who may change it, a way to give the server
 * its own cap or take it back (docs/monitoring.md).
 */
export function ServerCapControl({ server }: { server: ServerTarget }) {
  const settings = useMethodQuery('monitoring.settings', {});
  const limits = useMethodQuery('monitoring.serverLimits', {});
  const mayWrite = useCan()('servers:write');
  const set = useMethodMutation('monitoring.setServerLimit');
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  if (!settings.data || !limits.data) return <ErrorBanner error={settings.error ?? limits.error} />;

  const own = limits.data.items.find((item) => item.serverId === server.id)?.maxChecks ?? null;
  const cap = own ?? settings.data.maxChecksPerHost;
  const save = (maxChecks: unknown) =>
    set.mutate(monitoringSetServerLimit.input.parse({ serverId: server.id, maxChecks }), {
      onSuccess: () => setEditing(false),
      onError: (failure) => setError(failure.issues?.[0]?.message ?? failure.message),
    });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (set.isPending) return;
    const typed = value.trim();
    const parsed = monitoringSetServerLimit.input.shape.maxChecks.safeParse(/^\d+$/.test(typed) ? Number(typed) : typed);
    if (!parsed.success || parsed.data === null) return setError(/^\d+$/.test(typed) ? parsed.error?.issues[0]?.message : 'Enter a whole number');
    save(parsed.data);
  };

  return (
    <div className="server-cap" data-testid="server-cap-control">
      <p className="muted" data-testid="server-cap-text">
        At most {cap} of these checks run at once against {server.host}
        {own === null ? ' (the fleet’s per-host cap).' : ' (this server’s own cap).'}
      </p>
      {mayWrite && !editing ? (
        <div className="server-cap__actions">
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setValue(String(cap));
              setError(undefined);
              setEditing(true);
            }}
          >
            Change
          </button>
          {own !== null ? (
            <button type="button" className="button button--small" disabled={set.isPending} onClick={() => save(null)}>
              Use the fleet’s cap
            </button>
          ) : null}
        </div>
      ) : null}
      {editing ? (
        <form className="server-cap__form" onSubmit={submit} noValidate aria-label={`Checks at once against ${server.host}`}>
          <Field label="Checks at once against this host" error={error} help="1 to 256" testId="server-cap-input">
            {(control) => (
              <input
                {...control}
                className="input input--port"
                inputMode="numeric"
                autoFocus
                value={value}
                onChange={(event) => {
                  setValue(event.target.value);
                  setError(undefined);
                }}
              />
            )}
          </Field>
          <button type="submit" className="button button--small button--primary" {...busyProps(set.isPending)}>
            Save
          </button>
          <button type="button" className="button button--small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      <ErrorBanner error={set.error && !set.error.issues?.length ? set.error : null} />
    </div>
  );
}
