import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { me } from '../testing/fixtures';
import { Navigation } from './Navigation';

afterEach(cleanup);

function linksFor(role: Role): string[] {
  render(
    <MeProvider me={me({ role })}>
      <Navigation current="servers" />
    </MeProvider>,
  );
  const nav = screen.getByRole('navigation', { name: 'Main' });
  return within(nav)
    .getAllByRole('link')
    .map((link) => link.textContent ?? '');
}

describe('Navigation', () => {
  it.each<[Role, string[]]>([
    ['viewer', ['Overview', 'Servers', 'Incidents', 'Alerts', 'Jobs', 'Operations', 'Reports']],
    ['operator', ['Overview', 'Servers', 'Incidents', 'Alerts', 'Vault', 'Jobs', 'Operations', 'Reports']],
    ['auditor', ['Overview', 'Servers', 'Incidents', 'Alerts', 'Vault', 'Jobs', 'Operations', 'Reports', 'Audit log', 'Users', 'API keys']],
    ['admin', ['Overview', 'Servers', 'Incidents', 'Alerts', 'Vault', 'Jobs', 'Operations', 'Reports', 'Audit log', 'Users', 'API keys']],
  ])('shows a %s only the pages the role may read', (role, expected) => {
    expect(linksFor(role)).toEqual(expected);
  });
});
