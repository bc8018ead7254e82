import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { CreateKeyDialog } from './CreateKeyDialog';

const KEY = {
  id: '9b2f6c1d-2e3f-4a5b-8c7d-0e1f2a3b4c5d',
  name: 'backup script',
  prefix: 'gdn_ab12',
  role: 'viewer' as const,
  permissions: ['servers:read' as const],
  createdBy: 'user:alice',
  owner: { id: 'alice', username: 'alice', role: 'admin' as const },
  createdAt: 1_700_000_000_000,
  expiresAt: null,
  lastUsedAt: null,
  lastUsedOrigin: null,
  revokedAt: null,
};

describe('CreateKeyDialog', () => {
  it('sends the chosen permission subset and shows the token once, read-only', async () => {
    const client = fakeClient({ 'apikeys.create': async () => ({ key: KEY, token: 'gdn_ab12_secret-token-value' }) });
    renderWithClient(
      <MeProvider me={me({ role: 'admin' })}>
        <CreateKeyDialog onClose={() => undefined} />
      </MeProvider>,
      client,
    );

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'backup script' } });
    fireEvent.click(screen.getByLabelText('servers:read'));
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    const token = await screen.findByTestId('new-api-key-token');
    expect((token as HTMLInputElement).value).toBe('gdn_ab12_secret-token-value');
    expect(token.hasAttribute('readonly')).toBe(true);
    expect(screen.getByText(/shown only once/)).toBeTruthy();
    await waitFor(() =>
      expect(client.calls.find((call) => call.name === 'apikeys.create')?.input).toEqual({
        name: 'backup script',
        role: 'viewer',
        permissions: ['servers:read'],
      }),
    );
  });
});
