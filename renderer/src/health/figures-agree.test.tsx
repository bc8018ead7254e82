import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ServerHealth } from '@shared/api/health';
import { MeProvider } from '../auth/session';
import { fakeClient } from '../testing/fake-client';
import { me, server } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { renderWithClient } from '../testing/render';
import { formatUptimeOver, SPAN_MS } from './health-format';
import { OverviewPage } from './overview/OverviewPage';
import { ServerHealthPage } from './server/ServerHealthPage';
import { CHECK_ID, overview, SERVER_ID, serverHealth } from './testing/fixtures';
import { useHealthEvents } from './use-health-events';

withLayout();

function HealthEvents() {
  useHealthEvents();
  return null;
}

const MIN = 60_000;

describe('Uptime says how much of its span was measured', () => {
  it('gives a figure alone only for a span measured in full, and "—" without results', () => {
    const now = 1_700_000_000_000;
    expect(formatUptimeOver(1, SPAN_MS.h24, now - 3 * MIN, now)).toBe('100 % of 3 min measured');
    expect(formatUptimeOver(0.5, SPAN_MS.d7, now - 5 * 3_600_000, now)).toBe('50.00 % of 5 h measured');
    expect(formatUptimeOver(1, SPAN_MS.d30, now - 20_000, now)).toBe('100 % of under a minute measured');
    expect(formatUptimeOver(0.9995, SPAN_MS.h24, now - 2 * SPAN_MS.h24, now)).toBe('99.95 %');
    expect(formatUptimeOver(null, SPAN_MS.h24, now - 3 * MIN, now)).toBe('—');
  });

  it('on the overview a fleet watched for three minutes does not claim 100 % over 30 days', async () => {
    const client = fakeClient({
      'health.overview': async () => overview({ uptime: { h24: 1, d7: 1, d30: 1, since: Date.now() - 3 * MIN - 5_000 } }),
      'servers.facets': async () => ({ tags: [], environments: [] }),
    });
    renderWithClient(
      <MeProvider me={me({ role: 'admin' })}>
        <OverviewPage />
      </MeProvider>,
      client,
    );
    expect((await screen.findByTestId('uptime-24h')).textContent).toBe('100 % of 3 min measured');
    expect(screen.getByTestId('uptime-7d').textContent).toBe('100 % of 3 min measured');
    expect(screen.getByTestId('uptime-30d').textContent).toBe('100 % of 3 min measured');
  });
});

describe('A server page’s figures follow its first result', () => {
  it('reads the latency chart and the uptime again when a result arrives, instead of "no results" beside it', async () => {
    let results = 0;
    const health = (): ServerHealth =>
      serverHealth({
        uptime: results === 0 ? { h24: null, d7: null, d30: null, d90: null, since: Date.now() } : { h24: 1, d7: 1, d30: 1, d90: 1, since: Date.now() - MIN },
      });
    const client = fakeClient({
      'servers.get': async () => server({ id: SERVER_ID }),
      'health.server': async () => health(),
      'health.series': async ({ range }) => ({
        range: range ?? '24h',
        from: 0,
        to: 3_600_000,
        bucketMs: 0,
        series:
          results === 0
            ? []
            : [{ checkId: CHECK_ID, name: 'web', type: 'http', points: [{ t: Date.now(), count: 1, failures: 0, min: 2, avg: 2, max: 2, p95: 2 }] }],
      }),
      'incidents.list': async () => ({ items: [], total: 0 }),
      'maintenance.list': async () => ({ items: [] }),
    });
    renderWithClient(
      <MeProvider me={me({ role: 'operator' })}>
        <HealthEvents />
        <ServerHealthPage serverId={SERVER_ID} />
      </MeProvider>,
      client,
    );
    expect((await screen.findByTestId('uptime-h24')).textContent).toBe('—');
    const reads = (name: string) => client.calls.filter((call) => call.name === name).length;
    const series = reads('health.series');

    results = 1;
    act(() =>
      client.emit('check.result', {
        results: [{ checkId: CHECK_ID, serverId: SERVER_ID, at: Date.now(), status: 'up', state: 'up', latencyMs: 2, message: 'HTTP 200 in 2 ms' }],
      }),
    );
    await waitFor(() => expect(screen.getByTestId('uptime-h24').textContent).toBe('100 % of 1 min measured'));
    expect(reads('health.series')).toBeGreaterThan(series);
  });
});
