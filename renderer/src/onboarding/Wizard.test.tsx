import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { OnboardingStep } from '@shared/api/auth';
import { fakeClient, type Handlers } from '../testing/fake-client';
import { DEFAULT_MONITORING } from '@shared/api/monitoring';
import { check, fleetServer, overview, serverHealth } from '../health/testing/fixtures';
import { alertChannel, alertRule, me, secret, server, vaultStatus } from '../testing/fixtures';
import { withLayout } from '../testing/layout';
import { renderApp } from '../testing/render';

withLayout();

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

/** The policy as a fake server states it: the UI shows whatever rules come back. */
const checkPassword: Handlers['auth.checkPassword'] = async ({ username, password }) => {
  const rules = [
    { rule: 'length', ok: password.length >= 12, message: `At least 12 characters (${password.length} so far)` },
    { rule: 'not-username', ok: password !== username, message: 'Is not the username' },
    { rule: 'not-common', ok: password !== 'passwordpassword', message: 'Is not one of the commonly used passwords' },
  ];
  return { acceptable: rules.every((rule) => rule.ok), rules };
};

const NO_KEYRING = 'The OS keychain is not available: no Secret Service is running, so Electron would store the key in plain text.';

function firstRun() {
  const recorded: OnboardingStep[] = [];
  const owner = me({ username: 'root-admin', displayName: '', role: 'owner' });
  const client = fakeClient({
    'auth.status': async () => ({ setupRequired: true, user: null, onboarding: 'welcome' }),
    'auth.checkPassword': checkPassword,
    'auth.setup': async () => owner,
    'onboarding.update': async ({ step }) => {
      recorded.push(step);
      return { step };
    },
    'servers.probe': async () => ({ reachable: false, latencyMs: null, message: 'Connection refused' }),
    'servers.create': async (input) => ({
      ...server({ name: input.name, host: input.host, port: input.port ?? 22 }),
      check: input.monitor ? { id: 'check-1', name: 'tcp', type: 'tcp', port: input.monitor.port ?? input.port ?? 22 } : null,
    }),
    'servers.list': async () => ({ items: [server()], total: 1 }),
    'servers.facets': async () => ({ tags: [], environments: [] }),
    'vault.status': async () => vaultStatus({ initialized: false, locked: true, slots: [], os: { available: false, reason: NO_KEYRING } }),
    'vault.init': async () => vaultStatus(),
    'monitoring.settings': async () => DEFAULT_MONITORING,
    'monitoring.updateSettings': async (input) => ({ ...DEFAULT_MONITORING, defaults: { ...DEFAULT_MONITORING.defaults, ...input.defaults } }),
    'checks.create': async (input) => check({ serverId: input.serverId, type: 'tcp', config: input.spec.config }),
    // The first server's check has run: the engine found it down.
    'health.server': async ({ id }) => serverHealth({ serverId: id, status: 'down' }),
    'health.overview': async () => overview({ servers: [fleetServer({ id: server().id, name: 'db-01', status: 'down' })] }),
    'secrets.create': async (input) => secret({ id: 'slack-url-secret', name: input.name }),
    'alerts.createChannel': async (input) => alertChannel({ id: 'slack-channel', name: input.name }),
    'alerts.createRule': async () => alertRule(),
    'alerts.testChannel': async () => ({ id: 'test-1', delivered: true, statusCode: 200, latencyMs: 120, error: null }),
  });
  return { client, recorded };
}

const rule = (name: string) => screen.getByTestId(`password-rule-${name}`);

describe('First-run wizard', () => {
  it('ticks the password rules off as the server reports them', async () => {
    const { client } = firstRun();
    renderApp(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Get started' }));
    expect(screen.getByText('Step 2 of 8')).toBeTruthy();

    fill('Username', 'root-admin');
    fill('Password', 'passwordpassword');
    await waitFor(() => expect(rule('not-common').dataset.ok).toBe('false'));
    expect(rule('length').dataset.ok).toBe('true');
    expect(rule('not-username').dataset.ok).toBe('true');
    expect(rule('not-common').textContent).toContain('not met');

    fill('Password', 'root-admin');
    await waitFor(() => expect(rule('not-username').dataset.ok).toBe('false'));
    expect(rule('length').dataset.ok).toBe('false');
    expect(rule('length').textContent).toContain('10 so far');

    fireEvent.click(screen.getByRole('button', { name: 'Create owner account' }));
    expect(client.calls.some((call) => call.name === 'auth.setup')).toBe(false);
  });

  it('sends a good password typed after a refused one at once, not held back by the verdict on the one before', async () => {
    const { client } = firstRun();
    renderApp(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Get started' }));
    fill('Username', 'root-admin');
    fill('Password', 'short');
    await waitFor(() => expect(rule('length').dataset.ok).toBe('false'));

    // Typed and sent before the policy is asked again (it is asked once typing pauses): the server judges it.
    fill('Password', 'analytical engine 1843');
    fill('Confirm password', 'analytical engine 1843');
    fireEvent.click(screen.getByRole('button', { name: 'Create owner account' }));
    expect(screen.queryByText('Meet every rule in the list below first.')).toBeNull();
    await waitFor(() => expect(client.calls.filter((call) => call.name === 'auth.setup')).toHaveLength(1));
  });

  it('goes from welcome to the overview, recording each finished step and showing the first server live', async () => {
    const { client, recorded } = firstRun();
    renderApp(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Get started' }));

    fill('Username', 'root-admin');
    fill('Password', 'a long enough passphrase');
    fill('Confirm password', 'a long enough passphrase');
    await waitFor(() => expect(rule('length').dataset.ok).toBe('true'));
    fireEvent.click(screen.getByRole('button', { name: 'Create owner account' }));

    expect(await screen.findByText('Step 3 of 8')).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'auth.setup')?.input).toEqual({ username: 'root-admin', password: 'a long enough passphrase' });
    fireEvent.click(screen.getByRole('button', { name: 'Skip for now' }));

    expect(await screen.findByText('Step 4 of 8')).toBeTruthy();
    await screen.findByLabelText('Vault passphrase');
    fill('Vault passphrase', 'a vault passphrase');
    fill('Confirm vault passphrase', 'a vault passphrase');
    fireEvent.click(screen.getByRole('button', { name: 'Protect the vault' }));

    expect(await screen.findByText('Step 5 of 8')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Choose how servers are checked' })).toBeTruthy();
    expect(((await screen.findByLabelText('Check every (seconds)')) as HTMLInputElement).value).toBe('60');
    fill('Check every (seconds)', '5');
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(screen.getByTestId('wizard-monitoring-interval-error').textContent).toBe('Interval must be at least 10 seconds');
    expect(client.calls.some((call) => call.name === 'monitoring.updateSettings')).toBe(false);
    fill('Check every (seconds)', '30');
    fill('Retries', '2');
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));

    expect(await screen.findByText('Step 6 of 8')).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'monitoring.updateSettings')?.input).toEqual({
      defaults: { intervalMs: 30_000, timeoutMs: 10_000, retries: 2 },
    });
    expect((screen.getByLabelText('Port to watch') as HTMLInputElement).value).toBe('22');
    expect((screen.getByLabelText('SSH port') as HTMLInputElement).value).toBe('22');
    fill('Name', 'db-01');
    fill('Host', '10.0.0.5');
    fill('Port to watch', '5432');
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    const outcome = await screen.findByTestId('probe-result');
    expect(outcome.textContent).toContain('Connection refused');
    expect(outcome.textContent).toContain('Keep it anyway');
    fireEvent.click(screen.getByRole('button', { name: 'Add server' }));

    // How alerts reach the owner: a Slack webhook whose URL goes to the vault, a rule, and a test.
    expect(await screen.findByText('Step 7 of 8')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Send alerts by'), { target: { value: 'slack' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save and send a test' }));
    expect(screen.getByTestId('wizard-alerts-url-error').textContent).toBe('Paste the https:// webhook URL Slack gave you');
    expect(client.calls.some((call) => call.name === 'secrets.create')).toBe(false);
    fill('Webhook URL', 'https://hooks.example.net/services/team-a/channel-b');
    fireEvent.click(screen.getByRole('button', { name: 'Save and send a test' }));
    expect((await screen.findByTestId('wizard-alerts-done')).textContent).toContain('A test notification went to Slack (first-run)');
    expect(client.calls.find((call) => call.name === 'secrets.create')?.input).toEqual({
      name: 'Slack webhook URL',
      value: { kind: 'api_token', token: 'https://hooks.example.net/services/team-a/channel-b' },
    });
    expect(client.calls.find((call) => call.name === 'alerts.createChannel')?.input).toEqual({
      name: 'Slack (first-run)',
      type: 'slack',
      config: {},
      secretId: 'slack-url-secret',
    });
    expect(client.calls.find((call) => call.name === 'alerts.createRule')?.input).toEqual({ name: 'Every incident', channelIds: ['slack-channel'] });
    expect(client.calls.find((call) => call.name === 'alerts.testChannel')?.input).toEqual({ id: 'slack-channel' });
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));

    expect(await screen.findByText('Step 8 of 8')).toBeTruthy();
    expect(screen.getByTestId('wizard-summary').textContent).toContain('Every incident goes to Slack (first-run); its test arrived');
    expect(screen.getByTestId('wizard-summary').textContent).toContain('db-01 (10.0.0.5, SSH port 22), watched by a TCP check on port 5432');
    // The port tested is the check's, made with the server in one call; the SSH port stays 22.
    expect(client.calls.find((call) => call.name === 'servers.probe')?.input).toMatchObject({ host: '10.0.0.5', port: 5432 });
    expect(client.calls.find((call) => call.name === 'servers.create')?.input).toMatchObject({ port: 22, monitor: { type: 'tcp', port: 5432 } });
    expect(client.calls.some((call) => call.name === 'checks.create')).toBe(false);
    expect(client.calls.find((call) => call.name === 'vault.init')?.input).toEqual({ slot: { kind: 'passphrase', passphrase: 'a vault passphrase' } });
    expect(recorded).toEqual(['server', 'done']);

    // The first server's live status, as the engine has it, beside it.
    await waitFor(() => expect(screen.getByTestId('wizard-server-status').textContent).toContain('Down'));
    expect(screen.getByRole('link', { name: 'accounts for the people who work with you' }).getAttribute('href')).toBe('#/users');
    expect(screen.getByRole('link', { name: 'add the rest of your servers' }).getAttribute('href')).toBe('#/servers');

    fireEvent.click(screen.getByRole('button', { name: 'Go to the overview' }));
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeTruthy();
    expect(window.location.hash).toBe('#/overview');
    expect((await screen.findByTestId('status-cell')).getAttribute('data-status')).toBe('down');
    // The button that left the wizard is gone: the keyboard goes on from the page's content.
    expect(document.activeElement?.id).toBe('main');
  });

  it('protecting the vault: without an OS keychain, says why and asks for a passphrase', async () => {
    const { client } = firstRun();
    renderApp(client);
    fireEvent.click(await screen.findByRole('button', { name: 'Get started' }));
    fill('Username', 'root-admin');
    fill('Password', 'a long enough passphrase');
    fill('Confirm password', 'a long enough passphrase');
    await waitFor(() => expect(rule('length').dataset.ok).toBe('true'));
    fireEvent.click(screen.getByRole('button', { name: 'Create owner account' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Skip for now' }));

    expect(await screen.findByRole('heading', { name: 'Protect your vault' })).toBeTruthy();
    expect(screen.getByText('Step 4 of 8')).toBeTruthy();
    expect((await screen.findByTestId('vault-step-os-reason')).textContent).toContain(NO_KEYRING);
    expect(screen.queryByRole('button', { name: 'Use the OS keychain' })).toBeNull();

    fill('Vault passphrase', 'too short');
    fireEvent.click(screen.getByRole('button', { name: 'Protect the vault' }));
    expect(screen.getByTestId('vault-step-passphrase-error').textContent).toBe('A vault passphrase is at least 12 characters');
    fill('Vault passphrase', 'long enough now');
    fill('Confirm vault passphrase', 'long enough, but different');
    fireEvent.click(screen.getByRole('button', { name: 'Protect the vault' }));
    expect(screen.getByTestId('vault-step-confirm-error').textContent).toBe('The two passphrases differ.');
    expect(client.calls.some((call) => call.name === 'vault.init')).toBe(false);
  });

  it('a wizard resumed after the vault was made says so and goes on', async () => {
    const owner = me({ role: 'owner' });
    const client = fakeClient({
      'auth.status': async () => ({ setupRequired: false, user: owner, onboarding: 'server' }),
      'vault.status': async () => vaultStatus(),
      'monitoring.settings': async () => DEFAULT_MONITORING,
      'monitoring.updateSettings': async () => DEFAULT_MONITORING,
    });
    renderApp(client);
    expect((await screen.findByTestId('vault-step-exists')).textContent).toContain('The vault already exists, protected by passphrase');
    expect(screen.getByText('Step 4 of 8')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('Step 5 of 8')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Continue' }));
    expect(await screen.findByText('Step 6 of 8')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add server' })).toBeTruthy();
  });
});
