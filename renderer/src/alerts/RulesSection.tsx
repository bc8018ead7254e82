import type { AlertRule } from '@shared/api/alerts';
import { describeEscalation } from '@shared/alerts/escalation';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { EditDeleteButtons } from '../ui/EditDeleteButtons';
import { LoadingState } from '../ui/PageParts';
import { describeRule, SERVER_CHOICES } from './rule-form';

interface RuleActions {
  /** Absent when the role may not change rules. */
  onEdit?: ((rule: AlertRule) => void) | undefined;
  onDelete?: ((rule: AlertRule) => void) | undefined;
}

/** The rules: what each matches, where it sends and who is told next while nobody acknowledges, whether it is on. */
export function RulesSection({ onEdit, onDelete }: RuleActions) {
  const rules = useMethodQuery('alerts.rules', {});
  const channels = useMethodQuery('alerts.channels', {});
  const servers = useMethodQuery('servers.list', { limit: SERVER_CHOICES });
  const channelName = (id: string) => channels.data?.items.find((channel) => channel.id === id)?.name ?? 'a deleted channel';
  const serverName = (id: string) => servers.data?.items.find((server) => server.id === id)?.name ?? 'a deleted server';

  if (rules.isPending) return <LoadingState spinner={false}>Loading rules…</LoadingState>;
  if (rules.isError) return <ErrorState error={rules.error} what="the alert rules" onRetry={() => void rules.refetch()} />;
  if (rules.data.items.length === 0) {
    return <p className="muted">No rules yet: no incident is sent anywhere. {onEdit ? 'Add a rule to say which incidents go to which channels.' : ''}</p>;
  }
  return (
    <table className="simple-table" aria-label="Rules" data-testid="rule-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Matches</th>
          <th scope="col">Sends to</th>
          <th scope="col">State</th>
          <th scope="col" className="simple-table__actions">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rules.data.items.map((rule) => (
          <tr key={rule.id} data-testid="rule-row">
            <td className="cell--name">{rule.name}</td>
            <td>
              {describeRule(rule, serverName).map((part) => (
                <div key={part}>{part}</div>
              ))}
            </td>
            <td>
              {rule.channelIds.map(channelName).join(', ')}
              {rule.escalation.length > 0 || rule.repeatMinutes !== null ? (
                <div className="muted" data-testid="rule-escalation">
                  {describeEscalation(rule, channelName)}
                </div>
              ) : null}
            </td>
            <td>
              <span className={`badge ${rule.enabled ? 'badge--succeeded' : ''}`}>{rule.enabled ? 'Enabled' : 'Disabled'}</span>
            </td>
            <td className="simple-table__actions">
              <div className="row-actions">
                <EditDeleteButtons name={rule.name} onEdit={onEdit && (() => onEdit(rule))} onDelete={onDelete && (() => onDelete(rule))} />
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
