import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@shared/api/audit';
import type { Job } from '@shared/api/jobs';
import type { Role } from '@shared/permissions';
import type { GuardianClient } from '../api/client';
import { MeProvider } from '../auth/session';
import { fakeClient, type FakeClient, type Handlers } from '../testing/fake-client';
import { job, me } from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { EMPTY_FILTER } from './audit-filter';
import { useAuditView } from './audit-filter-store';
import { AuditPage, FILTER_DEBOUNCE_MS } from './AuditPage';

afterEach(() => {
  useAuditView.setState({ form: EMPTY_FILTER, selectedSeq: null });
});

const EXPORT_JOB = '5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

function event(seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq,
    at: 1_700_000_000_000 + seq * 1000,
    actor: 'user:3a9c2f1e',
    actorName: 'alice',
    origin: 'http:127.0.0.1',
    action: 'servers.update',
    target: 'server:7d1f6a43',
    outcome: 'ok',
    correlationId: `c-${seq}`,
    details: { id: '7d1f6a43', name: `web-${seq}` },
    prevHash: String(seq - 1).padStart(64, '0'),
    hash: String(seq).padStart(64, '0'),
    ...overrides,
  };
}

function exportJob(overrides: Partial<Job> = {}): Job {
  return job({ id: EXPORT_JOB, kind: 'audit.export', title: 'Export the audit log as CSV', ...overrides });
}

const FINISHED_EXPORT = exportJob({
  status: 'succeeded',
  done: 3,
  total: 3,
  result: {
    kind: 'audit.export',
    format: 'csv',
    events: 3,
    artifact: { fileName: 'audit-2026-11-22-10-00-00.csv', mimeType: 'text/csv', bytes: 812, permission: 'audit:read' },
  },
});

function auditClient(extra: Handlers = {}): FakeClient {
  return fakeClient({
    'audit.list': async () => ({ items: [event(3), event(2), event(1)], nextBefore: null }),
    'audit.get': async ({ seq }) => event(Number(seq)),
    'audit.export': async () => exportJob(),
    'jobs.get': async () => FINISHED_EXPORT,
    ...extra,
  });
}

function renderPage(client: GuardianClient, role: Role = 'auditor') {
  return renderWithClient(
    <MeProvider me={me({ role })}>
      <AuditPage />
    </MeProvider>,
    client,
  );
}

const listInputs = (client: FakeClient) => client.calls.filter((call) => call.name === 'audit.list').map((call) => call.input);

describe('AuditPage filters', () => {
  it('sends the filter bar as audit.list input, unset fields left out', async () => {
    const client = auditClient();
    renderPage(client);
    expect(await screen.findAllByTestId('audit-row')).toHaveLength(3);
    expect(listInputs(client)).toEqual([{ limit: 100 }]);

    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'servers.update' } });
    fireEvent.change(screen.getByLabelText('Outcome'), { target: { value: 'error' } });
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: ' alice ' } });
    await waitFor(() => expect(listInputs(client)).toContainEqual({ action: 'servers.update', outcome: 'error', actor: 'alice', limit: 100 }), {
      timeout: FILTER_DEBOUNCE_MS * 8,
    });
  });

  it('pages with the last sequence number when there are more events', async () => {
    const client = auditClient({
      'audit.list': async (input) =>
        'before' in input && input.before !== undefined ? { items: [event(1)], nextBefore: null } : { items: [event(3), event(2)], nextBefore: 2 },
    });
    renderPage(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(3));
    expect(listInputs(client)).toEqual([{ limit: 100 }, { limit: 100, before: 2 }]);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('opens an event with every field, the details as JSON and the hashes', async () => {
    renderPage(auditClient());
    fireEvent.click(await screen.findByRole('button', { name: 'Open event 2' }));
    const drawer = await screen.findByTestId('audit-drawer');
    await waitFor(() => expect(within(drawer).getByTestId('audit-event-details').textContent).toBe(JSON.stringify({ id: '7d1f6a43', name: 'web-2' }, null, 2)));
    expect(within(drawer).getByTestId('audit-event-hash').textContent).toBe('2'.padStart(64, '0'));
    expect(within(drawer).getByTestId('audit-event-previous-hash').textContent).toBe('1'.padStart(64, '0'));
    expect(within(drawer).getByRole('button', { name: 'Copy hash' })).toBeTruthy();
    expect(within(drawer).getByText('c-2')).toBeTruthy();
  });
});

describe('AuditPage export', () => {
  async function exportCsv(client: FakeClient) {
    renderPage(client);
    await screen.findAllByTestId('audit-row');
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'servers.update' } });
    await waitFor(() => expect(listInputs(client)).toContainEqual({ action: 'servers.update', limit: 100 }), { timeout: FILTER_DEBOUNCE_MS * 8 });
    fireEvent.click(screen.getByRole('button', { name: /Export/ }));
    fireEvent.click(screen.getByRole('menuitem', { name: /CSV/ }));
    return screen.findByTestId('audit-export-done');
  }

  it('exports the filtered events and offers a download link in the browser', async () => {
    const client = auditClient();
    const done = await exportCsv(client);
    expect(client.calls.find((call) => call.name === 'audit.export')?.input).toEqual({ action: 'servers.update', format: 'csv' });
    const link = within(done).getByRole('link', { name: /Download audit-2026-11-22-10-00-00\.csv/ });
    expect(link.getAttribute('href')).toBe(`/api/v1/jobs/${EXPORT_JOB}/artifact`);
    expect(link.getAttribute('download')).toBe('audit-2026-11-22-10-00-00.csv');
    expect(within(done).queryByRole('button', { name: /Save/ })).toBeNull();
  });

  it('saves through the desktop dialog instead when the app runs over IPC', async () => {
    const client: FakeClient = {
      ...auditClient({ 'jobs.saveArtifact': async () => ({ savedTo: '/home/alice/audit.csv' }) }),
      transport: 'ipc',
    };
    const done = await exportCsv(client);
    expect(within(done).queryByRole('link')).toBeNull();
    await act(async () => {
      fireEvent.click(within(done).getByRole('button', { name: /Save audit-2026-11-22-10-00-00\.csv/ }));
    });
    expect(client.calls.filter((call) => call.name === 'jobs.saveArtifact').map((call) => call.input)).toEqual([{ id: EXPORT_JOB }]);
    await waitFor(() => expect(within(done).getByTestId('artifact-saved').textContent).toBe('Saved to /home/alice/audit.csv'));
  });
});

describe('AuditPage permissions', () => {
  it('offers retention to an admin only', async () => {
    renderPage(auditClient(), 'auditor');
    await screen.findAllByTestId('audit-row');
    expect(screen.queryByRole('button', { name: 'Retention' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Verify' })).toBeTruthy();
  });

  it('shows an admin the retention button', async () => {
    renderPage(auditClient(), 'admin');
    await screen.findAllByTestId('audit-row');
    expect(screen.getByRole('button', { name: 'Retention' })).toBeTruthy();
  });
});
