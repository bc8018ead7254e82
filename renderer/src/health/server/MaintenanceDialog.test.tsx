import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MeProvider } from '../../auth/session';
import { fakeClient } from '../../testing/fake-client';
import { me, server } from '../../testing/fixtures';
import { renderWithClient } from '../../testing/render';
import { SERVER_ID } from '../testing/fixtures';
import { MaintenanceDialog } from './MaintenanceDialog';

function open() {
  let closed = false;
  const client = fakeClient({
    'maintenance.create': async (input) => ({
      id: '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c',
      name: input.name,
      scope: { serverIds: [SERVER_ID], tags: [] },
      schedule: { kind: 'recurring', cron: '0 3 * * 6', durationMinutes: 90, timezone: 'Europe/Berlin' },
      active: false,
      nextStart: null,
      createdAt: 0,
      createdBy: 'user:alice',
    }),
  });
  renderWithClient(
    <MeProvider me={me()}>
      <MaintenanceDialog server={server({ id: SERVER_ID })} onClose={() => (closed = true)} />
    </MeProvider>,
    client,
  );
  return { client, closed: () => closed };
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('Adding a maintenance window', () => {
  it('refuses a one-off window that ends before it starts, under the end field', () => {
    const { client } = open();
    type('Name', 'Kernel upgrade');
    type('Starts', '2030-05-01T10:00');
    type('Ends', '2030-05-01T09:00');
    fireEvent.click(screen.getByRole('button', { name: 'Add window' }));
    expect(screen.getByTestId('maintenance-ends-error').textContent).toBe('The window must end after it starts');
    expect(client.calls).toEqual([]);
  });

  it('adds a recurring window for the server', async () => {
    const { client, closed } = open();
    type('Name', 'Weekly backup');
    fireEvent.click(screen.getByLabelText('Recurring'));
    type('Opens at (cron)', '0 3 * * 6');
    type('Lasts (minutes)', '90');
    type('Time zone', 'Europe/Berlin');
    fireEvent.click(screen.getByRole('button', { name: 'Add window' }));
    await waitFor(() => expect(closed()).toBe(true));
    expect(client.calls[0]?.input).toEqual({
      name: 'Weekly backup',
      scope: { serverIds: [SERVER_ID], tags: [] },
      schedule: { kind: 'recurring', cron: '0 3 * * 6', durationMinutes: 90, timezone: 'Europe/Berlin' },
    });
  });
});
