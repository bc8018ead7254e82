import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions';
import { can } from '../auth/session';
import { server } from '../testing/fixtures';
import { actionItems, filterItems, pageItems, serverItems, type PaletteContext } from './palette-items';

const contextFor = (role: Role, overrides: Partial<PaletteContext> = {}): PaletteContext => ({
  can: (permission) => can({ role }, permission),
  theme: 'light',
  vaultUnlocked: true,
  updatesSupported: true,
  ...overrides,
});

const labels = (items: { label: string }[]) => items.map((item) => item.label);

describe('the palette’s pages', () => {
  it.each<[Role, string[]]>([
    ['viewer', ['Overview', 'Servers', 'Incidents', 'Alerts', 'Jobs', 'Operations', 'Reports', 'Account', 'Settings']],
    [
      'auditor',
      [
        'Overview',
        'Servers',
        'Incidents',
        'Alerts',
        'Vault',
        'Jobs',
        'Operations',
        'Reports',
        'Audit log',
        'Users',
        'API keys',
        'Account',
        'Settings',
        'Terminal recordings',
      ],
    ],
  ])('are the pages a %s may see, never a page that needs a server', (role, expected) => {
    expect(labels(pageItems(contextFor(role).can))).toEqual(expected);
  });
});

describe('the palette’s actions', () => {
  it.each<[Role, string[]]>([
    ['viewer', ['Switch to dark theme']],
    ['operator', ['Add a server', 'Add a check to…', 'Switch to dark theme']],
    ['auditor', ['Verify the audit log', 'Switch to dark theme']],
    ['admin', ['Add a server', 'Add a check to…', 'Verify the audit log', 'Lock the vault', 'Switch to dark theme', 'Check for updates']],
  ])('are only those a %s may take', (role, expected) => {
    expect(labels(actionItems(contextFor(role)))).toEqual(expected);
  });

  it('leave out locking a locked vault and checking for updates where there are none', () => {
    const items = labels(actionItems(contextFor('owner', { vaultUnlocked: false, updatesSupported: false, theme: 'dark' })));
    expect(items).not.toContain('Lock the vault');
    expect(items).not.toContain('Check for updates');
    expect(items).toContain('Switch to light theme');
  });
});

describe('filtering', () => {
  const items = [...pageItems(contextFor('admin').can), ...actionItems(contextFor('admin'))];

  it('keeps everything for an empty query', () => {
    expect(filterItems(items, '  ')).toHaveLength(items.length);
  });

  it('finds by any part of the label or a keyword, ignoring case, best match first', () => {
    expect(labels(filterItems(items, 'AUDIT'))).toEqual(['Audit log', 'Verify the audit log']);
    expect(labels(filterItems(items, 'log'))).toEqual(['Audit log', 'Verify the audit log']);
    expect(labels(filterItems(items, 'dark'))).toEqual(['Switch to dark theme']);
    expect(labels(filterItems(items, 'appearance'))).toEqual(['Switch to dark theme']);
  });

  it('needs every word', () => {
    expect(labels(filterItems(items, 'verify log'))).toEqual(['Verify the audit log']);
    expect(filterItems(items, 'verify servers')).toEqual([]);
  });
});

describe('servers in the palette', () => {
  it('open the server’s page, or add a check to it', () => {
    const web = server();
    const [open] = serverItems([web], 'open');
    const [check] = serverItems([web], 'add-check');
    expect(open).toMatchObject({ label: 'web-01', detail: 'web01.example.com', command: { kind: 'go', href: `#/servers/${web.id}/health` } });
    expect(check?.command).toEqual({ kind: 'add-check', server: { id: web.id, name: 'web-01', host: 'web01.example.com', port: 22, user: 'deploy' } });
  });
});
