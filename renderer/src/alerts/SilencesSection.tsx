import type { AlertSilence, SilenceState } from '@shared/api/alerts';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { LoadingState } from '../ui/PageParts';
import { describeMatch, SERVER_CHOICES } from './rule-form';

/** Silences listed at most; expired ones beyond it are in the audit log. */
const SILENCES_SHOWN = 200;
/** How often the list is read again, so each silence's state follows the clock. */
const STATE_POLL_MS = 30_000;

const GROUPS: { state: SilenceState; title: string }[] = [
  { state: 'active', title: 'Active' },
  { state: 'upcoming', title: 'Upcoming' },
  { state: 'expired', title: 'Expired' },
];

/**
 * The silences, active first, then upcoming, then expired (latest end first), each with what it
 * matches, why, who added it and when it ends; a writer may expire one that has not ended.
 */
export function SilencesSection({ onExpire }: { onExpire?: ((silence: AlertSilence) => void) | undefined }) {
  // A silence moves from upcoming to active to expired by the clock alone, which no event announces.
  const silences = useMethodQuery('alerts.silences', { limit: SILENCES_SHOWN }, { refetchInterval: STATE_POLL_MS });
  const servers = useMethodQuery('servers.list', { limit: SERVER_CHOICES });
  const serverName = (id: string) => servers.data?.items.find((server) => server.id === id)?.name ?? 'a deleted server';

  if (silences.isPending) return <LoadingState spinner={false}>Loading silences…</LoadingState>;
  if (silences.isError) return <ErrorState error={silences.error} what="the silences" onRetry={() => void silences.refetch()} />;
  if (silences.data.items.length === 0) return <p className="muted">No silences: every incident a rule matches is sent.</p>;
  return (
    <>
      {GROUPS.map(({ state, title }) => {
        const items = silences.data.items.filter((silence) => silence.state === state);
        if (items.length === 0) return null;
        return (
          <table key={state} className="simple-table" aria-label={`${title} silences`} data-testid={`silences-${state}`}>
            <caption className="alerts-caption">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Matches</th>
                <th scope="col">Reason</th>
                <th scope="col">From</th>
                <th scope="col">Until</th>
                <th scope="col">Added by</th>
                <th scope="col" className="simple-table__actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((silence) => (
                <tr key={silence.id} data-testid="silence-row" data-state={silence.state}>
                  <td>
                    {describeMatch(silence.match, serverName).map((part) => (
                      <div key={part}>{part}</div>
                    ))}
                  </td>
                  <td>{silence.reason}</td>
                  <td title={formatDateTime(silence.startsAt)}>{formatDateTime(silence.startsAt)}</td>
                  <td title={formatDateTime(silence.endsAt)}>
                    {formatRelative(silence.endsAt)}
                    {silence.expiredAt !== null ? (
                      <div className="muted" data-testid="silence-expired-by">
                        expired early by {silence.expiredBy}
                        {silence.expireReason ? `: ${silence.expireReason}` : ''}
                      </div>
                    ) : null}
                  </td>
                  <td>{silence.createdBy}</td>
                  <td className="simple-table__actions">
                    {onExpire && silence.state !== 'expired' ? (
                      <button
                        type="button"
                        className="button button--small"
                        onClick={() => onExpire(silence)}
                        aria-label={`Expire the silence: ${silence.reason}`}
                      >
                        Expire
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        );
      })}
    </>
  );
}
