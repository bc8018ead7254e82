import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/api';
import { fakeClient, type Handlers } from '../../testing/fake-client';
import type { Role } from '@shared/permissions';
import type { ReactNode } from 'react';
import { MeProvider } from '../../auth/session';
import type { GuardianClient } from '../../api/client';
import { fieldError, me, server } from '../../testing/fixtures';
import { renderWithClient } from '../../testing/render';
import { ServerFormDialog } from './ServerFormDialog';

const facets: Handlers['servers.facets'] = async () => ({ tags: [], environments: [{ value: 'production', count: 1 }] });

/** The dialog as the app frame has it: under a signed-in user (an admin unless said). */
const renderForm = (ui: ReactNode, client: GuardianClient, role: Role = 'admin') => renderWithClient(<MeProvider me={me({ role })}>{ui}</MeProvider>, client);

/** The message shown under a labelled field (its aria-describedby text). */
function messageUnder(label: string): string | null {
  const input = screen.getByLabelText(label);
  const id = input.getAttribute('aria-describedby');
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('ServerFormDialog', () => {
  it('shows a name conflict from the server under the Name field and keeps the dialog open', async () => {
    const onClose = vi.fn();
    const message = 'A server named "web-01" already exists';
    const client = fakeClient({
      'servers.facets': facets,
      'servers.create': () => Promise.reject(fieldError('CONFLICT', [{ path: ['name'], message }])),
    });
    renderForm(<ServerFormDialog onClose={onClose} />, client);

    fill('Name', 'web-01');
    fill('Host', 'web01.example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(messageUnder('Name')).toBe(message));
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Host').getAttribute('aria-invalid')).toBe('false');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('places each validation issue from the server under its own field', async () => {
    const client = fakeClient({
      'servers.facets': facets,
      'servers.update': () =>
        Promise.reject(
          fieldError('VALIDATION_FAILED', [
            { path: ['port'], message: 'SSH port is refused by the server' },
            { path: ['tags', 1], message: 'Tag is refused by the server' },
          ]),
        ),
    });
    renderForm(<ServerFormDialog server={server()} onClose={() => undefined} />, client);

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(messageUnder('SSH port')).toBe('SSH port is refused by the server'));
    expect(messageUnder('Tags')).toBe('Tag is refused by the server');
  });

  it('checks the input with the contract before sending, with the contract’s messages', async () => {
    const client = fakeClient({ 'servers.facets': facets });
    renderForm(<ServerFormDialog onClose={() => undefined} />, client);

    fill('Host', 'not a host');
    fill('SSH port', '70000');
    fill('Port to watch', 'https');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(messageUnder('SSH port')).toBe('SSH port must be between 1 and 65535'));
    expect(messageUnder('Port to watch')).toBe('Port must be a number');
    expect(messageUnder('Name')).toBe('Name cannot be empty');
    expect(messageUnder('Host')).toBe('Host must be a DNS name, an IPv4 address or an IPv6 address');
    expect(client.calls.map((call) => call.name)).not.toContain('servers.create');

    fill('SSH port', '2222');
    expect(messageUnder('SSH port')).toBeNull();
  });

  it('sends what was typed (tags split on commas and spaces), then confirms and closes', async () => {
    const onClose = vi.fn();
    const client = fakeClient({
      'servers.facets': facets,
      'servers.create': async (input) => ({ ...server({ name: input.name, host: input.host }), check: null }),
    });
    renderForm(<ServerFormDialog onClose={onClose} />, client);

    fill('Name', 'db-01');
    fill('Host', 'DB01.Example.com');
    fill('SSH port', '5432');
    fill('User', 'postgres');
    fill('Environment', 'staging');
    fill('Tags', 'db, eu-west  primary');
    fill('Notes', 'Primary database');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(client.calls.find((call) => call.name === 'servers.create')?.input).toEqual({
      name: 'db-01',
      host: 'db01.example.com',
      port: 5432,
      user: 'postgres',
      environment: 'staging',
      tags: ['db', 'eu-west', 'primary'],
      notes: 'Primary database',
      jumpHostId: null,
      dependsOnId: null,
      agentForwarding: false,
      monitor: { type: 'tcp' },
    });
    expect((await screen.findByRole('status')).textContent).toContain('Added db-01');
  });

  it('forwards the SSH agent only when an owner or admin ticks it; an operator cannot', async () => {
    const label = 'Forward Guardian’s SSH agent to it for commands';
    const client = fakeClient({
      'servers.facets': facets,
      'servers.update': async (input) => ({ ...server(), agentForwarding: input.agentForwarding ?? false }),
    });
    const view = renderForm(<ServerFormDialog server={server()} onClose={() => undefined} />, client, 'operator');
    expect((screen.getByLabelText(label) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/Only owners and admins turn it on/)).toBeTruthy();
    view.unmount();

    renderForm(<ServerFormDialog server={server()} onClose={() => undefined} />, client, 'admin');
    const box = screen.getByLabelText(label) as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.calls.find((call) => call.name === 'servers.update')?.input).toMatchObject({ agentForwarding: true }));
  });

  it('watches a new server by default on the port typed, kept apart from its SSH port, and offers its health page next', async () => {
    const onClose = vi.fn();
    const created = {
      ...server({ id: 'srv-shop', name: 'shop', host: 'shop.example.com' }),
      check: { id: 'chk-1', name: 'tcp shop.example.com:443', type: 'tcp', port: 443 },
    };
    const client = fakeClient({ 'servers.facets': facets, 'servers.create': async () => created });
    renderForm(<ServerFormDialog onClose={onClose} />, client);

    const watch = screen.getByRole('checkbox', { name: 'Watch it with a check' }) as HTMLInputElement;
    expect(watch.checked).toBe(true);
    expect(messageUnder('Port to watch')).toContain('Empty: the SSH port (22)');
    fill('Name', 'shop');
    fill('Host', 'shop.example.com');
    fill('Port to watch', '443');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(onClose).toHaveBeenCalled());
    // No environment was typed: the server gets none (not "production").
    expect(client.calls.find((call) => call.name === 'servers.create')?.input).toMatchObject({
      port: 22,
      environment: '',
      monitor: { type: 'tcp', port: 443 },
    });
    const toast = await screen.findByRole('status');
    expect(toast.textContent).toContain('Watched by a TCP check on port 443.');
    expect(within(toast).getByRole('link', { name: 'Open its health page' }).getAttribute('href')).toBe('#/servers/srv-shop/health');
  });

  it('adds a server without a check when the choice is turned off, and says nothing will watch it', async () => {
    const onClose = vi.fn();
    const client = fakeClient({
      'servers.facets': facets,
      'servers.create': async (input) => ({ ...server({ name: input.name, host: input.host }), check: null }),
    });
    renderForm(<ServerFormDialog onClose={onClose} />, client);

    fill('Name', 'lab');
    fill('Host', 'lab.example.com');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Watch it with a check' }));
    expect(screen.queryByLabelText('Port to watch')).toBeNull();
    expect(screen.getByTestId('server-form-unwatched').textContent).toContain('Nothing will watch this server');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(client.calls.find((call) => call.name === 'servers.create')?.input).toMatchObject({ monitor: false });
    expect((await screen.findByRole('status')).textContent).toContain('Not watched');
  });

  it('offers no check choice when editing: a server’s checks are changed on its health page', () => {
    renderForm(<ServerFormDialog server={server()} onClose={() => undefined} />, fakeClient({ 'servers.facets': facets }));
    expect(screen.queryByRole('checkbox', { name: 'Watch it with a check' })).toBeNull();
  });

  it('connects through another server: offers every other one but those that go through this one, and shows the refusal under it', async () => {
    const edited = server({ id: '0b0e2c7a-6a41-4a7e-9d0c-3f1b2a4c5d6e', name: 'app', host: 'app.internal' });
    const bastion = server({ id: '1c1f3d8b-7b52-4b8f-8e1d-4a2c3b5d6e7f', name: 'bastion', host: 'bastion.example.com' });
    const behind = server({ id: '2d2a4e9c-8c63-4c9a-9f2e-5b3d4c6e7f80', name: 'behind-app', host: 'deep.internal', jumpHostId: edited.id });
    const message = 'bastion would pass 5 jump hosts; at most 4 are allowed.';
    const client = fakeClient({
      'servers.facets': facets,
      'servers.list': async () => ({ items: [edited, bastion, behind], total: 3 }),
      'servers.update': () => Promise.reject(fieldError('VALIDATION_FAILED', [{ path: ['jumpHostId'], message }])),
    });
    renderForm(<ServerFormDialog server={edited} onClose={() => undefined} />, client);

    const select = (await screen.findByLabelText('Connect through')) as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((option) => option.text)).toEqual(['Directly', 'bastion (bastion.example.com)']));
    expect(select.value).toBe('');
    fireEvent.change(select, { target: { value: bastion.id } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(messageUnder('Connect through')).toBe(message));
    expect(client.calls.find((call) => call.name === 'servers.update')?.input).toMatchObject({ id: edited.id, jumpHostId: bastion.id });
  });

  it('depends on another server: offers every other one but those that depend on this one, and shows the refusal under it', async () => {
    const edited = server({ id: '0b0e2c7a-6a41-4a7e-9d0c-3f1b2a4c5d6e', name: 'web', host: 'web.internal' });
    const router = server({ id: '1c1f3d8b-7b52-4b8f-8e1d-4a2c3b5d6e7f', name: 'router', host: 'router.internal' });
    const behind = server({ id: '2d2a4e9c-8c63-4c9a-9f2e-5b3d4c6e7f80', name: 'app', host: 'app.internal', dependsOnId: edited.id });
    const message = 'router is gone.';
    const client = fakeClient({
      'servers.facets': facets,
      'servers.list': async () => ({ items: [edited, router, behind], total: 3 }),
      'servers.update': () => Promise.reject(fieldError('VALIDATION_FAILED', [{ path: ['dependsOnId'], message }])),
    });
    renderForm(<ServerFormDialog server={edited} onClose={() => undefined} />, client);

    const select = (await screen.findByLabelText('Depends on')) as HTMLSelectElement;
    // Not itself, and not app, which already depends on it (a loop).
    await waitFor(() => expect([...select.options].map((option) => option.text)).toEqual(['Nothing', 'router (router.internal)']));
    fireEvent.change(select, { target: { value: router.id } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(messageUnder('Depends on')).toBe(message));
    expect(client.calls.find((call) => call.name === 'servers.update')?.input).toMatchObject({ id: edited.id, dependsOnId: router.id });
  });

  it('shows a failure that concerns no field with its message and hint', async () => {
    const client = fakeClient({
      'servers.facets': facets,
      'servers.create': () => Promise.reject(new AppError('BUSY', 'The database is busy.', { hint: 'Try again in a moment.' })),
    });
    renderForm(<ServerFormDialog onClose={() => undefined} />, client);
    fill('Name', 'web-02');
    fill('Host', 'web02.example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The database is busy.');
    expect(alert.textContent).toContain('Try again in a moment.');
  });
});
