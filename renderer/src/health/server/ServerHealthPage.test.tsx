import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MONITORING } from '@shared/api/monitoring';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../../auth/session';
import { useOperationsView } from '../../operations/operations-store';
import { fakeClient, type Handlers } from '../../testing/fake-client';
import { me, server } from '../../testing/fixtures';
import { withLayout } from '../../testing/layout';
import { renderWithClient } from '../../testing/render';
import { useHealthDialogs } from '../health-dialog-store';
import { HealthDialogHost } from '../HealthDialogHost';
import { check, CHECK_ID, incident, SERVER_ID, serverHealth } from '../testing/fixtures';
import { useHealthEvents } from '../use-health-events';
import { ServerHealthPage } from './ServerHealthPage';
import { chartColumns, chartSummary } from './chart-data';

withLayout();
afterEach(() => useHealthDialogs.setState({ dialog: null }));

function HealthEvents() {
  useHealthEvents();
  return null;
}

function renderPage(role: Role = 'operator', handlers: Handlers = {}) {
  const client = fakeClient({
    'servers.get': async () => server({ id: SERVER_ID }),
    'health.server': async () => serverHealth({ incidents: [incident()] }),
    'health.series': async ({ range }) => ({ range: range ?? '24h', from: 0, to: 3_600_000, bucketMs: 0, series: [] }),
    'incidents.list': async () => ({ items: [incident()], total: 1 }),
    'maintenance.list': async () => ({ items: [] }),
    'monitoring.settings': async () => DEFAULT_MONITORING,
    'monitoring.serverLimits': async () => ({ items: [] }),
    ...handlers,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <HealthEvents />
      <ServerHealthPage serverId={SERVER_ID} />
      <HealthDialogHost />
    </MeProvider>,
    client,
  );
  return client;
}

describe('A server’s health page', () => {
  it('says which server SSH connections go through when it has a jump host, and nothing when it is reached directly', async () => {
    const BASTION_ID = '5e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8';
    renderPage('viewer', {
      'servers.get': async (input) =>
        input.id === BASTION_ID
          ? server({ id: BASTION_ID, name: 'bastion', host: 'bastion.example.com' })
          : server({ id: SERVER_ID, host: 'app.internal', jumpHostId: BASTION_ID }),
      'health.server': async () => serverHealth({ checks: [] }),
    });
    await waitFor(async () => expect((await screen.findByTestId('server-jump-host')).textContent).toBe('SSH through bastion (bastion.example.com)'));
  });

  it('shows no jump host for a server reached directly', async () => {
    renderPage('viewer', {
      'servers.get': async () => server({ id: SERVER_ID }),
      'health.server': async () => serverHealth({ checks: [] }),
    });
    await screen.findByTestId('server-address');
    expect(screen.queryByTestId('server-jump-host')).toBeNull();
  });

  it('names the server’s host and SSH port apart from the ports its checks watch (the status comes from those)', async () => {
    renderPage('viewer', {
      'servers.get': async () => server({ id: SERVER_ID, host: 'shop.example.com', port: 2222 }),
      'health.server': async () => serverHealth({ checks: [check({ type: 'tcp', config: { host: 'shop.example.com', port: 443 } })] }),
    });
    expect((await screen.findByTestId('server-address')).textContent).toBe('shop.example.com · SSH port 2222');
    expect(screen.getByTestId('server-watches').textContent).toBe('Watching shop.example.com:443');
  });

  it('says so in its header when no check watches the server', async () => {
    renderPage('viewer', { 'health.server': async () => serverHealth({ checks: [] }) });
    expect((await screen.findByTestId('server-watches')).textContent).toBe('Not watched: no checks');
  });

  it('hands an admin’s server to the Operations page with "Run a command"', async () => {
    renderPage('admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Run a command' }));
    expect(window.location.hash).toBe('#/operations');
    expect(useOperationsView.getState().draft).toEqual({ serverIds: [SERVER_ID], tags: [], environments: [] });
    useOperationsView.setState({ draft: null });
  });

  it('offers "Open terminal" to owners and admins alone, linking to the server’s terminal', async () => {
    for (const role of ['owner', 'admin'] as const) {
      renderPage(role);
      const link = await screen.findByRole('link', { name: 'Open terminal' });
      expect(link.getAttribute('href')).toBe(`#/servers/${SERVER_ID}/terminal`);
      cleanup();
    }
    for (const role of ['operator', 'viewer', 'auditor'] as const) {
      renderPage(role);
      expect(await screen.findByRole('heading', { level: 1, name: 'web-01' })).toBeTruthy();
      expect(screen.queryByRole('link', { name: 'Open terminal' })).toBeNull();
      cleanup();
    }
  });

  it('shows an operator no "Run a command"', async () => {
    renderPage('operator');
    expect(await screen.findByRole('button', { name: /Add check/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Run a command' })).toBeNull();
  });

  it('lists its checks with their state and last word, and follows new results without a refetch', async () => {
    const client = renderPage();
    const row = await screen.findByTestId('check-row');
    expect(row.textContent).toContain('HTTP 200 in 42 ms');
    expect(within(row).getByText('Up')).toBeTruthy();
    const fetches = client.calls.filter((call) => call.name === 'health.server').length;

    act(() =>
      client.emit('check.result', {
        results: [
          { checkId: CHECK_ID, serverId: SERVER_ID, at: 1_700_000_900_000, status: 'down', state: 'down', latencyMs: null, message: 'connect ECONNREFUSED' },
        ],
      }),
    );
    await waitFor(() => expect(within(screen.getByTestId('check-row')).getByTestId('check-last-message').textContent).toBe('connect ECONNREFUSED'));
    expect(within(screen.getByTestId('check-row')).getByText('Down')).toBeTruthy();
    act(() => client.emit('server.status', { serverId: SERVER_ID, from: 'up', to: 'down', at: 1_700_000_900_000 }));
    await waitFor(() => expect(document.querySelector('.page__title-group [data-status]')?.getAttribute('data-status')).toBe('down'));
    expect(client.calls.filter((call) => call.name === 'health.server').length).toBe(fetches);
  });

  it('checks now and shows what the check said, and pauses a check', async () => {
    const client = renderPage('operator', {
      'checks.run': async () => ({ status: 'degraded', latencyMs: 1_900, message: 'slower than 1500 ms', at: Date.now(), attempts: 1 }),
      'checks.pause': async () => ({ ids: [CHECK_ID] }),
    });
    await screen.findByTestId('check-row');
    fireEvent.click(screen.getByRole('button', { name: `Check now: ${check().name}` }));
    const outcome = await screen.findByTestId('check-run-result');
    expect(outcome.dataset.status).toBe('degraded');
    expect(outcome.textContent).toContain('slower than 1500 ms');
    fireEvent.click(screen.getByRole('button', { name: `Pause ${check().name}` }));
    await waitFor(() => expect(client.calls.find((call) => call.name === 'checks.pause')?.input).toEqual({ id: CHECK_ID }));
  });

  it('acknowledges an incident with a note', async () => {
    const client = renderPage('operator', {
      'incidents.acknowledge': async ({ note }) => incident({ acknowledgedAt: Date.now(), acknowledgedBy: 'alice', note: note ?? '' }),
    });
    const timeline = await screen.findByTestId('incident-timeline');
    fireEvent.click(await within(timeline).findByRole('button', { name: 'Acknowledge the incident on web-01' }));
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'Bob is on it' } });
    fireEvent.click(within(screen.getByTestId('acknowledge-dialog')).getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(screen.queryByTestId('acknowledge-dialog')).toBeNull());
    expect(client.calls.find((call) => call.name === 'incidents.acknowledge')?.input).toEqual({ id: incident().id, note: 'Bob is on it' });
  });

  it('says who was notified of an incident once asked, reading that incident’s notifications only', async () => {
    const CHANNEL = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
    const RULE = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const client = renderPage('viewer', {
      'alerts.deliveries': async () => ({
        items: [
          {
            id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
            ruleId: RULE,
            channelId: CHANNEL,
            source: 'incident.unacknowledged',
            incidentId: incident().id,
            createdAt: Date.now() - 60_000,
            state: 'delivered',
            attempts: 1,
            nextAttemptAt: null,
            lastError: null,
            finishedAt: Date.now() - 59_000,
            silenceId: null,
            heldBy: null,
            log: [{ at: Date.now() - 59_000, statusCode: 200, error: null, latencyMs: 12, outcome: 'delivered' }],
          },
        ],
        total: 1,
      }),
      'alerts.channels': async () => ({ items: [{ id: CHANNEL, name: 'second line' } as never] }),
      'alerts.rules': async () => ({ items: [{ id: RULE, name: 'prod down' } as never] }),
      'alerts.silences': async () => ({ items: [] }),
    });
    const timeline = await screen.findByTestId('incident-timeline');
    expect(client.calls.some((call) => call.name === 'alerts.deliveries')).toBe(false);
    fireEvent.click(await within(timeline).findByText('Who was notified'));
    const table = await within(timeline).findByRole('table', { name: 'Who was notified of this incident' });
    const row = within(table).getByTestId('delivery-row');
    expect(row.textContent).toContain('Still unacknowledged');
    expect(row.textContent).toContain('rule prod down');
    expect(row.textContent).toContain('second line');
    expect(row.textContent).toContain('Delivered');
    expect(client.calls.find((call) => call.name === 'alerts.deliveries')?.input).toMatchObject({ incidentId: incident().id });
  });

  it('says nobody was notified of an incident no rule matched', async () => {
    renderPage('viewer', {
      'alerts.deliveries': async () => ({ items: [], total: 0 }),
      'alerts.channels': async () => ({ items: [] }),
      'alerts.rules': async () => ({ items: [] }),
      'alerts.silences': async () => ({ items: [] }),
    });
    const timeline = await screen.findByTestId('incident-timeline');
    fireEvent.click(await within(timeline).findByText('Who was notified'));
    expect((await within(timeline).findByTestId('delivery-empty')).textContent).toBe(
      'Nobody was notified of this incident: no alert rule matches it (Alerts page).',
    );
  });

  it('shows a viewer everything but no control that changes anything', async () => {
    renderPage('viewer');
    await screen.findByTestId('check-row');
    await screen.findByTestId('incident');
    // The incident says which kinds of check it was about, by their names on the check form.
    expect(screen.getByTestId('incident-checks').textContent).toBe(' · HTTP(S)');
    for (const name of [/Add check/, /Check .* now/, /^Pause/, /^Edit/, /^Delete/, /Acknowledge/, /Add window/]) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
  });
});

describe('chart data', () => {
  const points = [
    { t: 7_200_000, count: 4, failures: 1, min: 10, avg: 20, max: 90, p95: 80 },
    { t: 3_600_000, count: 4, failures: 0, min: 5, avg: 10, max: 30, p95: 25 },
    { t: 10_800_000, count: 1, failures: 1, min: null, avg: null, max: null, p95: null },
  ];

  it('aligns the columns on time and marks failures at the point’s worst latency, or the floor', () => {
    const columns = chartColumns(points);
    expect(columns.x).toEqual([3_600, 7_200, 10_800]);
    expect(columns.avg).toEqual([10, 20, null]);
    expect(columns.failures).toEqual([null, 90, 0]);
  });

  it('sums results and failures and weighs the average by the answered results', () => {
    expect(chartSummary(points)).toEqual({ points: 3, results: 9, failures: 2, avg: (10 * 4 + 20 * 3) / 7, worstP95: 80 });
  });

  it('says how many of its checks run at once against its host, and gives the server its own cap', async () => {
    const client = renderPage('operator', {
      'servers.get': async () => server({ id: SERVER_ID, host: 'lb.example.com' }),
      'monitoring.setServerLimit': async ({ serverId, maxChecks }) => ({ serverId, maxChecks: maxChecks ?? null, effective: maxChecks ?? 4 }),
    });
    expect((await screen.findByTestId('server-cap-text')).textContent).toBe(
      'At most 4 of these checks run at once against lb.example.com (the fleet’s per-host cap).',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Change' }));
    const field = screen.getByTestId('server-cap-input') as HTMLInputElement;
    fireEvent.change(field, { target: { value: '0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByTestId('server-cap-input-error')).textContent).toBe('At least 1 check at a time per host');
    fireEvent.change(field, { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.calls.find((call) => call.name === 'monitoring.setServerLimit')?.input).toEqual({ serverId: SERVER_ID, maxChecks: 12 }));
  });

  it('shows a viewer the cap without a way to change it, and a server’s own cap as its own', async () => {
    renderPage('viewer', {
      'monitoring.serverLimits': async () => ({ items: [{ serverId: SERVER_ID, serverName: 'web-01', host: '10.0.0.1', maxChecks: 9, updatedAt: 1 }] }),
    });
    expect((await screen.findByTestId('server-cap-text')).textContent).toMatch(
      /^At most 9 of these checks run at once against .+ \(this server’s own cap\)\.$/,
    );
    expect(screen.queryByRole('button', { name: 'Change' })).toBeNull();
  });
});
