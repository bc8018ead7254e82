import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeClient } from '../testing/fake-client';
import { appError, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { SignInPage } from './SignInPage';

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe('SignInPage', () => {
  it('reveals the one-time code field on MFA_REQUIRED and signs in with the code', async () => {
    const onSignedIn = vi.fn();
    const client = fakeClient({
      'auth.login': async (input) => {
        if (!input.code) throw appError('MFA_REQUIRED', 'This account needs a one-time code.', 'Enter the 6-digit code from your app.');
        return me();
      },
    });
    renderWithClient(<SignInPage onSignedIn={onSignedIn} />, client);
    expect(screen.queryByLabelText('One-time code')).toBeNull();

    fill('Username', 'alice');
    fill('Password', 'correct horse battery');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    const code = await screen.findByLabelText('One-time code');
    expect(screen.getByText('Enter the 6-digit code from your app.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(onSignedIn).not.toHaveBeenCalled();

    fireEvent.change(code, { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
    expect(client.calls.at(-1)?.input).toEqual({ username: 'alice', password: 'correct horse battery', code: '123456' });
  });

  it('shows a refusal with its message and what to do', async () => {
    const client = fakeClient({
      'auth.login': () => Promise.reject(appError('RATE_LIMITED', 'Too many failed sign-ins.', 'Sign-in is locked; try again in 5 minutes.')),
    });
    renderWithClient(<SignInPage onSignedIn={() => undefined} />, client);

    fill('Username', 'alice');
    fill('Password', 'wrong');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Too many failed sign-ins.');
    expect(alert.textContent).toContain('try again in 5 minutes');
  });
});
