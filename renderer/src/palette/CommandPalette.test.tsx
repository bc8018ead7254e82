import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpdatesStatus } from '@shared/api/updates';
import type { Role } from '@shared/permissions';
import { DialogHost } from '../app/DialogHost';
import { MeProvider } from '../auth/session';
import { useHealthDialogs } from '../health/health-dialog-store';
import { useDialogStore } from '../state/dialog-store';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { me, server, vaultStatus } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { usePaletteShortcut } from './use-palette-shortcut';

const WEB = server({ id: '11111111-1111-4111-8111-111111111111', name: 'web-01', host: 'web01.example.com' });
const DB = server({ id: '22222222-2222-4222-8222-222222222222', name: 'db-01', host: 'db01.example.com' });
const SUPPORTED: UpdatesStatus = { supported: true, reason: null, channel: 'stable', state: { kind: 'not-available' } };

afterEach(() => {
  useHealthDialogs.setState({ dialog: null });
});

function Shortcut() {
  usePaletteShortcut();
  return null;
}

function renderPalette(role: Role = 'admin', handlers: Handlers = {}) {
  const client = fakeClient({
    'servers.list': async (input) => {
      const q = input.q?.toLowerCase() ?? '';
      const items = [WEB, DB].filter((candidate) => candidate.name.includes(q) || candidate.host.includes(q));
      return { items, total: items.length };
    },
    'vault.status': async () => vaultStatus(),
    'updates.status': async () => SUPPORTED,
    ...handlers,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <button type="button">Somewhere on the page</button>
      <Shortcut />
      <DialogHost />
    </MeProvider>,
    client,
  );
  return client;
}

const pressCtrlK = () => fireEvent.keyDown(document, { key: 'k', ctrlKey: true });
const box = () => screen.getByRole('combobox');
const type = (text: string) => fireEvent.change(box(), { target: { value: text } });
const key = (name: string) => fireEvent.keyDown(box(), { key: name });
const optionLabels = () => screen.queryAllByRole('option').map((option) => option.querySelector('.palette__label')?.textContent);
const activeOption = () => {
  const id = box().getAttribute('aria-activedescendant');
  return id ? document.getElementById(id) : null;
};

describe('the command palette', () => {
  it('opens with Ctrl+K, focused on its search box, and Esc returns focus where it was', () => {
    renderPalette();
    const before = screen.getByRole('button', { name: 'Somewhere on the page' });
    before.focus();

    pressCtrlK();
    expect(screen.getByTestId('command-palette')).toBeTruthy();
    expect(document.activeElement).toBe(box());
    expect(box().getAttribute('aria-controls')).toBe(screen.getByRole('listbox').id);

    fireEvent.keyDown(box(), { key: 'Escape' });
    expect(screen.queryByTestId('command-palette')).toBeNull();
    expect(document.activeElement).toBe(before);
  });

  it('opens with Cmd+K too, and the shortcut closes it again', () => {
    renderPalette();
    fireEvent.keyDown(document, { key: 'K', metaKey: true });
    expect(screen.getByTestId('command-palette')).toBeTruthy();
    pressCtrlK();
    expect(screen.queryByTestId('command-palette')).toBeNull();
  });

  it('does not open over another dialog', () => {
    renderPalette();
    act(() => useDialogStore.getState().open({ kind: 'server-create' }));
    pressCtrlK();
    expect(useDialogStore.getState().dialog).toEqual({ kind: 'server-create' });
  });

  it('filters pages and actions as one types, for what the role may do', async () => {
    renderPalette('admin');
    pressCtrlK();
    expect(optionLabels()).toContain('Audit log');
    type('audit');
    expect(await screen.findByRole('option', { name: /Verify the audit log/ })).toBeTruthy();
    expect(optionLabels()).toEqual(['Audit log', 'Verify the audit log']);
    type('nothing like this');
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Nothing matches “nothing like this”/));
    expect(screen.queryAllByRole('option')).toEqual([]);
  });

  it('offers a viewer neither the audit log nor any change', () => {
    renderPalette('viewer');
    pressCtrlK();
    const labels = optionLabels();
    expect(labels).not.toContain('Audit log');
    expect(labels).not.toContain('Add a server');
    expect(labels).not.toContain('Verify the audit log');
    expect(labels).not.toContain('Check for updates');
    expect(labels).toContain('Switch to dark theme');
  });

  it('moves the active option with the arrows, wrapping, and Enter goes to the page', () => {
    renderPalette('admin');
    pressCtrlK();
    const options = screen.getAllByRole('option');
    expect(activeOption()).toBe(options[0]);
    expect(options[0]?.getAttribute('aria-selected')).toBe('true');
    key('ArrowDown');
    expect(activeOption()).toBe(options[1]);
    expect(options[0]?.getAttribute('aria-selected')).toBe('false');
    key('ArrowUp');
    key('ArrowUp');
    expect(activeOption()).toBe(options[options.length - 1]);

    type('incid');
    key('Enter');
    expect(window.location.hash).toBe('#/incidents');
    expect(screen.queryByTestId('command-palette')).toBeNull();
  });

  it('finds a server by part of its name (debounced) and Enter opens its page', async () => {
    const client = renderPalette('viewer');
    pressCtrlK();
    type('web');
    const option = await screen.findByRole('option', { name: /web-01/ });
    expect(client.calls.filter((call) => call.name === 'servers.list').map((call) => call.input)).toEqual([{ q: 'web', limit: 8 }]);
    expect(within(screen.getByRole('listbox')).getByRole('group', { name: 'Servers' })).toBeTruthy();
    expect(activeOption()).toBe(option);
    key('Enter');
    expect(window.location.hash).toBe(`#/servers/${WEB.id}/health`);
  });

  it('adds a check to a server picked in the palette', async () => {
    renderPalette('operator');
    pressCtrlK();
    type('check');
    key('Enter');
    expect(box().getAttribute('aria-label')).toBe('Server to add a check to');
    expect(await screen.findByRole('option', { name: /db-01/ })).toBeTruthy();
    type('db');
    await waitFor(() => expect(optionLabels()).toEqual(['db-01']));
    key('Enter');
    expect(useHealthDialogs.getState().dialog).toMatchObject({ kind: 'check-create', server: { id: DB.id, name: 'db-01' } });
    expect(window.location.hash).toBe(`#/servers/${DB.id}/health`);
    expect(useDialogStore.getState().dialog).toBeNull();
  });

  it('Esc in the server picker goes back to everything first', async () => {
    renderPalette('operator');
    pressCtrlK();
    type('add a check');
    key('Enter');
    await screen.findByRole('option', { name: /web-01/ });
    fireEvent.keyDown(box(), { key: 'Escape' });
    expect(screen.getByTestId('command-palette')).toBeTruthy();
    expect(optionLabels()).toContain('Overview');
  });

  it('locks the vault, then closes', async () => {
    const client = renderPalette('admin', { 'vault.lock': async () => vaultStatus({ locked: true }) });
    pressCtrlK();
    type('lock');
    await screen.findByRole('option', { name: /Lock the vault/ });
    key('Enter');
    await waitFor(() => expect(screen.queryByTestId('command-palette')).toBeNull());
    expect(client.calls.some((call) => call.name === 'vault.lock')).toBe(true);
    expect(await screen.findByText('Vault locked')).toBeTruthy();
  });

  it('checks for updates only where Guardian updates itself', async () => {
    const client = renderPalette('admin', { 'updates.check': async () => ({ ...SUPPORTED, state: { kind: 'checking' } }) });
    pressCtrlK();
    type('updates');
    await screen.findByRole('option', { name: /Check for updates/ });
    key('Enter');
    await waitFor(() => expect(client.calls.some((call) => call.name === 'updates.check')).toBe(true));
  });

  it('offers no update check headless', async () => {
    const client = renderPalette('admin', {
      'updates.status': async () => ({ supported: false, reason: 'headless', channel: 'stable', state: { kind: 'idle' } }),
    });
    pressCtrlK();
    await waitFor(() => expect(client.calls.some((call) => call.name === 'updates.status')).toBe(true));
    await act(async () => {
      await Promise.resolve();
    });
    type('updates');
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/Nothing matches/));
  });
});
