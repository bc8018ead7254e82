import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { appError, me, secret } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { SecretAccessDialog } from './SecretAccessDialog';

describe('SecretAccessDialog', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for the password (and the code the server wants) on REAUTH_REQUIRED, shows the value, then hides it after 30 s', async () => {
    let reauthenticated = false;
    const client = fakeClient({
      'secrets.reveal': async ({ id }) => {
        if (!reauthenticated) throw appError('REAUTH_REQUIRED', 'Confirm it is you before revealing a secret.');
        return { id, value: { kind: 'password', password: 'correct horse battery staple' } };
      },
      'auth.reauth': async ({ code }) => {
        if (!code) throw appError('MFA_REQUIRED', 'Enter a one-time code as well.');
        reauthenticated = true;
        return { validUntil: Date.now() + 300_000 };
      },
    });
    renderWithClient(
      <MeProvider me={me()}>
        <SecretAccessDialog secret={secret()} mode="reveal" onClose={() => undefined} />
      </MeProvider>,
      client,
    );

    fireEvent.change(await screen.findByLabelText('Your password'), { target: { value: 'my account password' } });
    expect(screen.queryByLabelText('One-time code')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    fireEvent.change(await screen.findByLabelText('One-time code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm' }));

    const revealed = await screen.findByTestId('revealed-value');
    expect(revealed.textContent).toContain('correct horse battery staple');
    expect(screen.getByTestId('reveal-countdown').textContent).toBe('Hides in 30 s');
    expect(client.calls.filter((call) => call.name === 'auth.reauth').map((call) => call.input)).toEqual([
      { password: 'my account password' },
      { password: 'my account password', code: '123456' },
    ]);

    await act(() => vi.advanceTimersByTimeAsync(10_000));
    expect(screen.getByTestId('reveal-countdown').textContent).toBe('Hides in 20 s');

    await act(() => vi.advanceTimersByTimeAsync(20_000));
    await waitFor(() => expect(screen.queryByTestId('revealed-value')).toBeNull());
    expect(screen.getByTestId('reveal-hidden').textContent).toContain('hidden again');
    expect(document.body.textContent).not.toContain('correct horse battery staple');
    expect(client.calls.filter((call) => call.name === 'secrets.reveal')).toHaveLength(2);
  });

  it('falls back to revealing when the clipboard is not available (a browser)', async () => {
    const client = fakeClient({
      'secrets.copy': async () => {
        throw appError('NOT_SUPPORTED_HERE', 'Copying to the clipboard is done by the desktop app.');
      },
      'secrets.reveal': async ({ id }) => ({ id, value: { kind: 'api_token', token: 'tok_live_abc' } }),
    });
    renderWithClient(
      <MeProvider me={me()}>
        <SecretAccessDialog secret={secret({ kind: 'api_token' })} mode="copy" onClose={() => undefined} />
      </MeProvider>,
      client,
    );
    expect((await screen.findByTestId('revealed-value')).textContent).toContain('tok_live_abc');
    expect(screen.getByTestId('copy-fallback')).toBeTruthy();
  });
});
