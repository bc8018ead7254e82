import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClient } from '../testing/fake-client';
import { appError, me, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { renderApp } from '../testing/render';

withLayout();

beforeEach(() => {
  // The lock keeps whatever page is open; these tests keep the servers page open.
  window.location.hash = '#/servers';
});

afterEach(() => {
  vi.useRealTimers();
});

/** A server whose session can be ended from the test, as an idle timeout or a revocation would. */
function sessionServer(user = me()) {
  let session = true;
  const expired = () => appError('UNAUTHENTICATED', 'Your session has ended.', 'Sign in again.');
  const client = fakeClient({
    'auth.status': async () => ({ setupRequired: false, user, onboarding: 'done' }),
    'servers.list': async () => {
      if (!session) throw expired();
      return { items: [server()], total: 1 };
    },
    'servers.facets': async () => ({ tags: [], environments: [{ value: 'production', count: 1 }] }),
    'auth.login': async () => {
      session = true;
      return user;
    },
    'auth.logout': async () => {
      session = false;
      return { ok: true as const };
    },
  });
  return { client, endSession: () => (session = false) };
}

const listCalls = (client: ReturnType<typeof fakeClient>) => client.calls.filter((call) => call.name === 'servers.list').length;

describe('Lock screen', () => {
  it('appears over the page when a call answers UNAUTHENTICATED, keeps the page, and unlocks as the same user', async () => {
    const { client, endSession } = sessionServer();
    renderApp(client);
    expect(await screen.findByText('web-01')).toBeTruthy();

    endSession();
    act(() => client.emit('servers.changed', { change: 'updated', ids: [] }));

    const lock = await screen.findByRole('dialog', { name: 'Session locked' });
    expect(lock).toBeTruthy();
    // The page is still there underneath, made inert.
    expect(screen.getByText('web-01')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Servers', hidden: true })).toBeTruthy();
    expect(document.querySelector('.shell')?.hasAttribute('inert')).toBe(true);

    const before = listCalls(client);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse battery' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));

    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Session locked' })).toBeNull());
    expect(client.calls.find((call) => call.name === 'auth.login')?.input).toEqual({ username: 'alice', password: 'correct horse battery' });
    await waitFor(() => expect(listCalls(client)).toBeGreaterThan(before));
    expect(screen.getByText('web-01')).toBeTruthy();
  });

  it('asks for the one-time code too when the account has two-factor', async () => {
    const { client, endSession } = sessionServer(me({ totpEnabled: true }));
    renderApp(client);
    await screen.findByText('web-01');

    endSession();
    act(() => client.emit('servers.changed', { change: 'updated', ids: [] }));

    await screen.findByRole('dialog', { name: 'Session locked' });
    expect(screen.getByLabelText('One-time code')).toBeTruthy();
  });

  it('locks after the idle timeout without mouse or keyboard activity, and signs the session out', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { client } = sessionServer(me({ idleTimeoutMs: 60_000 }));
    renderApp(client);
    await screen.findByText('web-01');

    await act(() => vi.advanceTimersByTimeAsync(40_000));
    fireEvent.keyDown(document.body, { key: 'Shift' });
    await act(() => vi.advanceTimersByTimeAsync(40_000));
    expect(screen.queryByRole('dialog', { name: 'Session locked' })).toBeNull();

    await act(() => vi.advanceTimersByTimeAsync(21_000));
    expect(screen.getByRole('dialog', { name: 'Session locked' })).toBeTruthy();
    expect(screen.getByText(/Nothing happened here for 1 minute/)).toBeTruthy();
    expect(client.calls.some((call) => call.name === 'auth.logout')).toBe(true);
    expect(screen.getByText('web-01')).toBeTruthy();
  });
});
