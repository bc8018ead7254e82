import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { VaultStatus } from '@shared/api/vault';
import type { Role } from '@shared/permissions';
import { DialogHost } from '../app/DialogHost';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { me, secret, vaultStatus } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { VaultPage } from './VaultPage';

function renderPage(handlers: Handlers, role: Role = 'admin') {
  const client = fakeClient({ 'secrets.list': async () => ({ items: [secret()] }), ...handlers });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <VaultPage />
      <DialogHost />
    </MeProvider>,
    client,
  );
  return client;
}

describe('VaultPage', () => {
  it('while locked: the unlock form, the secrets’ metadata, and nothing that needs the key', async () => {
    let status: VaultStatus = vaultStatus({ locked: true });
    const client = renderPage({
      'vault.status': async () => status,
      'vault.unlock': async () => {
        status = vaultStatus({ locked: false });
        // As the server does: the change comes back as its event, which refreshes the page.
        queueMicrotask(() => client.emit('vault.changed', { change: 'unlocked', ids: [] }));
        return status;
      },
    });

    expect((await screen.findByTestId('vault-locked')).textContent).toContain('The vault is locked');
    expect(screen.getByTestId('vault-locked').textContent).toContain('15 minutes');
    expect(screen.queryByRole('button', { name: 'Add secret' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Lock vault' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Unlock with OS keychain' })).toBeNull();
    const row = await screen.findByTestId('secret-row');
    expect(row.textContent).toContain('db-01 root');
    expect((within(row).getByRole('button', { name: 'Reveal db-01 root' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Unlock vault' }));
    expect(screen.getByText('Enter the vault passphrase.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Vault passphrase'), { target: { value: 'the vault passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Unlock vault' }));

    expect(await screen.findByRole('button', { name: 'Add secret' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Lock vault' })).toBeTruthy();
    expect(screen.queryByTestId('vault-locked')).toBeNull();
    expect(client.calls.find((call) => call.name === 'vault.unlock')?.input).toEqual({ with: { kind: 'passphrase', passphrase: 'the vault passphrase' } });
  });

  it('offers the OS keychain when a slot of that kind exists', async () => {
    renderPage({
      'vault.status': async () =>
        vaultStatus({
          locked: true,
          slots: [{ id: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', kind: 'os', label: 'OS keychain', createdAt: 1, lastUsedAt: null }],
        }),
    });
    expect(await screen.findByRole('button', { name: 'Unlock with OS keychain' })).toBeTruthy();
    expect(screen.queryByLabelText('Vault passphrase')).toBeNull();
  });

  it('unlocks with a key file by naming none: the server uses the one it was given (or the desktop asks for it)', async () => {
    const keyFileSlot = { id: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0', kind: 'keyfile' as const, label: 'service', createdAt: 1, lastUsedAt: null };
    const client = renderPage({
      'vault.status': async () =>
        vaultStatus({ locked: true, slots: [keyFileSlot], keyFile: { source: 'configured', reason: 'The key file this service was started with.' } }),
      'vault.unlock': async () => vaultStatus(),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Unlock with the service’s key file' }));
    await waitFor(() => expect(client.calls.find((call) => call.name === 'vault.unlock')?.input).toEqual({ with: { kind: 'keyfile' } }));
    expect(screen.queryByLabelText(/path/i)).toBeNull();
  });

  it('without a key file given, says how to give one instead of offering it', async () => {
    const keyFileSlot = { id: '2c3d4e5f-6071-4829-93a4-b5c6d7e8f9a0', kind: 'keyfile' as const, label: 'service', createdAt: 1, lastUsedAt: null };
    renderPage({ 'vault.status': async () => vaultStatus({ locked: true, slots: [keyFileSlot] }) });
    expect((await screen.findByTestId('vault-unlock-keyfile-none')).textContent).toContain('--vault-key-file');
    expect(screen.queryByRole('button', { name: /key file/ })).toBeNull();
  });

  it.each<Role>(['auditor', 'operator'])('an %s is told who can unlock the vault, with no form for it', async (role) => {
    renderPage({ 'vault.status': async () => vaultStatus({ locked: true }) }, role);
    expect((await screen.findByTestId('vault-unlock-ask')).textContent).toContain('Ask an owner or admin');
    expect(screen.queryByLabelText('Vault passphrase')).toBeNull();
  });

  it.each<Role>(['auditor', 'operator'])('an %s gets no button to lock the unlocked vault', async (role) => {
    renderPage({ 'vault.status': async () => vaultStatus({ locked: false }) }, role);
    expect(await screen.findByTestId('vault-state')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Lock vault' })).toBeNull();
  });

  it('says when a rotation was interrupted and offers to resume it', async () => {
    renderPage({ 'vault.status': async () => vaultStatus({ rotation: { inProgress: true, remaining: 3 } }), 'jobs.list': async () => ({ items: [] }) });
    expect((await screen.findByTestId('rotation-interrupted')).textContent).toContain('A rotation was interrupted; 3 secrets left');
    fireEvent.click(screen.getByRole('button', { name: 'Resume rotation' }));
    expect(await screen.findByTestId('rotate-dialog')).toBeTruthy();
  });

  it('without a vault: explains it and asks for a passphrase when the OS keychain cannot be used', async () => {
    const client = renderPage({
      'vault.status': async () => vaultStatus({ initialized: false, locked: true, slots: [] }),
      'vault.init': async () => vaultStatus(),
    });
    expect((await screen.findByTestId('vault-create-form-os-reason')).textContent).toContain('No OS keychain is available here');
    expect(screen.queryByRole('button', { name: 'Use the OS keychain' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vault' }));
    expect(screen.getByTestId('vault-create-form-passphrase-error').textContent).toBe('A vault passphrase is at least 12 characters');

    fireEvent.change(screen.getByLabelText('Passphrase'), { target: { value: 'four random words here' } });
    fireEvent.change(screen.getByLabelText('Confirm passphrase'), { target: { value: 'four random words here' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vault' }));
    await waitFor(() =>
      expect(client.calls.find((call) => call.name === 'vault.init')?.input).toEqual({ slot: { kind: 'passphrase', passphrase: 'four random words here' } }),
    );
  });
});
