import { useSyncExternalStore } from 'react';
import type { Permission } from '@shared/permissions';

interface RouteDef {
  id: string;
  label: string;
  href: string;
  /** What the signed-in user needs to see the page; null: anyone signed in. */
  permission: Permission | null;
  /** Listed in the side navigation (the account page is reached from the user menu). */
  nav: boolean;
}

/** The pages that work. The first is the home page. */
export const ROUTES = [
  { id: 'overview', label: 'Overview', href: '#/overview', permission: 'servers:read', nav: true },
  { id: 'servers', label: 'Servers', href: '#/servers', permission: 'servers:read', nav: true },
  { id: 'incidents', label: 'Incidents', href: '#/incidents', permission: 'servers:read', nav: true },
  { id: 'alerts', label: 'Alerts', href: '#/alerts', permission: 'servers:read', nav: true },
  { id: 'vault', label: 'Vault', href: '#/vault', permission: 'vault:read', nav: true },
  { id: 'jobs', label: 'Jobs', href: '#/jobs', permission: 'jobs:read', nav: true },
  { id: 'operations', label: 'Operations', href: '#/operations', permission: 'operations:read', nav: true },
  { id: 'reports', label: 'Reports', href: '#/reports', permission: 'servers:read', nav: true },
  { id: 'audit', label: 'Audit log', href: '#/audit', permission: 'audit:read', nav: true },
  { id: 'users', label: 'Users', href: '#/users', permission: 'users:read', nav: true },
  { id: 'apikeys', label: 'API keys', href: '#/apikeys', permission: 'apikeys:read', nav: true },
  { id: 'account', label: 'Account', href: '#/account', permission: null, nav: false },
  /** This installation's settings (updates): reached from the user menu and the palette. */
  { id: 'settings', label: 'Settings', href: '#/settings', permission: 'system:read', nav: false },
  /** One server's health: reached from the overview's grid, the incidents and the servers table. */
  { id: 'server-health', label: 'Server health', href: '#/servers/:id/health', permission: 'servers:read', nav: false },
  /** A shell on one server (docs/operations.md, "Terminal"): reached from the server's page. */
  { id: 'server-terminal', label: 'Terminal', href: '#/servers/:id/terminal', permission: 'terminal:open', nav: false },
  /** Recorded terminal sessions and their playback: reached from the Operations page and the palette. */
  { id: 'terminal-recordings', label: 'Terminal recordings', href: '#/terminal-recordings', permission: 'terminal:recordings', nav: false },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

export const HOME_ROUTE: RouteId = 'overview';
export const HOME_HREF = '#/overview';

/** Where the hash points: the page, and the server for a server's own page. */
export interface Location {
  route: RouteId;
  serverId?: string;
}

const SERVER_HEALTH = /^#\/servers\/([^/]+)\/health$/;
const SERVER_TERMINAL = /^#\/servers\/([^/]+)\/terminal$/;

export function serverHealthHref(serverId: string): string {
  return `#/servers/${encodeURIComponent(serverId)}/health`;
}

export function serverTerminalHref(serverId: string): string {
  return `#/servers/${encodeURIComponent(serverId)}/terminal`;
}

/** Hash routing: the page works from a file:// URL (desktop) and from `guardian serve --ui` alike. */
export function locationFromHash(hash: string): Location {
  const health = SERVER_HEALTH.exec(hash);
  if (health?.[1]) return { route: 'server-health', serverId: decodeURIComponent(health[1]) };
  const terminal = SERVER_TERMINAL.exec(hash);
  if (terminal?.[1]) return { route: 'server-terminal', serverId: decodeURIComponent(terminal[1]) };
  const match = ROUTES.find((route) => route.href === hash);
  return { route: match ? match.id : HOME_ROUTE };
}

export function routeFromHash(hash: string): RouteId {
  return locationFromHash(hash).route;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(
    subscribe,
    () => routeFromHash(window.location.hash),
    () => HOME_ROUTE,
  );
}

/** The server a server page is about, if the hash names one. */
export function useRouteServerId(): string | undefined {
  return useSyncExternalStore(
    subscribe,
    () => locationFromHash(window.location.hash).serverId,
    () => undefined,
  );
}
