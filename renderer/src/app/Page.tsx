import { AccountPage } from '../account/AccountPage';
import { ApiKeysPage } from '../apikeys/ApiKeysPage';
import { useCan, useMe } from '../auth/session';
import { JobsPage } from '../jobs/JobsPage';
import { ServersPage } from '../servers/ServersPage';
import { UsersPage } from '../users/UsersPage';
import { VaultPage } from '../vault/VaultPage';
import { ROUTES, type RouteId } from './routes';

function NotAllowed({ label }: { label: string }) {
  const me = useMe();
  return (
    <div className="page">
      <div className="state" role="status">
        <h1 className="state__title">{label} is not open to your role</h1>
        <p className="state__text">
          You are signed in as {me.username} ({me.role}). Ask an owner or admin if you need it.
        </p>
        <a className="button" href="#/servers">
          Go to servers
        </a>
      </div>
    </div>
  );
}

/** The page for a route, or why the signed-in user cannot see it. */
export function Page({ route }: { route: RouteId }) {
  const can = useCan();
  const def = ROUTES.find((candidate) => candidate.id === route);
  if (def && def.permission !== null && !can(def.permission)) return <NotAllowed label={def.label} />;
  switch (route) {
    case 'servers':
      return <ServersPage />;
    case 'vault':
      return <VaultPage />;
    case 'jobs':
      return <JobsPage />;
    case 'users':
      return <UsersPage />;
    case 'apikeys':
      return <ApiKeysPage />;
    case 'account':
      return <AccountPage />;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}
