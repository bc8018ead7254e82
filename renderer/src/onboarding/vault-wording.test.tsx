import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { GuardianClient } from '../api/client';
import { fakeClient } from '../testing/fake-client';
import { vaultStatus } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { VaultStep } from './VaultStep';
import { WelcomeStep } from './WelcomeStep';

const SERVE_REASON =
  'The OS keychain belongs to the desktop app. This Guardian runs as a service (guardian serve), so its vault is protected by a passphrase, or by a key file the service is started with (--vault-key-file).';

/** The wizard's client as `guardian serve` (HTTP) or the desktop app (IPC) gives it. */
function clientFor(where: 'serve' | 'desktop', os: { available: boolean; reason: string }): GuardianClient {
  const client = fakeClient({ 'vault.status': async () => vaultStatus({ initialized: false, locked: true, slots: [], os, autoLockMs: 15 * 60_000 }) });
  return { ...client, transport: where === 'serve' ? 'http' : 'ipc' };
}

describe('What protects the vault, said for where Guardian runs', () => {
  it('under guardian serve: a passphrase (or a key file), asked at every restart and after the auto-lock; no keychain promised', async () => {
    const client = clientFor('serve', { available: false, reason: SERVE_REASON });
    renderWithClient(<WelcomeStep onStart={() => undefined} pending={false} />, client);
    const welcome = screen.getByText(/Keeps their secrets/).closest('li')?.textContent ?? '';
    expect(welcome).toContain('a passphrase you choose');
    expect(welcome).not.toContain('keychain');

    renderWithClient(<VaultStep onDone={() => undefined} />, client);
    const when = (await screen.findByTestId('vault-step-when')).textContent ?? '';
    expect(when).toContain('runs as a service (guardian serve)');
    expect(when).toContain('each time Guardian restarts');
    expect(when).toContain('15 minutes without use');
    expect(when).toContain('--vault-key-file');
    expect(screen.getByTestId('vault-step-os-reason').textContent).toContain('belongs to the desktop app');
    expect(screen.queryByRole('button', { name: 'Use the OS keychain' })).toBeNull();
  });

  it('in the desktop app with a keychain: the keychain, with nothing to type; a passphrase would be asked at each start', async () => {
    const client = clientFor('desktop', { available: true, reason: 'The keychain (libsecret) protects the vault.' });
    renderWithClient(<WelcomeStep onStart={() => undefined} pending={false} />, client);
    expect(screen.getByText(/Keeps their secrets/).closest('li')?.textContent).toContain('your operating system’s keychain');

    renderWithClient(<VaultStep onDone={() => undefined} />, client);
    const when = (await screen.findByTestId('vault-step-when')).textContent ?? '';
    expect(when).toContain('nothing to type');
    expect(when).toContain('each time Guardian starts');
    expect(screen.getByRole('button', { name: 'Use the OS keychain' })).toBeTruthy();
  });
});
