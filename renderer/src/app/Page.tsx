import { lazy, Suspense } from 'react';
import { AccountPage } from '../account/AccountPage';
import { AlertsPage } from '../alerts/AlertsPage';
import { ApiKeysPage } from '../apikeys/ApiKeysPage';
import { AuditPage } from '../audit/AuditPage';
import { useCan, useMe } from '../auth/session';
import { IncidentsPage } from '../health/incidents/IncidentsPage';
import { OverviewPage } from '../health/overview/OverviewPage';
import { ServerHealthPage } from '../health/server/ServerHealthPage';
import { JobsPage } from '../jobs/JobsPage';
import { OperationsPage } from '../operations/OperationsPage';
import { ReportsPage } from '../reports/ReportsPage';
import { ServersPage } from '../servers/ServersPage';
import { SettingsPage } from '../settings/SettingsPage';
import { UsersPage } from '../users/UsersPage';
import { VaultPage } from '../vault/VaultPage';
import { LoadingState } from '../ui/PageParts';
import '../health/health.css';
import { HOME_HREF, ROUTES, useRouteServerId, type RouteId } from './routes';

// xterm.js is loaded with the pages that use it, not with the app's first screen.
const TerminalPage = lazy(() => import('../terminal/TerminalPage').then((module) => ({ default: module.TerminalPage })));
const RecordingsPage = lazy(() => import('../terminal/RecordingsPage').then((module) => ({ default: module.RecordingsPage })));
const loadingTerminal = <LoadingState>Loading the terminal…</LoadingState>;

function NotAllowed({ label }: { label: string }) {
  const me = useMe();
  return (
    <div className="page">
      <div className="state" role="status">
        <h1 className="state__title">{label} is not open to your role</h1>
        <p className="state__text">
          You are signed in as {me.username} ({me.role}). Ask an owner or admin if you need it.
        </p>
        <a className="button" href={HOME_HREF}>
          Go to the overview
        </a>
      </div>
    </div>
  );
}

/** The page for a route, or why the signed-in user cannot see it. */
export function Page({ route }: { route: RouteId }) {
  const can = useCan();
  const serverId = useRouteServerId();
  const def = ROUTES.find((candidate) => candidate.id === route);
  if (def && def.permission !== null && !can(def.permission)) return <NotAllowed label={def.label} />;
  switch (route) {
    case 'overview':
      return <OverviewPage />;
    case 'servers':
      return <ServersPage />;
    case 'incidents':
      return <IncidentsPage />;
    case 'alerts':
      return <AlertsPage />;
    case 'server-health':
      return serverId ? <ServerHealthPage key={serverId} serverId={serverId} /> : <OverviewPage />;
    case 'server-terminal':
      return serverId ? (
        <Suspense fallback={loadingTerminal}>
          <TerminalPage key={serverId} serverId={serverId} />
        </Suspense>
      ) : (
        <OverviewPage />
      );
    case 'terminal-recordings':
      return (
        <Suspense fallback={loadingTerminal}>
          <RecordingsPage />
        </Suspense>
      );
    case 'vault':
      return <VaultPage />;
    case 'jobs':
      return <JobsPage />;
    case 'operations':
      return <OperationsPage />;
    case 'reports':
      return <ReportsPage />;
    case 'audit':
      return <AuditPage />;
    case 'users':
      return <UsersPage />;
    case 'apikeys':
      return <ApiKeysPage />;
    case 'account':
      return <AccountPage />;
    case 'settings':
      return <SettingsPage />;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}
