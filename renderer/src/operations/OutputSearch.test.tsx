import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions';
import type { FakeClient, Handlers } from '../testing/fake-client';
import { fieldError, outputMatch, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { useOperationsView } from './operations-store';
import { callsOf, renderOperationsPage } from './render-page';

withLayout();
afterEach(() => useOperationsView.setState({ runId: null, serverId: null, draft: null }));

const WEB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'web-1' });
const DB1 = server({ id: 'a1b2c3d4-0000-4000-8000-000000000003', name: 'db-1' });
const RUN_ID = '0c9b8a7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

const renderAs = (role: Role, extra: Handlers = {}) => renderOperationsPage(role, [WEB1, DB1], extra);

const searches = (client: FakeClient) => callsOf(client, 'operations.searchOutput');

describe('Searching the output on the Operations page', () => {
  it('searches with the window and the servers named, shows each match’s run, server and excerpt with the match marked, and opens the run', async () => {
    const client = renderAs('auditor', {
      'operations.searchOutput': async () => ({
        items: [
          outputMatch({ runId: RUN_ID, serverId: DB1.id, serverName: 'db-1', runbook: { id: 'r', name: 'rotate-logs', version: 4 } }),
          outputMatch({ serverId: WEB1.id, serverName: 'web-1', state: 'succeeded', stream: 'stdout' }),
        ],
        more: true,
      }),
    });
    const form = await screen.findByTestId('search-form');
    // Nothing to look for: the form says so and sends nothing.
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    expect(screen.getByTestId('search-text-error').textContent).toBe('Enter the text to look for, e.g. permission denied.');
    fireEvent.change(within(form).getByLabelText('Text'), { target: { value: 'permission DENIED' } });
    fireEvent.change(within(form).getByLabelText('Servers'), { target: { value: 'DB-1, nowhere' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    expect(screen.getByTestId('search-servers-error').textContent).toBe('No server named nowhere.');
    expect(searches(client)).toEqual([]);

    fireEvent.change(within(form).getByLabelText('Servers'), { target: { value: 'DB-1, web-1' } });
    fireEvent.change(within(form).getByLabelText('Runs started from'), { target: { value: '2026-12-01T00:00' } });
    fireEvent.change(within(form).getByLabelText('Until'), { target: { value: '2026-11-01T00:00' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    expect(screen.getByTestId('search-until-error').textContent).toBe('After the start of the window.');
    fireEvent.change(within(form).getByLabelText('Until'), { target: { value: '2026-12-08T00:00' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));

    const results = await screen.findByTestId('search-results');
    expect(searches(client)).toEqual([
      {
        text: 'permission DENIED',
        since: new Date('2026-12-01T00:00').getTime(),
        until: new Date('2026-12-08T00:00').getTime(),
        serverIds: [DB1.id, WEB1.id],
      },
    ]);
    expect(within(results).getByRole('status').textContent).toBe('2 targets printed it, and more: narrow the search.');
    const matches = within(results).getAllByTestId('search-match');
    expect(matches[0]?.textContent).toContain('Runbook rotate-logs, version 4');
    expect(matches[0]?.textContent).toContain('db-1 · Failed · stderr');
    expect(matches[1]?.textContent).toContain('cat /var/log/app.log');
    const excerpt = within(matches[0] as HTMLElement).getByTestId('search-excerpt');
    expect(excerpt.textContent).toBe('open /etc/app: Permission denied (errno 13)');
    expect(excerpt.querySelector('mark')?.textContent).toBe('Permission denied');

    fireEvent.click(within(matches[0] as HTMLElement).getByRole('button', { name: 'Open db-1 in the run of Runbook rotate-logs, version 4' }));
    expect(useOperationsView.getState()).toMatchObject({ runId: RUN_ID, serverId: DB1.id });
  });

  it('says when nothing matched, and shows the service’s refusal', async () => {
    let refuse = false;
    renderAs('admin', {
      'operations.searchOutput': async () => {
        if (refuse) throw fieldError('VALIDATION_FAILED', [{ path: ['text'], message: 'Search for at most 200 characters' }]);
        return { items: [], more: false };
      },
    });
    const form = await screen.findByTestId('search-form');
    fireEvent.change(within(form).getByLabelText('Text'), { target: { value: 'segfault' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(screen.getByTestId('search-results').textContent).toContain('No stored output has it.'));
    refuse = true;
    fireEvent.change(within(form).getByLabelText('Text'), { target: { value: 'core dumped' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Search' }));
    expect((await screen.findByTestId('search-error')).textContent).toContain('text: Search for at most 200 characters');
  });

  it('is not offered to operators and viewers, who may not read output', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      const client = renderAs(role);
      await screen.findByTestId('history-empty');
      expect(screen.queryByTestId('search-form')).toBeNull();
      expect(screen.queryByRole('heading', { name: 'Search the output' })).toBeNull();
      expect(searches(client)).toEqual([]);
      cleanup();
    }
  });
});
