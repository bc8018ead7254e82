import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { fieldError, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { ChangePasswordForm } from './ChangePasswordForm';

const NEW_PASSWORD = 'amber rivers at noon';

function open(handlers: Handlers = {}) {
  const onChanged = vi.fn();
  const client = fakeClient({
    'auth.checkPassword': async () => ({ acceptable: true, rules: [{ rule: 'length', ok: true, message: 'At least 12 characters' }] }),
    ...handlers,
  });
  renderWithClient(<ChangePasswordForm me={me()} onChanged={onChanged} />, client);
  return { client, onChanged };
}

const field = (label: string) => screen.getByLabelText(label) as HTMLInputElement;
const enter = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });
const changes = (client: ReturnType<typeof fakeClient>) => client.calls.filter((call) => call.name === 'auth.changePassword').map((call) => call.input);

describe('Changing one’s password', () => {
  it('sends the current and the new password, then empties the form and says the account changed', async () => {
    const updated = me({ mustChangePassword: false, displayName: 'Alice after' });
    const { client, onChanged } = open({ 'auth.changePassword': async () => updated });
    enter('Current password', 'violet tulips at dawn');
    enter('New password', NEW_PASSWORD);
    enter('Confirm new password', NEW_PASSWORD);
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));

    await waitFor(() => expect(onChanged).toHaveBeenCalledExactlyOnceWith(updated));
    expect(changes(client)).toEqual([{ currentPassword: 'violet tulips at dawn', newPassword: NEW_PASSWORD }]);
    expect([field('Current password').value, field('New password').value, field('Confirm new password').value]).toEqual(['', '', '']);
  });

  it('says what is missing or differs under its field, and sends nothing', () => {
    const { client } = open({ 'auth.changePassword': async () => me() });
    enter('New password', NEW_PASSWORD);
    enter('Confirm new password', 'amber rivers at noom');
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));

    expect(screen.getByTestId('change-password-current-error').textContent).toBe('Enter the password you signed in with.');
    expect(screen.getByTestId('change-password-new-confirm-error').textContent).toBe('The two passwords differ: type the same password twice.');
    expect(field('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(changes(client)).toEqual([]);
  });

  it('puts the server’s “wrong current password” under that field and keeps what was typed', async () => {
    const { onChanged } = open({
      'auth.changePassword': async () => {
        throw fieldError('VALIDATION_FAILED', [{ path: ['currentPassword'], message: 'The current password is wrong.' }]);
      },
    });
    enter('Current password', 'not my password');
    enter('New password', NEW_PASSWORD);
    enter('Confirm new password', NEW_PASSWORD);
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));

    expect((await screen.findByTestId('change-password-current-error')).textContent).toBe('The current password is wrong.');
    expect(screen.getByTestId('change-password-error').getAttribute('role')).toBe('alert');
    expect(field('New password').value).toBe(NEW_PASSWORD);
    expect(onChanged).not.toHaveBeenCalled();
  });
});
