import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { UpdatesStatus, UpdateState } from '@shared/api/updates';
import type { Role } from '@shared/permissions';
import { DialogHost } from '../app/DialogHost';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { appError, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { UpdateIndicator } from './UpdateIndicator';
import { useUpdateEvents } from './use-update-status';

const status = (state: UpdateState, overrides: Partial<UpdatesStatus> = {}): UpdatesStatus => ({
  supported: true,
  reason: null,
  channel: 'stable',
  state,
  ...overrides,
});

function Events() {
  useUpdateEvents();
  return null;
}

function renderIndicator(initial: UpdatesStatus, role: Role = 'admin', handlers: Handlers = {}) {
  const client = fakeClient({ 'updates.status': async () => initial, ...handlers });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <Events />
      <header>
        <UpdateIndicator />
      </header>
      <DialogHost />
    </MeProvider>,
    client,
  );
  return client;
}

describe('the update indicator', () => {
  it('shows nothing where Guardian does not update itself', async () => {
    const client = renderIndicator(status({ kind: 'downloaded', version: '1.4.0' }, { supported: false, reason: 'headless' }));
    await waitFor(() => expect(client.calls.map((call) => call.name)).toContain('updates.status'));
    await act(async () => {
      await Promise.resolve();
    });
    expect(screen.queryByTestId('update-indicator')).toBeNull();
  });

  it('shows nothing while there is nothing to say, then follows the update.status event', async () => {
    const client = renderIndicator(status({ kind: 'not-available' }));
    await screen.findByRole('status');
    expect(screen.queryByTestId('update-indicator')).toBeNull();

    // The query cache tells its observers on the next tick: hence the find* queries.
    act(() => client.emit('update.status', status({ kind: 'downloading', version: '1.4.0', percent: 42 })));
    expect((await screen.findByTestId('update-indicator')).textContent).toBe('Update 1.4.0 downloading 42 %');

    act(() => client.emit('update.status', status({ kind: 'downloaded', version: '1.4.0' })));
    expect(await screen.findByRole('button', { name: 'Update ready — Restart now' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Update 1.4.0 is ready to install.');
  });

  it('restarts only after the confirmation', async () => {
    const client = renderIndicator(status({ kind: 'downloaded', version: '1.4.0' }), 'owner', {
      'updates.install': async () => status({ kind: 'installing', version: '1.4.0' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Update ready — Restart now' }));
    const dialog = screen.getByTestId('update-restart-dialog');
    expect(dialog.textContent).toMatch(/installs version 1\.4\.0/);
    expect(client.calls.some((call) => call.name === 'updates.install')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Restart now' }));
    await waitFor(() => expect(screen.queryByTestId('update-restart-dialog')).toBeNull());
    expect(client.calls.filter((call) => call.name === 'updates.install')).toHaveLength(1);
    expect(screen.getByTestId('update-indicator').textContent).toBe('Installing update 1.4.0…');
  });

  it('keeps the dialog open with the hint when nothing is ready any more', async () => {
    renderIndicator(status({ kind: 'downloaded', version: '1.4.0' }), 'admin', {
      'updates.install': () => Promise.reject(appError('CONFLICT', 'No downloaded update is ready to install.', 'Check for updates first.')),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Update ready — Restart now' }));
    fireEvent.click(screen.getByRole('button', { name: 'Restart now' }));
    expect(await screen.findByText('Check for updates first.')).toBeTruthy();
    expect(screen.getByTestId('update-restart-dialog')).toBeTruthy();
  });

  it('tells a viewer the update waits for the app to quit, with nothing to press', async () => {
    renderIndicator(status({ kind: 'downloaded', version: '1.4.0' }), 'viewer');
    const indicator = await screen.findByTestId('update-indicator');
    expect(indicator.tagName).toBe('SPAN');
    expect(indicator.textContent).toBe('Update 1.4.0 ready');
  });

  it('shows an error with its hint', async () => {
    renderIndicator(status({ kind: 'error', code: 'offline', hint: 'Check the network or proxy.' }));
    const button = await screen.findByRole('button', { name: 'Update failed' });
    expect(screen.getByRole('status').textContent).toMatch(/could not be reached\. Check the network or proxy\./);
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('update-error').textContent).toMatch(/The release server could not be reachedCheck the network or proxy\./);
    fireEvent.keyDown(screen.getByTestId('update-error'), { key: 'Escape' });
    expect(screen.queryByTestId('update-error')).toBeNull();
  });
});
