import { keepPreviousData } from '@tanstack/react-query';
import { Fragment, useId, useState } from 'react';
import type { DeliveryAttempt, Notification, NotificationState } from '@shared/api/alerts';
import { useMethodQuery } from '../api/hooks';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative, plural } from '../ui/format';
import { LoadingState } from '../ui/PageParts';

/** Notifications shown at first, newest first, and how many more each "Show older" adds. */
export const DELIVERY_PAGE = 50;
/** The most the contract lists at once. */
const DELIVERY_MAX = 500;
/** The log has no event of its own (a notification is not a settings change): it is read again this often… */
const IDLE_POLL_MS = 5_000;
/** …and more often while something is on its way. */
const IN_FLIGHT_POLL_MS = 2_000;
const COLUMNS = 6;

const STATE_LABELS: Record<NotificationState, string> = {
  pending: 'Pending',
  delivering: 'Delivering',
  delivered: 'Delivered',
  failed: 'Failed',
  'given-up': 'Given up',
  silenced: 'Silenced',
};
const STATE_BADGE: Record<NotificationState, string> = {
  pending: 'badge--queued',
  delivering: 'badge--running',
  delivered: 'badge--succeeded',
  failed: 'badge--failed',
  'given-up': 'badge--given-up',
  silenced: 'badge--given-up',
};
const SOURCE_LABELS: Record<Notification['source'], string> = {
  'incident.opened': 'Incident opened',
  'incident.worsened': 'Now down',
  'incident.resolved': 'Incident resolved',
  'incident.acknowledged': 'Incident acknowledged',
  'incident.unacknowledged': 'Still unacknowledged',
  'security.lockout': 'Sign-in locked out',
  'security.signin-burst': 'Burst of failed sign-ins',
  'audit.chain-broken': 'Audit chain broken',
  'apikey.created': 'API key created',
  'job.failed': 'Job failed',
};
const OUTCOME_LABELS: Record<DeliveryAttempt['outcome'], string> = { delivered: 'Delivered', retry: 'Will retry', failed: 'Failed', 'given-up': 'Given up' };

const attemptsLabel = (count: number) => (count === 1 ? '1 attempt' : `${count} attempts`);
const inFlight = (item: Notification) => item.state === 'pending' || item.state === 'delivering';

function Attempts({ notification }: { notification: Notification }) {
  if (notification.log.length === 0) return <p className="muted">No attempt yet.</p>;
  return (
    <table className="simple-table alerts-attempts" aria-label={`Attempts of notification ${notification.id}`}>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Answer</th>
          <th scope="col" className="simple-table__num">
            Latency
          </th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        {notification.log.map((attempt, index) => (
          <tr key={`${attempt.at}-${index}`} data-testid="delivery-attempt">
            <td>{formatDateTime(attempt.at)}</td>
            <td>{attempt.error ?? (attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : '—')}</td>
            <td className="simple-table__num">{attempt.latencyMs} ms</td>
            <td>{OUTCOME_LABELS[attempt.outcome]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Every notification, newest first, with its state and each attempt to deliver it; one channel's
 * alone if picked; one incident's alone when given (who was told of it, when, and how it went).
 */
export function DeliveryLog({ incidentId }: { incidentId?: string } = {}) {
  const [channelId, setChannelId] = useState('');
  const [limit, setLimit] = useState(DELIVERY_PAGE);
  const [expanded, setExpanded] = useState<string | null>(null);
  const filterId = useId();
  const channels = useMethodQuery('alerts.channels', {});
  const rules = useMethodQuery('alerts.rules', {});
  const silences = useMethodQuery('alerts.silences', { limit: 500 });
  const deliveries = useMethodQuery(
    'alerts.deliveries',
    { limit, ...(channelId ? { channelId } : {}), ...(incidentId ? { incidentId } : {}) },
    {
      // Asking for older ones keeps the list on screen until they arrive; another channel's starts afresh.
      placeholderData: (previous, previousQuery) =>
        previousQuery?.queryKey[1].channelId === (channelId || undefined) ? keepPreviousData(previous) : undefined,
      refetchInterval: (query) => (query.state.data?.items.some(inFlight) ? IN_FLIGHT_POLL_MS : IDLE_POLL_MS),
    },
  );
  const channelName = (id: string) => channels.data?.items.find((channel) => channel.id === id)?.name ?? 'a deleted channel';
  const ruleName = (id: string) => rules.data?.items.find((rule) => rule.id === id)?.name ?? 'a deleted rule';
  /** "silenced by …, reason …": who held it back and why, from the silence it names. */
  const silencedBy = (item: Notification) => {
    if (item.silenceId === null) return null;
    const silence = silences.data?.items.find((each) => each.id === item.silenceId);
    const who = silence ? `${silence.createdBy}: ${silence.reason}` : 'a silence no longer listed';
    return item.state === 'silenced' ? `silenced by ${who}` : `held back until its silence ended (${who})`;
  };
  /** "held back: it depends on router-1, which is down": the server whose incident explained it. */
  const heldBehind = ({ heldBy, state }: Notification) => {
    if (heldBy === null) return null;
    const parent = heldBy.serverName ?? 'a server since removed';
    return state === 'silenced' ? `held back: it depends on ${parent}, which is down` : `held back until ${parent}, which it depends on, recovered`;
  };

  return (
    <>
      <div className="filters__row">
        <label className="field__label" htmlFor={filterId}>
          Channel
        </label>
        <select
          id={filterId}
          className="input select alerts-filter"
          value={channelId}
          onChange={(event) => {
            setChannelId(event.target.value);
            setLimit(DELIVERY_PAGE);
          }}
          data-testid="delivery-channel-filter"
        >
          <option value="">All channels</option>
          {channels.data?.items.map((channel) => (
            <option key={channel.id} value={channel.id}>
              {channel.name}
            </option>
          ))}
        </select>
        {deliveries.data ? (
          <span className="page__count">
            {deliveries.data.total > deliveries.data.items.length
              ? `newest ${deliveries.data.items.length} of ${deliveries.data.total}`
              : plural(deliveries.data.total, 'notification', 'notifications')}
          </span>
        ) : null}
      </div>
      {deliveries.isPending ? (
        <LoadingState spinner={false}>Loading the delivery log…</LoadingState>
      ) : deliveries.isError ? (
        <ErrorState error={deliveries.error} what="the delivery log" onRetry={() => void deliveries.refetch()} />
      ) : deliveries.data.items.length === 0 ? (
        <p className="muted" data-testid="delivery-empty">
          {incidentId
            ? channelId
              ? 'Nothing about this incident was sent to this channel.'
              : 'Nobody was notified of this incident: no alert rule matches it (Alerts page).'
            : channelId
              ? 'Nothing sent to this channel yet.'
              : 'No notification yet: incidents matching a rule appear here, with every attempt to deliver them.'}
        </p>
      ) : (
        <table className="simple-table" aria-label={incidentId ? 'Who was notified of this incident' : 'Delivery log'} data-testid="delivery-table">
          <thead>
            <tr>
              <th scope="col">Written</th>
              <th scope="col">Event</th>
              <th scope="col">Channel</th>
              <th scope="col">State</th>
              <th scope="col">Last attempt</th>
              <th scope="col">
                <span className="visually-hidden">Attempts</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((item) => {
              const last = item.log.at(-1);
              const open = expanded === item.id;
              return (
                <Fragment key={item.id}>
                  <tr data-testid="delivery-row" data-state={item.state}>
                    <td title={formatDateTime(item.createdAt)}>{formatRelative(item.createdAt)}</td>
                    <td>
                      <div>{SOURCE_LABELS[item.source]}</div>
                      <div className="muted">rule {ruleName(item.ruleId)}</div>
                    </td>
                    <td>{channelName(item.channelId)}</td>
                    <td>
                      <span className={`badge ${STATE_BADGE[item.state]}`}>{STATE_LABELS[item.state]}</span>
                      {item.nextAttemptAt !== null && inFlight(item) ? <div className="muted">next try {formatRelative(item.nextAttemptAt)}</div> : null}
                      {item.silenceId !== null ? (
                        <div className="muted" data-testid="delivery-silenced-by">
                          {silencedBy(item)}
                        </div>
                      ) : null}
                      {item.heldBy !== null ? (
                        <div className="muted" data-testid="delivery-held-by">
                          {heldBehind(item)}
                        </div>
                      ) : null}
                    </td>
                    <td>
                      {last ? (
                        <>
                          {last.error ?? (last.statusCode !== null ? `HTTP ${last.statusCode}` : '—')}
                          <span className="muted">, {last.latencyMs} ms</span>
                        </>
                      ) : (
                        <span className="muted">None yet</span>
                      )}
                    </td>
                    <td className="simple-table__actions">
                      <button
                        type="button"
                        className="button button--small"
                        aria-expanded={open}
                        aria-label={`${attemptsLabel(item.attempts)}: ${SOURCE_LABELS[item.source]} to ${channelName(item.channelId)}`}
                        onClick={() => setExpanded(open ? null : item.id)}
                      >
                        {attemptsLabel(item.attempts)}
                      </button>
                    </td>
                  </tr>
                  {open ? (
                    <tr className="alerts-subrow">
                      <td colSpan={COLUMNS}>
                        <Attempts notification={item} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      {deliveries.data && deliveries.data.total > deliveries.data.items.length && limit < DELIVERY_MAX ? (
        <div>
          <button type="button" className="button" disabled={deliveries.isFetching} onClick={() => setLimit(Math.min(DELIVERY_MAX, limit + DELIVERY_PAGE))}>
            Show older
          </button>
        </div>
      ) : null}
    </>
  );
}
