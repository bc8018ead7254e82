import { useSyncExternalStore } from 'react';
import type { Permission } from '../../../shared/permissions';

interface RouteDef {
  id: string;
  label: string;
  href: string;
  /** What the signed-in user needs to see the page; null: anyone signed in. */
  permission: Permission | null;
  /** Listed in the side navigation (the account page is reached from the user menu). */
  nav: boolean;
}

/** The pages that work. */
export const ROUTES = [
  { id: 'servers', label: 'Servers', href: '#/servers', permission: 'servers:read', nav: true },
  { id: 'vault', label: 'Vault', href: '#/vault', permission: 'vault:read', nav: true },
  { id: 'jobs', label: 'Jobs', href: '#/jobs', permission: 'jobs:read', nav: true },
  { id: 'users', label: 'Users', href: '#/users', permission: 'users:read', nav: true },
  { id: 'apikeys', label: 'API keys', href: '#/apikeys', permission: 'apikeys:read', nav: true },
  { id: 'account', label: 'Account', href: '#/account', permission: null, nav: false },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** Hash routing: the page works from a file:// URL (desktop) and from `guardian serve --ui` alike. */
export function routeFromHash(hash: string): RouteId {
  const match = ROUTES.find((route) => route.href === hash);
  return match ? match.id : 'servers';
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash), () => 'servers' as const);
}
