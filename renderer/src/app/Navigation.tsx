import type { ReactNode } from 'react';
import { BellIcon } from '../alerts/icons';
import { AuditIcon } from '../audit/icons';
import { useCan } from '../auth/session';
import { IncidentIcon, OverviewIcon } from '../health/icons';
import { TerminalIcon } from '../operations/icons';
import { ReportIcon } from '../reports/icons';
import { SettingsIcon } from '../settings/icons';
import { JobsIcon, KeyIcon, ServerIcon, UserIcon, UsersIcon, VaultIcon } from '../ui/icons';
import { ROUTES, type RouteId } from './routes';

const ICONS: Record<RouteId, ReactNode> = {
  overview: <OverviewIcon />,
  servers: <ServerIcon />,
  incidents: <IncidentIcon />,
  alerts: <BellIcon />,
  'server-health': <ServerIcon />,
  'server-terminal': <TerminalIcon />,
  'terminal-recordings': <TerminalIcon />,
  vault: <VaultIcon />,
  jobs: <JobsIcon />,
  operations: <TerminalIcon />,
  reports: <ReportIcon />,
  audit: <AuditIcon />,
  users: <UsersIcon />,
  apikeys: <KeyIcon />,
  account: <UserIcon />,
  settings: <SettingsIcon />,
};

/** The pages the signed-in user may open. */
export function Navigation({ current }: { current: RouteId }) {
  const can = useCan();
  const shown = ROUTES.filter((route) => route.nav && (route.permission === null || can(route.permission)));
  // A server's own page sits under Servers.
  const marked = current === 'server-health' || current === 'server-terminal' ? 'servers' : current;
  return (
    <nav className="nav" aria-label="Main">
      <ul className="nav__list">
        {shown.map((route) => (
          <li key={route.id}>
            <a className="nav__link" href={route.href} aria-current={route.id === marked ? 'page' : undefined}>
              {ICONS[route.id]}
              <span>{route.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
