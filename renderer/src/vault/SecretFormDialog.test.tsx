import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AppError } from '@shared/api';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { me, secret, server } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { SecretFormDialog } from './SecretFormDialog';

const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

const inspectKey: Handlers['secrets.inspectKey'] = async ({ privateKey }) => {
  if (privateKey.includes('BEGIN OPENSSH PRIVATE KEY')) {
    return { type: 'ssh-ed25519', publicKey: 'ssh-ed25519 AAAAC3Nza', fingerprint: FINGERPRINT, comment: 'deploy@ci' };
  }
  throw AppError.fromShape({
    code: 'VALIDATION_FAILED',
    message: 'This is not an SSH private key Guardian can read.',
    hint: 'Paste the whole key, from -----BEGIN to -----END (OpenSSH or PEM format).',
    retryable: false,
    correlationId: 'c0ffee00-0000-4000-8000-000000000002',
    issues: [{ path: ['value', 'privateKey'], message: 'Not a readable private key' }],
  });
};

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

function open(handlers: Handlers) {
  const client = fakeClient({
    'secrets.inspectKey': inspectKey,
    'servers.list': async () => ({ items: [server()], total: 1 }),
    ...handlers,
  });
  renderWithClient(
    <MeProvider me={me({ role: 'operator' })}>
      <SecretFormDialog onClose={() => undefined} />
    </MeProvider>,
    client,
  );
  return client;
}

describe('SecretFormDialog', () => {
  it('shows the SSH key’s fingerprint from the server before saving, then saves the key', async () => {
    const client = open({ 'secrets.create': async (input) => secret({ kind: 'ssh_key', name: input.name, fingerprint: FINGERPRINT }) });

    fill('Kind', 'ssh_key');
    fill('Name', 'deploy key');
    fill('Private key', KEY);

    expect((await screen.findByTestId('key-fingerprint', {}, { timeout: 2_000 })).textContent).toBe(FINGERPRINT);
    expect(screen.getByTestId('key-summary').textContent).toContain('deploy@ci');
    expect(client.calls.find((call) => call.name === 'secrets.inspectKey')?.input).toEqual({ privateKey: KEY });
    expect(client.calls.some((call) => call.name === 'secrets.create')).toBe(false);

    fireEvent.change(screen.getByLabelText('Servers'), { target: { value: server().id } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.calls.some((call) => call.name === 'secrets.create')).toBe(true));
    expect(client.calls.find((call) => call.name === 'secrets.create')?.input).toEqual({
      name: 'deploy key',
      tags: [],
      serverIds: [server().id],
      username: null,
      value: { kind: 'ssh_key', privateKey: KEY },
    });
  });

  it('puts the server’s objection to a bad key under the key field and does not save', async () => {
    const client = open({});

    fill('Kind', 'ssh_key');
    fill('Name', 'broken key');
    fill('Private key', 'ssh-ed25519 AAAAC3Nza this is a public key');

    const error = await screen.findByTestId('secret-form-private-key-error', {}, { timeout: 2_000 });
    expect(error.textContent).toBe('Not a readable private key');
    expect(screen.getByLabelText('Private key').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('key-fingerprint')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(client.calls.some((call) => call.name === 'secrets.create')).toBe(false);
  });

  it('checks the other kinds with the contract’s own messages', () => {
    const client = open({});
    fill('Kind', 'api_token');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByTestId('secret-form-name-error').textContent).toBe('Name the secret');
    expect(screen.getByTestId('secret-form-token-error').textContent).toBe('Enter the token');
    expect(client.calls.some((call) => call.name === 'secrets.create')).toBe(false);
  });
});
