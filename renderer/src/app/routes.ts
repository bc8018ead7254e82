import { useSyncExternalStore } from 'react';

/** The pages that work; only these appear in the navigation. */
export const ROUTES = [
  { id: 'servers', label: 'Servers', href: '#/servers' },
  { id: 'jobs', label: 'Jobs', href: '#/jobs' },
] as const;

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
