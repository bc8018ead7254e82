import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MONITORING, type MonitoringSettings, type ServerCheckLimit } from '@shared/api/monitoring';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../../auth/session';
import { fakeClient } from '../../testing/fake-client';
import { me } from '../../testing/fixtures';
import { renderWithClient } from '../../testing/render';
import { ConcurrencyPanel } from './ConcurrencyPanel';

const BALANCER: ServerCheckLimit = { serverId: 'srv-1', serverName: 'lb-01', host: '10.0.0.5', maxChecks: 24, updatedAt: 1 };

function renderPanel(role: Role, items: ServerCheckLimit[] = [BALANCER]) {
  let settings: MonitoringSettings = DEFAULT_MONITORING;
  const client = fakeClient({
    'monitoring.settings': async () => settings,
    'monitoring.updateSettings': async (input) => {
      settings = { ...settings, ...input } as MonitoringSettings;
      return settings;
    },
    'monitoring.serverLimits': async () => ({ items }),
    'monitoring.setServerLimit': async ({ serverId }) => {
      items = items.filter((item) => item.serverId !== serverId);
      return { serverId, maxChecks: null, effective: settings.maxChecksPerHost };
    },
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <ConcurrencyPanel />
    </MeProvider>,
    client,
  );
  return client;
}

const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;

describe('Settings → Checks at once', () => {
  it('shows the caps and saves new ones', async () => {
    const client = renderPanel('operator');
    await waitFor(() => expect(input('caps-host').value).toBe('4'));
    expect(input('caps-fleet').value).toBe('128');
    fireEvent.change(input('caps-host'), { target: { value: '16' } });
    fireEvent.click(screen.getByTestId('caps-save'));
    expect(await screen.findByTestId('caps-saved')).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'monitoring.updateSettings')?.input).toEqual({ maxConcurrentChecks: 128, maxChecksPerHost: 16 });
  });

  it('says what is wrong with a cap before sending it', async () => {
    const client = renderPanel('admin');
    await waitFor(() => expect(input('caps-fleet').value).toBe('128'));
    fireEvent.change(input('caps-fleet'), { target: { value: 'lots' } });
    fireEvent.change(input('caps-host'), { target: { value: '300' } });
    fireEvent.click(screen.getByTestId('caps-save'));
    expect((await screen.findByTestId('caps-fleet-error')).textContent).toBe('Enter a whole number');
    expect(screen.getByTestId('caps-host-error').textContent).toBe('At most 256 checks at a time per host');
    expect(client.calls.some((call) => call.name === 'monitoring.updateSettings')).toBe(false);
  });

  it('lists the servers with their own cap and gives one back the fleet’s', async () => {
    const client = renderPanel('admin');
    const row = await screen.findByTestId('server-cap');
    expect(row.textContent).toContain('lb-01');
    expect(row.textContent).toContain('10.0.0.5');
    expect(row.querySelector('a')?.getAttribute('href')).toBe('#/servers/srv-1/health');
    fireEvent.click(screen.getByRole('button', { name: 'Remove lb-01’s own cap' }));
    await waitFor(() => expect(client.calls.find((call) => call.name === 'monitoring.setServerLimit')?.input).toEqual({ serverId: 'srv-1', maxChecks: null }));
  });

  it('shows a viewer the caps, not the controls', async () => {
    renderPanel('viewer');
    await waitFor(() => expect(input('caps-host').value).toBe('4'));
    expect(input('caps-host').disabled).toBe(true);
    expect(screen.queryByTestId('caps-save')).toBeNull();
    expect((await screen.findByTestId('server-cap')).textContent).toContain('24');
    expect(screen.queryByRole('button', { name: /own cap/ })).toBeNull();
  });
});
