import { useState, type FormEvent } from 'react';
import { monitoringUpdateSettings, type MonitoringSettings } from '@shared/api/monitoring';
import { useMethodMutation, useMethodQuery } from '../../api/hooks';
import { useCan } from '../../auth/session';
import { busyProps } from '../../ui/busy';
import { ErrorBanner } from '../../ui/ErrorBanner';
import { Field } from '../../ui/Field';
import { TrashIcon } from '../../ui/icons';

type Values = { fleet: string; host: string };
type Errors = Partial<Record<keyof Values, string>>;

const FIELD_OF: Record<string, keyof Values> = { maxConcurrentChecks: 'fleet', maxChecksPerHost: 'host' };

const CAP_FIELDS: readonly { field: keyof Values; label: string; help: string }[] = [
  { field: 'fleet', label: 'Across the fleet', help: '1 to 1024 checks running at the same time' },
  { field: 'host', label: 'Against one host', help: '1 to 256; a server can have its own, below' },
];

/** The typed numbers as monitoring.updateSettings' input, for its schema to judge (a word stays a word, and is refused). */
export function capsInput(values: Values): unknown {
  const number = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text);
  return { maxConcurrentChecks: number(values.fleet), maxChecksPerHost: number(values.host) };
}

function CapsForm({ settings, mayWrite }: { settings: MonitoringSettings; mayWrite: boolean }) {
  const [values, setValues] = useState<Values>({ fleet: String(settings.maxConcurrentChecks), host: String(settings.maxChecksPerHost) });
  const [errors, setErrors] = useState<Errors>({});
  const update = useMethodMutation('monitoring.updateSettings');
  const edit = (patch: Partial<Values>) => {
    setValues((current) => ({ ...current, ...patch }));
    setErrors({});
    update.reset();
  };
  const place = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) => {
    const placed: Errors = {};
    for (const issue of issues) {
      const field = FIELD_OF[String(issue.path[issue.path.length - 1])];
      if (field) placed[field] ??= /^\d+$/.test(values[field].trim()) ? issue.message : 'Enter a whole number';
    }
    setErrors(placed);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (update.isPending) return;
    const parsed = monitoringUpdateSettings.input.safeParse(capsInput(values));
    if (!parsed.success) return place(parsed.error.issues);
    update.mutate(parsed.data, { onError: (error) => place(error.issues ?? []) });
  };

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={update.isPending} aria-label="Checks at once">
      <div className="form__row form__row--even">
        {CAP_FIELDS.map(({ field, label, help }) => (
          <Field key={field} label={label} error={errors[field]} help={help} testId={`caps-${field}`}>
            {(control) => (
              <input
                {...control}
                className="input"
                inputMode="numeric"
                disabled={!mayWrite}
                value={values[field]}
                onChange={(event) => edit({ [field]: event.target.value })}
              />
            )}
          </Field>
        ))}
      </div>
      <ErrorBanner error={update.error && !update.error.issues?.length ? update.error : null} />
      {mayWrite ? (
        <div className="form__actions">
          {update.isSuccess ? (
            <p className="muted" role="status" data-testid="caps-saved">
              Saved: in force now.
            </p>
          ) : null}
          <button type="submit" className="button button--primary" {...busyProps(update.isPending)} data-testid="caps-save">
            Save
          </button>
        </div>
      ) : (
        <p className="panel__text">An owner, admin or operator changes these.</p>
      )}
    </form>
  );
}

/** The servers with their own cap, each with a link to its page (where the cap is set) and a way back to the fleet's. */
function ServerCaps({ mayWrite, hostCap }: { mayWrite: boolean; hostCap: number }) {
  const limits = useMethodQuery('monitoring.serverLimits', {});
  const remove = useMethodMutation('monitoring.setServerLimit');
  const items = limits.data?.items ?? [];
  return (
    <>
      <h3 className="panel__subtitle">Servers with their own cap</h3>
      <ErrorBanner error={limits.error ?? remove.error} />
      {limits.data && items.length === 0 ? (
        <p className="muted" data-testid="server-caps-empty">
          None: every server’s checks run at most {hostCap} at a time against its host. A server’s own cap is set on its health page.
        </p>
      ) : null}
      {items.length > 0 ? (
        <table className="simple-table" aria-label="Servers with their own cap" data-testid="server-caps">
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">Host</th>
              <th scope="col" className="simple-table__num">
                Checks at once
              </th>
              {mayWrite ? (
                <th scope="col" className="simple-table__actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.serverId} data-testid="server-cap">
                <td>
                  <a href={`#/servers/${item.serverId}/health`}>{item.serverName}</a>
                </td>
                <td>{item.host}</td>
                <td className="simple-table__num">{item.maxChecks}</td>
                {mayWrite ? (
                  <td className="simple-table__actions">
                    <button
                      type="button"
                      className="icon-button icon-button--danger"
                      aria-label={`Remove ${item.serverName}’s own cap`}
                      title="Use the fleet’s per-host cap"
                      disabled={remove.isPending}
                      onClick={() => remove.mutate({ serverId: item.serverId, maxChecks: null })}
                    >
                      <TrashIcon />
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/**
 * Settings → Checks at once: how many checks may run at the same time, across the fleet and
 * against one host, and the servers with their own cap. Too low, and checks run late: the overview
 * says so, naming the cap that holds them (docs/monitoring.md).
 */
export function ConcurrencyPanel() {
  const settings = useMethodQuery('monitoring.settings', {});
  const mayWrite = useCan()('servers:write');
  return (
    <section className="panel" aria-labelledby="caps-title" data-testid="concurrency-panel">
      <h2 id="caps-title" className="panel__title">
        Checks at once
      </h2>
      <p className="panel__text">
        How many checks may run at the same time. Too few for the fleet, and checks run later than their interval: the overview then says which cap holds them.
      </p>
      <ErrorBanner error={settings.error} />
      {settings.data ? (
        <>
          <CapsForm key={`${settings.data.maxConcurrentChecks}/${settings.data.maxChecksPerHost}`} settings={settings.data} mayWrite={mayWrite} />
          <ServerCaps mayWrite={mayWrite} hostCap={settings.data.maxChecksPerHost} />
        </>
      ) : null}
    </section>
  );
}
