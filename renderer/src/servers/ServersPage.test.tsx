import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../../shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../test/fake-client';
import { me, server } from '../test/fixtures';
import { withLayout } from '../test/layout';
import { renderWithClient } from '../test/render';
import { ServersPage } from './ServersPage';

function renderAs(role: Role) {
  const client = fakeClient({
    'servers.list': async () => ({ items: [server()], total: 1 }),
    'servers.facets': async () => ({ tags: [], environments: [{ value: 'production', count: 1 }] }),
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <ServersPage />
    </MeProvider>,
    client,
  );
}

withLayout();

describe('ServersPage permissions', () => {
  it('shows a viewer the servers but no add, import, edit or delete controls', async () => {
    renderAs('viewer');

    expect(await screen.findByText('web-01')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Add server/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Import/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit web-01' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete web-01' })).toBeNull();
    expect(screen.getByRole('button', { name: /Export/ })).toBeTruthy();
  });

  it('shows an operator every control', async () => {
    renderAs('operator');

    expect(await screen.findByText('web-01')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Add server/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: /Import/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Edit web-01' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete web-01' })).toBeTruthy();
  });
});
