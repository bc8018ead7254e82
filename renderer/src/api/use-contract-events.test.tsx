import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { MethodName } from '@shared/api';
import { overview } from '../health/testing/fixtures';
import { fakeClient, type FakeClient } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { useMethodMutation, useMethodQuery } from './hooks';

/**
 * A domain's change event is what refreshes a window, the caller's own included: it reads again
 * exactly the namespaces the change touched, and a change's success alone reads nothing again.
 */

function Reads() {
  useMethodQuery('checks.list', {});
  useMethodQuery('health.overview', {});
  useMethodQuery('maintenance.list', {});
  useMethodQuery('users.list', {});
  useMethodQuery('apikeys.list', {});
  useMethodQuery('schedules.list', {});
  useMethodQuery('secrets.list', {});
  useMethodQuery('auth.me', {});
  const pause = useMethodMutation('checks.pause');
  const logout = useMethodMutation('auth.logout');
  return (
    <>
      <button type="button" onClick={() => pause.mutate({ serverId: '5f0c6d1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f' })}>
        Pause
      </button>
      <button type="button" onClick={() => logout.mutate({})}>
        Sign out
      </button>
      <span>{pause.isSuccess ? 'paused' : ''}</span>
      <span>{logout.isSuccess ? 'signed out' : ''}</span>
    </>
  );
}

function setup(): { client: FakeClient; reads: (name: MethodName) => number } {
  const client = fakeClient({
    'checks.list': async () => ({ items: [] }),
    'health.overview': async () => overview(),
    'maintenance.list': async () => ({ items: [] }),
    'users.list': async () => ({ items: [] }),
    'apikeys.list': async () => ({ items: [] }),
    'schedules.list': async () => ({ items: [] }),
    'secrets.list': async () => ({ items: [] }),
    'auth.me': async () => me(),
    'checks.pause': async () => ({ ids: ['1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f'] }),
    'auth.logout': async () => ({ ok: true }),
  });
  renderWithClient(<Reads />, client);
  return { client, reads: (name) => client.calls.filter((call) => call.name === name).length };
}

/** How many times each read was made, for the reads that were made at least once. */
const counts = (reads: (name: MethodName) => number, names: MethodName[]) => Object.fromEntries(names.map((name) => [name, reads(name)]));
const READS: MethodName[] = ['checks.list', 'health.overview', 'maintenance.list', 'users.list', 'apikeys.list', 'schedules.list', 'secrets.list'];

describe('change events', () => {
  it('read again the namespaces the change touched, and nothing else', async () => {
    const { client, reads } = setup();
    await waitFor(() => expect(reads('secrets.list')).toBe(1));
    const once = Object.fromEntries(READS.map((name) => [name, 1]));
    expect(counts(reads, READS)).toEqual(once);

    act(() => client.emit('checks.changed', { change: 'paused', ids: ['1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f'] }));
    // A check changes its server's health and the overview's counts: both are read again.
    await waitFor(() => expect(counts(reads, READS)).toEqual({ ...once, 'checks.list': 2, 'health.overview': 2 }));

    act(() => client.emit('users.changed', { change: 'deleted', ids: ['alice'] }));
    // A deleted account takes its keys with it.
    await waitFor(() => expect(counts(reads, READS)).toEqual({ ...once, 'checks.list': 2, 'health.overview': 2, 'users.list': 2, 'apikeys.list': 2 }));

    act(() => client.emit('vault.changed', { change: 'locked', ids: [] }));
    await waitFor(() => expect(reads('secrets.list')).toBe(2));
    act(() => client.emit('schedules.changed', { change: 'created', ids: ['s1'] }));
    act(() => client.emit('maintenance.changed', { change: 'deleted', ids: ['m1'] }));
    await waitFor(() =>
      expect(counts(reads, READS)).toEqual({
        'checks.list': 2,
        'health.overview': 3,
        'maintenance.list': 2,
        'users.list': 2,
        'apikeys.list': 2,
        'schedules.list': 2,
        'secrets.list': 2,
      }),
    );

    act(() => client.emit('servers.changed', { change: 'deleted', ids: ['5f0c6d1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f'] }));
    // A deleted server leaves the overview and takes its checks with it.
    await waitFor(() => expect(counts(reads, READS)).toMatchObject({ 'checks.list': 3, 'health.overview': 4, 'maintenance.list': 2 }));
  });

  it('leave a change’s own success to its event: nothing is read twice', async () => {
    const { client, reads } = setup();
    await waitFor(() => expect(reads('checks.list')).toBe(1));

    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await screen.findByText('paused');
    // Nothing is read on success…
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(counts(reads, ['checks.list', 'health.overview'])).toEqual({ 'checks.list': 1, 'health.overview': 1 });

    // …the event that comes back over the stream reads each once.
    act(() => client.emit('checks.changed', { change: 'paused', ids: ['1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f'] }));
    await waitFor(() => expect(counts(reads, ['checks.list', 'health.overview'])).toEqual({ 'checks.list': 2, 'health.overview': 2 }));
  });

  it('refresh the session’s own reads when signing out succeeds: no event announces one session', async () => {
    const { reads } = setup();
    await waitFor(() => expect(reads('auth.me')).toBe(1));
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByText('signed out');
    await waitFor(() => expect(reads('auth.me')).toBe(2));
    expect(reads('users.list')).toBe(1);
  });
});
