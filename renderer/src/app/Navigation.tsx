import type { ReactNode } from 'react';
import { useCan } from '../auth/session';
import { JobsIcon, KeyIcon, ServerIcon, UserIcon, UsersIcon, VaultIcon } from '../ui/icons';
import { ROUTES, type RouteId } from './routes';

const ICONS: Record<RouteId, ReactNode> = {
  servers: <ServerIcon />,
  vault: <VaultIcon />,
  jobs: <JobsIcon />,
  users: <UsersIcon />,
  apikeys: <KeyIcon />,
  account: <UserIcon />,
};

/** The pages the signed-in user may open. */
export function Navigation({ current }: { current: RouteId }) {
  const can = useCan();
  const shown = ROUTES.filter((route) => route.nav && (route.permission === null || can(route.permission)));
  return (
    <nav className="nav" aria-label="Main">
      <ul className="nav__list">
        {shown.map((route) => (
          <li key={route.id}>
            <a className="nav__link" href={route.href} aria-current={route.id === current ? 'page' : undefined}>
              {ICONS[route.id]}
              <span>{route.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
