import type { OutputOf, Methods } from '../../../shared/api';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { describeAgent } from './user-agent';

type Session = OutputOf<Methods['sessions.list']>['items'][number];

function SessionRow({ session }: { session: Session }) {
  const revoke = useMethodMutation('sessions.revoke');
  const device = describeAgent(session.userAgent);
  return (
    <tr data-testid="session-row">
      <td title={session.userAgent}>
        {device}
        {session.current ? <span className="badge badge--succeeded badge--inline">This session</span> : null}
      </td>
      <td className="mono">{session.origin}</td>
      <td title={formatDateTime(session.createdAt)}>{formatRelative(session.createdAt)}</td>
      <td title={formatDateTime(session.lastSeenAt)}>{formatRelative(session.lastSeenAt)}</td>
      <td>{formatDateTime(session.expiresAt)}</td>
      <td className="simple-table__actions">
        {session.current ? null : (
          <button
            type="button"
            className="button button--small"
            aria-label={`Revoke session of ${device} from ${session.origin}`}
            disabled={revoke.isPending}
            onClick={() =>
              revoke.mutate(
                { id: session.id },
                { onSuccess: () => toast.success(`Signed out ${device}`), onError: (error) => toast.error(error) },
              )
            }
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

/** Where this account is signed in; any other session can be signed out from here. */
export function SessionsSection() {
  const sessions = useMethodQuery('sessions.list', {});
  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title" className="panel__title">
        Sessions
      </h2>
      <p className="panel__text">Where your account is signed in. Revoke any you do not recognise, then change your password.</p>
      {sessions.isPending ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> Loading sessions…
        </p>
      ) : sessions.isError && !sessions.data ? (
        <ErrorState error={sessions.error} what="your sessions" onRetry={() => void sessions.refetch()} />
      ) : sessions.data ? (
        <table className="simple-table" aria-label="Sessions" data-testid="session-table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">From</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">Ends at the latest</th>
              <th scope="col" className="simple-table__actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.items.map((session) => (
              <SessionRow key={session.id} session={session} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
