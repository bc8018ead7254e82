import type { OutputOf, Methods } from '@shared/api';
import { useMethodMutation, useMethodQuery } from '../api/hooks';
import { useMe } from '../auth/session';
import { toast } from '../state/toast-store';
import { ErrorState } from '../ui/ErrorState';
import { formatDateTime, formatRelative } from '../ui/format';
import { describeAgent } from './user-agent';

type Session = OutputOf<Methods['sessions.list']>['items'][number];

function SessionRow({ session, showUser }: { session: Session; showUser: boolean }) {
  const revoke = useMethodMutation('sessions.revoke');
  const isOwner = useMe().role === 'owner';
  // Only an owner may sign out an owner.
  const mayRevoke = !session.current && (session.role !== 'owner' || isOwner);
  const device = describeAgent(session.userAgent);
  return (
    <tr data-testid="session-row">
      <td title={session.userAgent}>
        {device}
        {session.current ? <span className="badge badge--succeeded badge--inline">This session</span> : null}
      </td>
      {showUser ? <td>{session.username}</td> : null}
      <td className="mono">{session.origin}</td>
      <td title={formatDateTime(session.createdAt)}>{formatRelative(session.createdAt)}</td>
      <td title={formatDateTime(session.lastSeenAt)}>{formatRelative(session.lastSeenAt)}</td>
      <td>{formatDateTime(session.expiresAt)}</td>
      <td className="simple-table__actions">
        {!mayRevoke ? null : (
          <button
            type="button"
            className="button button--small"
            aria-label={`Revoke session of ${showUser ? `${session.username} on ` : ''}${device} from ${session.origin}`}
            disabled={revoke.isPending}
            onClick={() =>
              revoke.mutate({ id: session.id }, { onSuccess: () => toast.success(`Signed out ${device}`), onError: (error) => toast.error(error) })
            }
          >
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

/**
 * Where this account is signed in (or, with `everyone`, every account: for admins); any session but
 * the current one can be signed out from here.
 */
export function SessionsSection({ everyone = false }: { everyone?: boolean }) {
  const sessions = useMethodQuery('sessions.list', everyone ? { all: true } : {});
  const titleId = everyone ? 'all-sessions-title' : 'sessions-title';
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId} className="panel__title">
        {everyone ? 'Everyone’s sessions' : 'Sessions'}
      </h2>
      <p className="panel__text">
        {everyone
          ? 'Every signed-in session of every account. Revoke one to sign that person out at their next click.'
          : 'Where your account is signed in. Revoke any you do not recognise, then change your password.'}
      </p>
      {sessions.isPending ? (
        <p role="status">
          <span className="spinner" aria-hidden="true" /> Loading sessions…
        </p>
      ) : sessions.isError && !sessions.data ? (
        <ErrorState error={sessions.error} what="your sessions" onRetry={() => void sessions.refetch()} />
      ) : sessions.data ? (
        <table
          className="simple-table"
          aria-label={everyone ? 'Everyone’s sessions' : 'Sessions'}
          data-testid={everyone ? 'all-sessions-table' : 'session-table'}
        >
          <thead>
            <tr>
              <th scope="col">Device</th>
              {everyone ? <th scope="col">User</th> : null}
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
              <SessionRow key={session.id} session={session} showUser={everyone} />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
