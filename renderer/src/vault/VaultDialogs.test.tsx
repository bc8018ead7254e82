import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { appError, job, me, vaultStatus } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { ExportVaultDialog } from './ExportVaultDialog';
import { FullRotationDialog } from './FullRotationDialog';
import { ImportVaultDialog } from './ImportVaultDialog';

const EXPORT_PASSPHRASE = 'an export passphrase';

describe('ExportVaultDialog', () => {
  it('asks for the password again when the server wants it, then exports with the same passphrase', async () => {
    let reauthenticated = false;
    const client = fakeClient({
      'vault.export': async () => {
        if (!reauthenticated) throw appError('REAUTH_REQUIRED', 'Confirm it is you before revealing a secret.');
        return { fileName: 'guardian-vault-2026-01-01.gvault', count: 3, content: '{}' };
      },
      'auth.reauth': async () => {
        reauthenticated = true;
        return { validUntil: Date.now() + 300_000 };
      },
    });
    renderWithClient(
      <MeProvider me={me()}>
        <ExportVaultDialog onClose={() => undefined} />
      </MeProvider>,
      client,
    );
    fireEvent.change(screen.getByLabelText('Export passphrase'), { target: { value: EXPORT_PASSPHRASE } });
    fireEvent.change(screen.getByLabelText('Confirm export passphrase'), { target: { value: EXPORT_PASSPHRASE } });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));

    expect((await screen.findByRole('form', { name: 'Confirm it is you' })).textContent).toContain('Exporting every secret needs your password again');
    fireEvent.change(screen.getByLabelText('Your password'), { target: { value: 'my account password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    expect(await screen.findByText('Exported 3 secrets')).toBeTruthy();
    expect(client.calls.filter((call) => call.name === 'vault.export').map((call) => call.input)).toEqual([
      { passphrase: EXPORT_PASSPHRASE },
      { passphrase: EXPORT_PASSPHRASE },
    ]);
  });
});

describe('FullRotationDialog', () => {
  const slots = [
    { id: '11111111-1111-4111-8111-111111111111', kind: 'passphrase' as const, label: 'kept', createdAt: 1, lastUsedAt: null },
    { id: '22222222-2222-4222-8222-222222222222', kind: 'passphrase' as const, label: 'leaked', createdAt: 1, lastUsedAt: null },
    { id: '33333333-3333-4333-8333-333333333333', kind: 'keyfile' as const, label: 'service', createdAt: 1, lastUsedAt: null },
  ];
  const status = vaultStatus({ slots, keyFile: { source: 'configured', reason: 'The key file this service was started with.' } });

  it('wants the passphrase of each passphrase slot kept, removes the ones ticked, and follows the job', async () => {
    const client = fakeClient({
      'vault.rotate': async () => job({ kind: 'vault.rotate', title: 'Rotate all the vault’s keys' }),
      'jobs.get': () => new Promise(() => undefined),
    });
    renderWithClient(<FullRotationDialog status={status} onClose={() => undefined} />, client);

    fireEvent.click(screen.getByRole('button', { name: 'Rotate all keys' }));
    expect(screen.getAllByText('Enter this slot’s passphrase, or remove the slot.')).toHaveLength(2);
    expect(client.calls).toEqual([]);

    const [, leaked] = screen.getAllByRole('checkbox', { name: 'Remove this slot' });
    if (!leaked) throw new Error('no checkbox for the leaked slot');
    fireEvent.click(leaked);
    expect(screen.queryByLabelText('Passphrase of leaked')).toBeNull();
    fireEvent.change(screen.getByLabelText('Passphrase of kept'), { target: { value: 'the kept passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rotate all keys' }));

    expect(await screen.findByTestId('rotation-progress')).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'vault.rotate')?.input).toEqual({
      scope: 'full',
      passphrases: [{ slotId: slots[0]?.id, passphrase: 'the kept passphrase' }],
      dropSlots: [slots[1]?.id],
    });
  });
});

describe('ImportVaultDialog', () => {
  it('lists the links to servers this Guardian does not have, which the import left out', async () => {
    const client = fakeClient({
      'vault.import': async () => ({
        imported: 2,
        skipped: 0,
        droppedServerLinks: [{ secretId: '44444444-4444-4444-8444-444444444444', name: 'db root', serverIds: ['55555555-5555-4555-8555-555555555555'] }],
      }),
    });
    renderWithClient(<ImportVaultDialog onClose={() => undefined} />, client);
    const file = new File(['{"format":"guardian-vault-export"}'], 'backup.gvault');
    fireEvent.change(screen.getByLabelText('Vault export file'), { target: { files: [file] } });
    fireEvent.change(screen.getByLabelText('Export passphrase'), { target: { value: 'the export passphrase' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    const dropped = await screen.findByTestId('vault-import-dropped-links');
    expect(dropped.textContent).toContain('db root: 1 server');
    await waitFor(() => expect(screen.getByTestId('vault-import-imported').textContent).toBe('2'));
  });
});
