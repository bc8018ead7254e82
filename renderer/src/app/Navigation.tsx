import type { ReactNode } from 'react';
import { JobsIcon, ServerIcon } from '../ui/icons';
import { ROUTES, type RouteId } from './routes';

const ICONS: Record<RouteId, ReactNode> = { servers: <ServerIcon />, jobs: <JobsIcon /> };

export function Navigation({ current }: { current: RouteId }) {
  return (
    <nav className="nav" aria-label="Main">
      <ul className="nav__list">
        {ROUTES.map((route) => (
          <li key={route.id}>
            <a
              className="nav__link"
              href={route.href}
              aria-current={route.id === current ? 'page' : undefined}
            >
              {ICONS[route.id]}
              <span>{route.label}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
