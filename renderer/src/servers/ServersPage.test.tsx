import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { useHealthDialogs } from '../health/health-dialog-store';
import { fleetServer, overview } from '../health/testing/fixtures';
import { useHealthEvents } from '../health/use-health-events';
import { useOperationsView } from '../operations/operations-store';
import { fakeClient } from '../testing/fake-client';
import { me, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { renderWithClient } from '../testing/render';
import { ServersPage } from './ServersPage';

const WATCHED = server();
const UNWATCHED = server({ id: '0b9c1f64-2f7e-4c55-8a1d-5e2f1c3b4a99', name: 'lab-01', host: 'lab01.example.com' });

function HealthEvents() {
  useHealthEvents();
  return null;
}

function renderAs(role: Role) {
  const client = fakeClient({
    'servers.list': async () => ({ items: [WATCHED, UNWATCHED], total: 2 }),
    'servers.facets': async () => ({ tags: [], environments: [{ value: 'production', count: 2 }] }),
    'health.overview': async () =>
      overview({
        servers: [
          fleetServer({ id: WATCHED.id, name: WATCHED.name, status: 'down', checks: 1 }),
          fleetServer({ id: UNWATCHED.id, name: UNWATCHED.name, status: 'unknown', checks: 0 }),
        ],
      }),
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <HealthEvents />
      <ServersPage />
    </MeProvider>,
    client,
  );
  return client;
}

const rowOf = (name: string) => screen.getAllByTestId('server-row').find((row) => row.textContent?.includes(name)) as HTMLElement;
const statusOf = (name: string) => within(rowOf(name)).getByTestId('server-status');

withLayout();

describe('ServersPage permissions', () => {
  it('shows a viewer the servers but no add, import, edit or delete controls', async () => {
    renderAs('viewer');

    expect(await screen.findByText('web-01')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Add server/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Import/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit web-01' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete web-01' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add check to web-01' })).toBeNull();
    expect(screen.getByRole('button', { name: /Export/ })).toBeTruthy();
  });

  it('shows an operator every control', async () => {
    renderAs('operator');

    expect(await screen.findByText('web-01')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Add server/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: /Import/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Edit web-01' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete web-01' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add check to web-01' }).getAttribute('title')).toBe('Add check');
    // Commands on servers are an admin's: an operator has no "Run on these".
    expect(screen.queryByRole('button', { name: 'Run on these' })).toBeNull();
  });

  it('hands an admin’s listed servers to the Operations page with "Run on these"', async () => {
    renderAs('admin');

    expect(await screen.findByText('web-01')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Run on these' }));
    expect(window.location.hash).toBe('#/operations');
    expect(useOperationsView.getState().draft).toEqual({ serverIds: [WATCHED.id, UNWATCHED.id], tags: [], environments: [] });
    useOperationsView.setState({ draft: null });
  });
});

describe('ServersPage status column', () => {
  it('shows each server’s status as the engine has it, says when nothing watches a server, and follows status changes', async () => {
    const client = renderAs('viewer');

    expect(await screen.findByRole('columnheader', { name: 'Status' })).toBeTruthy();
    expect(screen.getByRole('columnheader', { name: /SSH port/ })).toBeTruthy();
    await waitFor(() => expect(statusOf('web-01').textContent).toContain('Down'));
    expect(statusOf('lab-01').textContent).toBe('Not watched');

    act(() => client.emit('server.status', { serverId: WATCHED.id, from: 'down', to: 'up', at: Date.now() }));
    await waitFor(() => expect(statusOf('web-01').textContent).toContain('Up'));
  });

  it('opens the check editor for a server over its health page from "Add check"', async () => {
    renderAs('operator');
    fireEvent.click(await screen.findByRole('button', { name: 'Add check to lab-01' }));

    expect(window.location.hash).toBe(`#/servers/${UNWATCHED.id}/health`);
    expect(useHealthDialogs.getState().dialog).toMatchObject({ kind: 'check-create', server: { id: UNWATCHED.id, name: 'lab-01' } });
    act(() => useHealthDialogs.getState().close());
  });
});
