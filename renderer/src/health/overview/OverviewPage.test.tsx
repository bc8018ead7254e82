import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { gridOf } from '@shared/api/health';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../../auth/session';
import { fakeClient } from '../../testing/fake-client';
import { me } from '../../testing/fixtures';
import { withLayout } from '../../testing/layout';
import { renderWithClient } from '../../testing/render';
import { fleetServer, incident, overview, SERVER_ID, serverId } from '../testing/fixtures';
import { useHealthEvents } from '../use-health-events';
import { OverviewPage } from './OverviewPage';

withLayout();

function HealthEvents() {
  useHealthEvents();
  return null;
}

const servers = [
  fleetServer(),
  fleetServer({ id: serverId(1), name: 'db-01', status: 'down', checks: 2 }),
  fleetServer({ id: serverId(2), name: 'cache-01', status: 'degraded' }),
  fleetServer({ id: serverId(3), name: 'game-01', status: 'paused' }),
];

function renderOverview(data = overview({ servers }), role: Role = 'admin') {
  const client = fakeClient({
    // As Guardian answers: the page asks for the servers in columns.
    'health.overview': async ({ form }) => (form === 'columns' ? { ...data, servers: [], grid: gridOf(data.servers) } : data),
    'servers.facets': async () => ({ tags: [{ value: 'web', count: 4 }], environments: [{ value: 'production', count: 4 }] }),
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <HealthEvents />
      <OverviewPage />
    </MeProvider>,
    client,
  );
  return client;
}

const count = (status: string) => screen.getByTestId(`status-count-${status}`).textContent;

describe('The fleet overview', () => {
  it('shows servers by status, uptime, the slowest, the flakiest and the certificates expiring soonest', async () => {
    const client = renderOverview(
      overview({
        servers,
        uptime: { h24: 0.99951, d7: 0.9, d30: null, since: 1_600_000_000_000 },
        slowest: [{ serverId: serverId(1), name: 'db-01', latencyMs: 1_250 }],
        flakiest: [{ serverId: serverId(2), name: 'cache-01', incidents: 3, failures: 17 }],
        certificates: [{ serverId: SERVER_ID, name: 'web-01', checkId: 'c', subject: 'web01.example.com', validTo: Date.now() + 5 * 86_400_000, daysLeft: 5 }],
      }),
    );
    expect(await screen.findByTestId('status-grid')).toBeTruthy();
    expect(count('down')).toContain('1');
    expect(count('degraded')).toContain('1');
    expect(count('up')).toContain('1');
    expect(count('paused')).toContain('1');
    expect(count('unknown')).toContain('0');
    expect(screen.getByTestId('overview-summary').textContent).toBe('4 servers · 2 need attention');
    expect(screen.getByTestId('uptime-24h').textContent).toBe('99.95 %');
    expect(screen.getByTestId('uptime-7d').textContent).toBe('90.00 %');
    expect(screen.getByTestId('uptime-30d').textContent).toBe('—');
    expect(screen.getByTestId('overview-slowest').textContent).toContain('db-011.25 s');
    expect(screen.getByTestId('overview-flakiest').textContent).toContain('3 incidents · 17 failures');
    expect(screen.getByTestId('overview-certificates').textContent).toContain('5 days');
    // Read in columns, shown as rows.
    expect(client.calls.find((call) => call.name === 'health.overview')?.input).toMatchObject({ form: 'columns' });
    // Worst first: the down server's cell leads the grid.
    expect(screen.getAllByTestId('status-cell')[0]?.getAttribute('aria-label')).toMatch(/^db-01: Down/);
  });

  it('says when checks run late and which cap holds them, and says nothing while they are on time', async () => {
    renderOverview(overview({ servers, schedule: { late: 312, oldestLagMs: 41_000, cause: { cap: 'host', host: '127.0.0.1', limit: 4, waiting: 300 } } }));
    const banner = await screen.findByTestId('backlog-banner');
    expect(banner.getAttribute('role')).toBe('status');
    expect(banner.textContent).toContain('312 checks are running late: at most 4 at a time may run against 127.0.0.1.');
    // Where to raise it: the settings page, or the server's own cap.
    expect(banner.querySelector('a')?.getAttribute('href')).toBe('#/settings');
    expect(banner.textContent).toContain('give the server its own cap on its health page');
  });

  it('shows no late-checks banner for a fleet on time', async () => {
    renderOverview();
    expect(await screen.findByTestId('status-grid')).toBeTruthy();
    expect(screen.queryByTestId('backlog-banner')).toBeNull();
  });

  it('names each count by what it shows, so saying "Down 1" presses it (WCAG 2.5.3)', async () => {
    renderOverview();
    await screen.findByTestId('status-grid');
    const down = screen.getByRole('button', { name: 'Down 1 servers' });
    expect(down.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(down);
    expect(screen.getByRole('button', { name: 'Down 1 servers' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(down);
  });

  it('narrows the grid to a status when its count is pressed', async () => {
    renderOverview();
    await screen.findByTestId('status-grid');
    fireEvent.click(screen.getByTestId('status-count-down'));
    expect(screen.getAllByTestId('status-cell')).toHaveLength(1);
    fireEvent.click(screen.getByTestId('status-count-down'));
    expect(screen.getAllByTestId('status-cell')).toHaveLength(4);
  });

  it('follows the engine’s events without refetching: status changes and incidents', async () => {
    const client = renderOverview();
    await screen.findByTestId('status-grid');
    const fetches = () => client.calls.filter((call) => call.name === 'health.overview').length;
    const before = fetches();

    act(() => client.emit('server.status', { serverId: SERVER_ID, from: 'up', to: 'down', at: Date.now() }));
    await waitFor(() => expect(count('down')).toContain('2'));
    expect(count('up')).toContain('0');
    expect(screen.getByTestId('overview-summary').textContent).toContain('3 need attention');

    const opened = incident({ startedAt: Date.now() - 90_000, durationMs: 90_000 });
    act(() => client.emit('incident.opened', opened));
    const panel = screen.getByTestId('overview-incidents');
    expect((await within(panel).findByTestId('incident')).textContent).toContain('http down: connection refused');
    expect(within(panel).getByTestId('incident-duration').textContent).toMatch(/^1 min 3\d s$/);
    expect(within(panel).getByRole('button', { name: 'Acknowledge the incident on web-01' })).toBeTruthy();

    act(() => client.emit('incident.resolved', { ...opened, endedAt: Date.now() }));
    await waitFor(() => expect(within(panel).queryByTestId('incident')).toBeNull());
    expect(fetches()).toBe(before);
  });

  it('hides acknowledge from a viewer', async () => {
    renderOverview(overview({ servers, openIncidents: [incident()] }), 'viewer');
    expect(await screen.findByTestId('incident')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Acknowledge/ })).toBeNull();
  });

  it('says how to add a check when nothing is watched yet', async () => {
    renderOverview(overview({ servers: [fleetServer({ status: 'unknown', checks: 0 })] }));
    const empty = await screen.findByTestId('overview-empty');
    expect(empty.textContent).toContain('Nothing is watched yet');
    expect(empty.textContent).toContain('Add check');
  });

  it('says to add servers first when there are none', async () => {
    renderOverview(overview({ servers: [] }));
    expect((await screen.findByTestId('overview-empty')).textContent).toContain('No servers yet');
  });
});
