import type { AlertChannel } from '@shared/api/alerts';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useCan } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { EditDeleteButtons } from '../ui/EditDeleteButtons';
import { LoadingState } from '../ui/PageParts';
import { channelTypeForm } from './channel-types';

const COLUMNS = 5;

interface ChannelActions {
  /** Absent when the role may not change channels. */
  onEdit?: ((channel: AlertChannel) => void) | undefined;
  onDelete?: ((channel: AlertChannel) => void) | undefined;
}

/** A secret by its name, for roles that may list the vault; never its value. */
function SecretName({ id, names }: { id: string | null; names: ReadonlyMap<string, string> | null }) {
  if (id === null) return <span className="muted">None</span>;
  if (names === null) return <span className="muted">A vault secret</span>;
  return <>{names.get(id) ?? <span className="muted">A secret no longer in the vault</span>}</>;
}

function TestResult({ test }: { test: ReturnType<typeof useMethodMutation<'alerts.testChannel'>> }) {
  if (test.isPending) return <span className="muted">Sending a test…</span>;
  if (test.isError) return <span className="alerts-test alerts-test--failed">{test.error.message}</span>;
  const result = test.data;
  if (!result) return null;
  return (
    <span className={`alerts-test alerts-test--${result.delivered ? 'delivered' : 'failed'}`} data-delivered={result.delivered}>
      <span className={`badge ${result.delivered ? 'badge--succeeded' : 'badge--failed'}`}>{result.delivered ? 'Delivered' : 'Not delivered'}</span>{' '}
      {result.statusCode !== null ? `HTTP ${result.statusCode}` : 'no answer'}, {result.latencyMs} ms
      {result.error ? <span className="alerts-test__error"> — {result.error}</span> : null}
    </span>
  );
}

function ChannelRow({
  channel,
  names,
  mayChange,
  onEdit,
  onDelete,
}: { channel: AlertChannel; names: ReadonlyMap<string, string> | null; mayChange: boolean } & ChannelActions) {
  const test = useMethodMutation('alerts.testChannel');
  const update = useMethodMutation('alerts.updateChannel');
  const form = channelTypeForm(channel.type);
  const toggle = () =>
    update.mutate(
      { id: channel.id, enabled: !channel.enabled },
      { onSuccess: (saved) => toast.success(`${saved.name} ${saved.enabled ? 'enabled' : 'disabled'}`), onError: (error) => toast.error(error) },
    );
  const tested = test.isPending || test.isError || test.data !== undefined;
  return (
    <>
      <tr data-testid="channel-row">
        <td className="cell--name">{channel.name}</td>
        <td>
          <div>{form?.label ?? channel.type}</div>
          <div className="mono muted alerts-target">{form?.target(channel.config)}</div>
        </td>
        <td>
          <SecretName id={channel.secretId} names={names} />
          {channel.previousSecretId !== null ? (
            <div className="muted">
              and, while rotating, <SecretName id={channel.previousSecretId} names={names} />
            </div>
          ) : null}
        </td>
        <td>
          <span className={`badge ${channel.enabled ? 'badge--succeeded' : 'badge--failed'}`}>{channel.enabled ? 'Enabled' : 'Disabled'}</span>
          {!channel.enabled && channel.disabledReason ? (
            <div className="muted alerts-reason" data-testid="channel-disabled-reason">
              {channel.disabledReason}
            </div>
          ) : null}
        </td>
        <td className="simple-table__actions">
          {mayChange ? (
            <div className="row-actions">
              <button
                type="button"
                className="button button--small"
                aria-label={`Send test to ${channel.name}`}
                disabled={test.isPending}
                onClick={() => test.mutate({ id: channel.id })}
              >
                Send test
              </button>
              <button
                type="button"
                className="button button--small"
                aria-label={`${channel.enabled ? 'Disable' : 'Enable'} ${channel.name}`}
                disabled={update.isPending}
                onClick={toggle}
              >
                {channel.enabled ? 'Disable' : 'Enable'}
              </button>
              <EditDeleteButtons name={channel.name} onEdit={onEdit && (() => onEdit(channel))} onDelete={onDelete && (() => onDelete(channel))} />
            </div>
          ) : null}
        </td>
      </tr>
      {tested ? (
        <tr className="alerts-subrow">
          <td colSpan={COLUMNS} role="status" data-testid="channel-test-result">
            <TestResult test={test} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The channels: type and target, the secret by name, enabled or why not; test, toggle, edit, delete. */
export function ChannelsSection({ mayChange, onEdit, onDelete }: { mayChange: boolean } & ChannelActions) {
  const mayListSecrets = useCan()('vault:read');
  const channels = useMethodQuery('alerts.channels', {});
  const secrets = useMethodQuery('secrets.list', {}, { enabled: mayListSecrets });
  const names = mayListSecrets && secrets.data ? new Map(secrets.data.items.map((secret) => [secret.id, secret.name])) : null;

  if (channels.isPending) return <LoadingState spinner={false}>Loading channels…</LoadingState>;
  if (channels.isError) return <ErrorState error={channels.error} what="the alert channels" onRetry={() => void channels.refetch()} />;
  if (channels.data.items.length === 0) {
    return <p className="muted">No channels yet. {mayChange ? 'Add one to say where notifications go.' : ''}</p>;
  }
  return (
    <table className="simple-table" aria-label="Channels" data-testid="channel-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Secret</th>
          <th scope="col">State</th>
          <th scope="col" className="simple-table__actions">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {channels.data.items.map((channel) => (
          <ChannelRow key={channel.id} channel={channel} names={names} mayChange={mayChange} onEdit={onEdit} onDelete={onDelete} />
        ))}
      </tbody>
    </table>
  );
}
