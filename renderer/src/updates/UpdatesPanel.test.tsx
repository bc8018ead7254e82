import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { UpdatesStatus } from '@shared/api/updates';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { UpdatesPanel } from './UpdatesPanel';

const SUPPORTED: UpdatesStatus = { supported: true, reason: null, channel: 'stable', state: { kind: 'not-available' } };

function renderPanel(initial: UpdatesStatus, role: Role = 'admin', handlers: Handlers = {}) {
  const client = fakeClient({
    'system.info': async () => ({
      name: 'Guardian Server Manager',
      version: '1.3.0',
      dataDir: '/data',
      startedAt: 0,
      mode: 'desktop',
      database: { engine: 'sqlite', version: '3.53.2' },
    }),
    'updates.status': async () => initial,
    ...handlers,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <UpdatesPanel />
    </MeProvider>,
    client,
  );
  return client;
}

describe('Settings → Updates', () => {
  it('says why a server install does not update itself', async () => {
    renderPanel({ supported: false, reason: 'Updates are for the desktop app.', channel: 'stable', state: { kind: 'idle' } });
    expect((await screen.findByTestId('updates-unsupported')).textContent).toBe('Updates are for the desktop app.');
    expect((await screen.findByTestId('updates-version')).textContent).toBe('This is Guardian 1.3.0 (desktop).');
    expect(screen.queryByRole('button', { name: 'Check now' })).toBeNull();
  });

  it('lets an admin switch to beta and check now', async () => {
    const client = renderPanel(SUPPORTED, 'admin', {
      'updates.setChannel': async ({ channel }) => ({ ...SUPPORTED, channel }),
      'updates.check': async () => ({ ...SUPPORTED, channel: 'beta', state: { kind: 'checking' } }),
    });
    expect((await screen.findByTestId('updates-state')).textContent).toBe('Guardian is up to date.');
    const beta = screen.getByRole('radio', { name: /Beta/ }) as HTMLInputElement;
    fireEvent.click(beta);
    await waitFor(() => expect(beta.checked).toBe(true));
    expect(client.calls.find((call) => call.name === 'updates.setChannel')?.input).toEqual({ channel: 'beta' });

    fireEvent.click(screen.getByRole('button', { name: 'Check now' }));
    expect(await screen.findByRole('button', { name: 'Checking…' })).toBeTruthy();
    expect(screen.getByTestId('updates-state').textContent).toBe('Checking for updates…');
  });

  it('shows a viewer the state, not the controls', async () => {
    renderPanel({ ...SUPPORTED, state: { kind: 'error', code: 'no-release', hint: 'Nothing published yet.' } }, 'viewer');
    expect((await screen.findByTestId('updates-state')).textContent).toBe('No release for this channel yet.Nothing published yet.');
    expect(screen.getByRole('group', { name: 'Update channel' }).hasAttribute('disabled')).toBe(true);
    expect((screen.getByRole('radio', { name: /Stable/ }) as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByRole('button', { name: 'Check now' })).toBeNull();
  });
});
