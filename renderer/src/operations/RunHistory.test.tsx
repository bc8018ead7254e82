import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { me, operationRun, runbook, server, user } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { useOperationsView } from './operations-store';
import { callsOf, renderOperationsPage } from './render-page';

withLayout();
afterEach(() => {
  useOperationsView.setState({ runId: null, serverId: null, draft: null });
  vi.useRealTimers();
});

const OTHER = user();

describe('Filtering the run history on the Operations page', () => {
  it('asks the service for the runs each filter keeps, and says when none match', async () => {
    const client = renderOperationsPage('admin', [], {
      'operations.runs': async (input) => ({
        items: input.outcome === 'cancelled' ? [] : [operationRun({ command: input.outcome === 'failed' ? 'failing-one' : 'any-one' })],
      }),
      'users.list': async () => ({ items: [user({ id: me().id, username: me().username }), OTHER] }),
    });
    const filters = await screen.findByTestId('history-filters');
    expect((await screen.findAllByTestId('history-row')).map((row) => row.textContent)).toEqual([expect.stringContaining('any-one')]);
    fireEvent.change(within(filters).getByLabelText('Status'), { target: { value: 'failed' } });
    await waitFor(() => expect(screen.getByTestId('history-row').textContent).toContain('failing-one'));
    fireEvent.change(within(filters).getByLabelText('What ran'), { target: { value: 'runbook' } });
    await waitFor(() => expect(within(filters).getByRole('option', { name: 'bruno' })).toBeTruthy());
    fireEvent.change(within(filters).getByLabelText('Started by'), { target: { value: `user:${OTHER.id}` } });
    const before = Date.now();
    fireEvent.change(within(filters).getByLabelText('Since'), { target: { value: '7d' } });
    await waitFor(() => expect(callsOf(client, 'operations.runs')).toHaveLength(5));
    const last = callsOf(client, 'operations.runs').at(-1) as { since: number };
    expect(last).toEqual({ limit: 50, outcome: 'failed', kind: 'runbook', createdBy: `user:${OTHER.id}`, since: expect.any(Number) });
    expect(before - last.since).toBeGreaterThanOrEqual(7 * 86_400_000 - 1_000);
    expect(before - last.since).toBeLessThanOrEqual(7 * 86_400_000 + 1_000);

    fireEvent.change(within(filters).getByLabelText('Status'), { target: { value: 'cancelled' } });
    expect((await screen.findByTestId('history-empty')).textContent).toBe('No run matches these filters.');
    // The filters stay to be changed back.
    fireEvent.change(within(screen.getByTestId('history-filters')).getByLabelText('Status'), { target: { value: '' } });
    await waitFor(() => expect(screen.getByTestId('history-row').textContent).toContain('any-one'));
    expect(callsOf(client, 'operations.runs').at(-1)).toEqual({ limit: 50, kind: 'runbook', createdBy: `user:${OTHER.id}`, since: last.since });
  });

  it('filters by a runbook, archived ones included, and by a server chosen by name', async () => {
    const restart = runbook({ id: '11111111-1111-4111-8111-111111111111', name: 'restart-service' });
    const old = runbook({ id: '22222222-2222-4222-8222-222222222222', name: 'deploy-old', archivedAt: 1_700_000_000_000 });
    const web = server({ id: '33333333-3333-4333-8333-333333333333', name: 'web-1' });
    const db = server({ id: '44444444-4444-4444-8444-444444444444', name: 'db-1' });
    const client = renderOperationsPage('viewer', [db, web], {
      'operations.runs': async (input) => ({ items: [operationRun({ command: input.serverId === web.id ? 'on-web' : 'any-one' })] }),
      'runbooks.list': async (input) => ({ items: input.archived ? [old] : [restart] }),
    });
    const filters = await screen.findByTestId('history-filters');
    await waitFor(() => expect(within(filters).getByRole('option', { name: 'deploy-old (archived)' })).toBeTruthy());
    const runbookOptions = within(within(filters).getByLabelText('Runbook')).getAllByRole('option');
    expect(runbookOptions.map((option) => option.textContent)).toEqual(['Any runbook', 'deploy-old (archived)', 'restart-service']);
    await waitFor(() => expect(within(filters).getByRole('option', { name: 'web-1' })).toBeTruthy());
    const serverOptions = within(within(filters).getByLabelText('Server')).getAllByRole('option');
    expect(serverOptions.map((option) => option.textContent)).toEqual(['Any server', 'db-1', 'web-1']);

    fireEvent.change(within(filters).getByLabelText('Runbook'), { target: { value: old.id } });
    await waitFor(() => expect(callsOf(client, 'operations.runs').at(-1)).toEqual({ limit: 50, runbookId: old.id }));
    fireEvent.change(within(filters).getByLabelText('Server'), { target: { value: web.id } });
    await waitFor(() => expect(screen.getByTestId('history-row').textContent).toContain('on-web'));
    expect(callsOf(client, 'operations.runs').at(-1)).toEqual({ limit: 50, runbookId: old.id, serverId: web.id });
    fireEvent.change(within(filters).getByLabelText('Runbook'), { target: { value: '' } });
    await waitFor(() => expect(callsOf(client, 'operations.runs').at(-1)).toEqual({ limit: 50, serverId: web.id }));
  });

  it('offers a role that may not list accounts only itself as who started a run', async () => {
    const client = renderOperationsPage('operator', [], { 'operations.runs': async () => ({ items: [operationRun()] }) });
    const filters = await screen.findByTestId('history-filters');
    const options = within(within(filters).getByLabelText('Started by')).getAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual(['Anyone', `Me (${me().username})`]);
    expect(callsOf(client, 'users.list')).toEqual([]);
  });

  it('shows no filters before anything has run', async () => {
    renderOperationsPage('viewer', []);
    expect((await screen.findByTestId('history-empty')).textContent).toBe('No command has been run yet.');
    expect(screen.queryByTestId('history-filters')).toBeNull();
  });
});
