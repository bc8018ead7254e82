import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { User } from '@shared/api/users';
import type { Role } from '@shared/permissions';
import { DialogHost } from '../app/DialogHost';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { UsersPage } from './UsersPage';

function user(overrides: Partial<User>): User {
  return {
    id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
    username: 'bob',
    displayName: 'Bob Operator',
    role: 'operator',
    disabled: false,
    mustChangePassword: false,
    totpEnabled: true,
    createdAt: 1_700_000_000_000,
    lastLoginAt: null,
    ...overrides,
  };
}

function renderAs(role: Role) {
  const self = me({ role });
  const client = fakeClient({
    'users.list': async () => ({ items: [user({ id: self.id, username: self.username, displayName: 'Alice', role }), user({})] }),
    'users.delete': async ({ id }) => ({ id }),
  });
  renderWithClient(
    <MeProvider me={self}>
      <UsersPage />
      <DialogHost />
    </MeProvider>,
    client,
  );
  return client;
}

describe('UsersPage', () => {
  it('shows an auditor every account but nothing to change them with', async () => {
    renderAs('auditor');
    const row = (await screen.findByText('Bob Operator')).closest('tr');
    expect(row).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add user' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete bob' })).toBeNull();
    expect(within(row as HTMLElement).getByText('On')).toBeTruthy();
  });

  it('lets an admin delete an account after confirming', async () => {
    const client = renderAs('admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Delete bob' }));

    const dialog = screen.getByRole('dialog', { name: 'Delete user' });
    expect(client.calls.some((call) => call.name === 'users.delete')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

    await waitFor(() => expect(client.calls.find((call) => call.name === 'users.delete')?.input).toEqual({ id: user({}).id }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Delete user' })).toBeNull());
    expect(screen.getByRole('button', { name: 'Add user' })).toBeTruthy();
  });
});
