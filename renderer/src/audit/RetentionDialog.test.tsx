import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { job, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { RetentionDialog } from './RetentionDialog';

const PRUNE_JOB = '7e3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c';

function renderDialog() {
  const client = fakeClient({
    'audit.settings': async () => ({
      retentionDays: 365,
      checkpoints: [{ at: 1_700_000_000_000, lastSeq: 1200, lastHash: 'ab'.repeat(32), removed: 1200, by: 'user:alice' }],
    }),
    'audit.updateSettings': async (input) => ({ retentionDays: input.retentionDays }),
    'audit.prune': async () => job({ id: PRUNE_JOB, kind: 'audit.prune', title: 'Remove old audit events' }),
    'jobs.get': async () =>
      job({
        id: PRUNE_JOB,
        kind: 'audit.prune',
        status: 'succeeded',
        done: 40,
        total: 40,
        result: { kind: 'audit.prune', removed: 40, checkpoint: null, reason: null },
      }),
  });
  renderWithClient(
    <MeProvider me={me({ role: 'admin' })}>
      <RetentionDialog onClose={() => undefined} />
    </MeProvider>,
    client,
  );
  return client;
}

describe('RetentionDialog', () => {
  it('checks the days with the contract before saving, then saves', async () => {
    const client = renderDialog();
    const days = await screen.findByLabelText('Days to keep');
    fireEvent.change(days, { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save retention' }));
    expect((await screen.findByTestId('retention-days-error')).textContent).toBe('Keep audit events at least 30 days');
    expect(client.calls.some((call) => call.name === 'audit.updateSettings')).toBe(false);

    fireEvent.change(days, { target: { value: '90' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save retention' }));
    await waitFor(() => expect(client.calls.filter((call) => call.name === 'audit.updateSettings').map((call) => call.input)).toEqual([{ retentionDays: 90 }]));
  });

  it('lists the checkpoints and prunes now with progress, then says what went', async () => {
    renderDialog();
    const checkpoints = await screen.findByRole('table', { name: 'Retention checkpoints' });
    expect(within(checkpoints).getByText('1200', { selector: '.mono' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Prune now' }));
    expect((await screen.findByTestId('prune-outcome')).textContent).toBe('Removed 40 events.');
  });
});
