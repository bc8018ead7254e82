import type { Server } from '@shared/api/servers';
import type { Permission } from '@shared/permissions';
import { ROUTES, serverHealthHref } from '../app/routes';
import type { ServerTarget } from '../health/editor/check-form';
import type { Theme } from '../state/theme-store';

/** What choosing an entry does; CommandPalette carries it out. */
export type PaletteCommand =
  | { kind: 'go'; href: string }
  | { kind: 'add-server' }
  /** Turns the palette into a server picker for the next command. */
  | { kind: 'pick-server-for-check' }
  | { kind: 'add-check'; server: ServerTarget }
  | { kind: 'verify-audit' }
  | { kind: 'lock-vault' }
  | { kind: 'theme'; theme: Theme }
  | { kind: 'check-updates' };

export const PALETTE_GROUPS = ['Pages', 'Actions', 'Servers'] as const;
export type PaletteGroup = (typeof PALETTE_GROUPS)[number];

export interface PaletteItem {
  id: string;
  group: PaletteGroup;
  label: string;
  /** A second, quieter line: a server's host, what a page holds. */
  detail?: string;
  /** Other words it is found by. */
  keywords?: string;
  command: PaletteCommand;
}

/** What decides which actions are offered: the role, and the state a few of them need. */
export interface PaletteContext {
  can(permission: Permission): boolean;
  theme: Theme;
  vaultUnlocked: boolean;
  updatesSupported: boolean;
}

/** Every page of the routes table the role may see (a server's own page is reached through its server). */
export function pageItems(can: PaletteContext['can']): PaletteItem[] {
  return ROUTES.filter((route) => !route.href.includes(':') && (route.permission === null || can(route.permission))).map((route) => ({
    id: `page:${route.id}`,
    group: 'Pages',
    label: route.label,
    keywords: route.id,
    command: { kind: 'go', href: route.href },
  }));
}

/** The actions this role may take, where they make sense now. */
export function actionItems(context: PaletteContext): PaletteItem[] {
  const { can } = context;
  const next: Theme = context.theme === 'dark' ? 'light' : 'dark';
  const items: (PaletteItem | false)[] = [
    can('servers:write') && { id: 'action:add-server', group: 'Actions', label: 'Add a server', keywords: 'new create host', command: { kind: 'add-server' } },
    can('servers:write') && {
      id: 'action:add-check',
      group: 'Actions',
      label: 'Add a check to…',
      keywords: 'new create monitor health',
      command: { kind: 'pick-server-for-check' },
    },
    can('audit:read') && {
      id: 'action:verify-audit',
      group: 'Actions',
      label: 'Verify the audit log',
      keywords: 'hash chain integrity',
      command: { kind: 'verify-audit' },
    },
    can('vault:admin') &&
      context.vaultUnlocked && {
        id: 'action:lock-vault',
        group: 'Actions',
        label: 'Lock the vault',
        keywords: 'secrets forget key',
        command: { kind: 'lock-vault' },
      },
    {
      id: 'action:theme',
      group: 'Actions',
      label: `Switch to ${next} theme`,
      keywords: 'appearance dark light colour color',
      command: { kind: 'theme', theme: next },
    },
    context.updatesSupported &&
      can('system:admin') && {
        id: 'action:check-updates',
        group: 'Actions',
        label: 'Check for updates',
        keywords: 'upgrade new version release',
        command: { kind: 'check-updates' },
      },
  ];
  return items.filter((item): item is PaletteItem => item !== false);
}

/** Servers found by the search, to open or (picking for a command) to add a check to. */
export function serverItems(servers: readonly Server[], purpose: 'open' | 'add-check'): PaletteItem[] {
  return servers.map((server) => ({
    id: `server:${purpose}:${server.id}`,
    group: 'Servers',
    label: server.name,
    detail: server.host,
    command:
      purpose === 'open'
        ? { kind: 'go', href: serverHealthHref(server.id) }
        : { kind: 'add-check', server: { id: server.id, name: server.name, host: server.host, port: server.port, user: server.user } },
  }));
}

const wordsOf = (query: string) => query.trim().toLowerCase().split(/\s+/).filter(Boolean);

/** Where `item` ranks for `query`, lower first; null when it does not match (every word must appear). */
function rank(item: PaletteItem, words: readonly string[]): number | null {
  const label = item.label.toLowerCase();
  const haystack = `${label} ${item.keywords ?? ''}`.toLowerCase();
  if (!words.every((word) => haystack.includes(word))) return null;
  const first = words[0] ?? '';
  if (label.startsWith(first)) return 0;
  if (label.split(/[\s-]+/).some((part) => part.startsWith(first))) return 1;
  return 2;
}

/** The items that match the query, best first, in their own order otherwise; all of them for an empty query. */
export function filterItems(items: readonly PaletteItem[], query: string): PaletteItem[] {
  const words = wordsOf(query);
  if (words.length === 0) return [...items];
  return items
    .map((item, index) => ({ item, index, rank: rank(item, words) }))
    .filter((entry): entry is { item: PaletteItem; index: number; rank: number } => entry.rank !== null)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}
