import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ApiKey } from '@shared/api/users';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { ApiKeysPage } from './ApiKeysPage';

function key(overrides: Partial<ApiKey>): ApiKey {
  return {
    id: '9b2f6c1d-2e3f-4a5b-8c7d-0e1f2a3b4c5d',
    name: 'backup script',
    prefix: 'gdn_ab12',
    role: 'viewer',
    permissions: null,
    createdBy: 'user:alice',
    owner: { id: 'alice', username: 'alice', role: 'admin' },
    createdAt: 1_700_000_000_000,
    expiresAt: null,
    lastUsedAt: null,
    lastUsedOrigin: null,
    revokedAt: null,
    ...overrides,
  };
}

function renderAs(role: Role) {
  let allowed = false;
  const client = fakeClient({
    'apikeys.list': async () => ({
      items: [
        key({}),
        key({ id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f', name: 'bootstrap', role: 'owner', createdBy: 'system:local-owner', owner: null }),
        key({ id: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a', name: 'owners script', owner: { id: 'olivia', username: 'olivia', role: 'owner' } }),
      ],
    }),
    'security.settings': async () => ({ apiKeysMayManageAccess: allowed }),
    'security.updateSettings': async (input) => {
      allowed = input.apiKeysMayManageAccess;
      // As the server does: the change comes back as its event, which refreshes the page.
      queueMicrotask(() => client.emit('security.changed', { change: 'updated', ids: [] }));
      return { apiKeysMayManageAccess: allowed };
    },
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <ApiKeysPage />
    </MeProvider>,
    client,
  );
  return client;
}

const rowOf = async (name: string) => (await screen.findByText(name)).closest('tr') as HTMLElement;

describe('ApiKeysPage', () => {
  it('names the account each key acts for, and marks a key made on the server as a system key', async () => {
    renderAs('auditor');
    expect(within(await rowOf('backup script')).getByText('alice')).toBeTruthy();
    expect(within(await rowOf('bootstrap')).getByText('System')).toBeTruthy();
  });

  it('lets an owner allow keys to manage access, off until then', async () => {
    const client = renderAs('owner');
    const toggle = await screen.findByRole('checkbox', { name: /API keys may create and change accounts/ });
    expect((toggle as HTMLInputElement).checked).toBe(false);

    fireEvent.click(toggle);

    await waitFor(() => expect(client.calls.find((call) => call.name === 'security.updateSettings')?.input).toEqual({ apiKeysMayManageAccess: true }));
    await waitFor(() => expect((screen.getByRole('checkbox', { name: /API keys may create/ }) as HTMLInputElement).checked).toBe(true));
  });

  it('offers an admin Revoke only on keys that are not an owner’s', async () => {
    renderAs('admin');
    expect(within(await rowOf('backup script')).getByRole('button', { name: 'Revoke backup script' })).toBeTruthy();
    expect(within(await rowOf('bootstrap')).queryByRole('button')).toBeNull();
    expect(within(await rowOf('owners script')).queryByRole('button')).toBeNull();
  });

  it('offers an owner Revoke on every active key', async () => {
    renderAs('owner');
    for (const name of ['backup script', 'bootstrap', 'owners script']) {
      expect(within(await rowOf(name)).getByRole('button', { name: `Revoke ${name}` })).toBeTruthy();
    }
  });

  it('shows an admin the rule but not the means to change it', async () => {
    renderAs('admin');
    const toggle = await screen.findByRole('checkbox', { name: /API keys may create and change accounts/ });
    expect((toggle as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/Only an owner can change this/)).toBeTruthy();
  });
});
