import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { FleetOverview, FleetServer } from '@shared/api/health';
import { MeProvider } from '../../auth/session';
import { fakeClient } from '../../testing/fake-client';
import { me } from '../../testing/fixtures';
import { withLayout } from '../../testing/layout';
import { renderWithClient } from '../../testing/render';
import { fleetServer, overview, SERVER_ID } from '../testing/fixtures';
import { useHealthEvents } from '../use-health-events';
import { OverviewPage } from './OverviewPage';

withLayout();

function HealthEvents() {
  useHealthEvents();
  return null;
}

/**
 * A server whose overview is computed when asked and delivered when the test says: the network
 * between them is slow, so the engine's events can overtake a read.
 */
function slowFleet() {
  let status: FleetServer['status'] = 'unknown';
  const answers: (() => void)[] = [];
  const client = fakeClient({
    'health.overview': () => {
      const snapshot: FleetOverview = overview({ servers: [fleetServer({ status })] });
      return new Promise((resolve) => answers.push(() => resolve(snapshot)));
    },
    'servers.facets': async () => ({ tags: [], environments: [] }),
  });
  renderWithClient(
    <MeProvider me={me({ role: 'admin' })}>
      <HealthEvents />
      <OverviewPage />
    </MeProvider>,
    client,
  );
  return {
    client,
    /** The server's state changes: the engine emits it (when `announce`) and stores it. */
    change(to: FleetServer['status'], announce = true) {
      const from = status;
      status = to;
      if (announce) act(() => client.emit('server.status', { serverId: SERVER_ID, from, to, at: Date.now() }));
    },
    async answer() {
      await waitFor(() => expect(answers.length).toBeGreaterThan(0));
      await act(async () => answers.shift()?.());
    },
    reads: () => client.calls.filter((call) => call.name === 'health.overview').length,
  };
}

const cell = () => screen.getByTestId('status-cell');

describe('The overview keeps every change the engine announced', () => {
  it('reads again when a change arrived while a read was on its way, instead of showing the older answer', async () => {
    const fleet = slowFleet();
    // The page's first read is computed (unknown) and still travelling when the server comes up.
    await waitFor(() => expect(fleet.reads()).toBe(1));
    fleet.change('up');
    await fleet.answer();
    await waitFor(() => expect(fleet.reads()).toBe(2));
    await fleet.answer();
    await waitFor(() => expect(cell().getAttribute('data-status')).toBe('up'));
  });

  it('reads again once the event stream opens, for a change made before it could carry it', async () => {
    const fleet = slowFleet();
    await fleet.answer();
    await waitFor(() => expect(cell().getAttribute('data-status')).toBe('unknown'));
    // Changed while the stream was down (no event reached the page); then the stream is back.
    fleet.change('down', false);
    await new Promise((resolve) => setTimeout(resolve, 5));
    act(() => fleet.client.streamOpened());
    await waitFor(() => expect(fleet.reads()).toBe(2));
    await fleet.answer();
    await waitFor(() => expect(cell().getAttribute('data-status')).toBe('down'));
  });

  it('patches a change in place when no read is under way, without reading the fleet again', async () => {
    const fleet = slowFleet();
    await fleet.answer();
    await waitFor(() => expect(cell().getAttribute('data-status')).toBe('unknown'));
    fleet.change('up');
    await waitFor(() => expect(cell().getAttribute('data-status')).toBe('up'));
    expect(fleet.reads()).toBe(1);
  });
});
