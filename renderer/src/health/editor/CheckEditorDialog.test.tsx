import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MONITORING } from '@shared/api/monitoring';
import { MeProvider } from '../../auth/session';
import { fakeClient, type Handlers } from '../../testing/fake-client';
import { fieldError, me, secret, server } from '../../testing/fixtures';
import { renderWithClient } from '../../testing/render';
import { check } from '../testing/fixtures';
import { CheckEditorDialog } from './CheckEditorDialog';

const target = server({ host: 'web01.example.com', port: 8080 });
let closed = 0;

afterEach(() => {
  closed = 0;
});

function open(handlers: Handlers = {}, editing?: ReturnType<typeof check>) {
  const client = fakeClient({
    'monitoring.settings': async () => ({ ...DEFAULT_MONITORING, defaults: { intervalMs: 30_000, timeoutMs: 5_000, retries: 2, confirmAfter: 3 } }),
    ...handlers,
  });
  renderWithClient(
    <MeProvider me={me({ role: 'operator' })}>
      <CheckEditorDialog server={target} onClose={() => (closed += 1)} {...(editing ? { check: editing } : {})} />
    </MeProvider>,
    client,
  );
  return client;
}

const input = (testId: string) => screen.getByTestId(testId) as HTMLInputElement;
const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });
const control = (testId: string) => screen.getByTestId(testId);
const enter = (testId: string, value: string) => fireEvent.change(control(testId), { target: { value } });

describe('The check editor', () => {
  it('puts Test right after the fields it tests, so a keyboard reaches it in a few Tabs, before the schedule', async () => {
    open();
    await screen.findByTestId('check-field-type');
    const form = screen.getByTestId('check-field-type').closest('form') as HTMLFormElement;
    const stops = [...form.querySelectorAll<HTMLElement>('input, select, textarea, button, summary, a[href]')].filter(
      (element) => !(element as HTMLInputElement).disabled && element.tabIndex >= 0,
    );
    const testAt = stops.indexOf(screen.getByRole('button', { name: 'Test' }));
    // Type, name, host, port (and "More options", if the type has one), then Test.
    expect(testAt).toBeGreaterThan(0);
    expect(testAt).toBeLessThanOrEqual(5);
    expect(testAt).toBeLessThan(stops.indexOf(screen.getByTestId('check-field-interval')));
  });

  it('starts from the server’s host and port and the monitoring defaults', async () => {
    open();
    await screen.findByTestId('check-field-type');
    expect((screen.getByTestId('check-field-type') as HTMLSelectElement).value).toBe('tcp');
    expect(input('check-field-host').value).toBe('web01.example.com');
    expect(input('check-field-port').value).toBe('8080');
    expect(input('check-field-interval').value).toBe('30');
    expect(input('check-field-timeout').value).toBe('5');
    expect(input('check-field-retries').value).toBe('2');
    expect(input('check-field-confirmAfter').value).toBe('3');

    type('check-field-type', 'http');
    expect(input('check-field-url').value).toBe('https://web01.example.com/');
    expect(input('check-field-expectedStatus').value).toBe('200-399');
    expect((screen.getByTestId('check-field-method') as HTMLSelectElement).value).toBe('GET');
  });

  it('says what is wrong under each field, with the contract’s messages, before calling anything', async () => {
    const client = open();
    await screen.findByTestId('check-field-type');
    type('check-field-type', 'http');
    type('check-field-url', 'ftp://files.example.com');
    type('check-field-interval', '5');
    type('check-field-maxRedirects', '40');
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));

    expect(screen.getByTestId('check-field-url-error').textContent).toBeTruthy();
    expect(screen.getByTestId('check-field-interval-error').textContent).toBe('Interval must be at least 10 seconds');
    expect(screen.getByTestId('check-field-maxRedirects-error').textContent).toMatch(/20/);
    // An error in a folded field unfolds "More options".
    expect(screen.getByText('More options').closest('details')?.open).toBe(true);

    type('check-field-url', '');
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(screen.getByTestId('check-field-url-error').textContent).toBe('Required');
    expect(client.calls.filter((call) => call.name === 'checks.test' || call.name === 'checks.create')).toEqual([]);
  });

  it('tests the check as typed, without saving, and shows what it said', async () => {
    let release: () => void = () => undefined;
    const client = open({
      'checks.test': () =>
        new Promise((resolve) => {
          release = () => resolve({ status: 'down', latencyMs: null, message: 'connect ECONNREFUSED 10.0.0.5:443' });
        }),
    });
    await screen.findByTestId('check-field-type');
    type('check-field-type', 'http');
    type('check-field-url', 'https://10.0.0.5/health');
    type('check-field-keyword-text', 'ok');
    type('check-field-keyword-mode', 'absent');
    type('check-field-expectedStatus', '200, 301-302');
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));

    expect(await screen.findByRole('button', { name: 'Testing…' })).toBeTruthy();
    expect(client.calls.find((call) => call.name === 'checks.test')?.input).toEqual({
      spec: {
        type: 'http',
        config: expect.objectContaining({
          url: 'https://10.0.0.5/health',
          expectedStatus: ['200', '301-302'],
          keyword: { text: 'ok', mode: 'absent', caseSensitive: true },
          method: 'GET',
        }),
      },
      serverId: target.id,
      timeoutMs: 5_000,
    });
    release();
    const outcome = await screen.findByTestId('check-test-result');
    expect(outcome.dataset.status).toBe('down');
    expect(outcome.textContent).toContain('ECONNREFUSED');
    expect(client.calls.some((call) => call.name === 'checks.create')).toBe(false);
    expect(closed).toBe(0);
  });

  it('places the router’s VALIDATION_FAILED issues under their fields', async () => {
    const client = open({
      'checks.create': async () => {
        throw fieldError('VALIDATION_FAILED', [
          { path: ['spec', 'config', 'port'], message: 'Nothing listens there, says the server' },
          { path: ['serverId'], message: 'That server is gone' },
        ]);
      },
    });
    await screen.findByTestId('check-field-type');
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));

    expect(await screen.findByTestId('check-field-port-error')).toBeTruthy();
    expect(screen.getByTestId('check-field-port-error').textContent).toBe('Nothing listens there, says the server');
    expect(screen.getByTestId('check-editor-error').textContent).toContain('That server is gone');
    expect(client.calls.find((call) => call.name === 'checks.create')?.input).toEqual({
      serverId: target.id,
      spec: { type: 'tcp', config: { host: 'web01.example.com', port: 8080 } },
      intervalMs: 30_000,
      timeoutMs: 5_000,
      retries: 2,
      confirmAfter: 3,
      paused: false,
    });
    expect(closed).toBe(0);
  });

  it('saves an edit with checks.update, keeping the type and config the form does not show', async () => {
    const editing = check({ config: { url: 'https://web01.example.com/', ca: '-----BEGIN CERTIFICATE-----' } });
    const client = open({ 'checks.update': async () => editing }, editing);
    await screen.findByTestId('check-field-type');
    expect((screen.getByTestId('check-field-type') as HTMLSelectElement).disabled).toBe(true);
    expect(input('check-field-interval').value).toBe('60');
    type('check-field-degradedAboveMs', '750');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(closed).toBe(1));
    const sent = client.calls.find((call) => call.name === 'checks.update')?.input as { spec: { config: Record<string, unknown> } };
    expect(sent.spec.config).toMatchObject({ url: 'https://web01.example.com/', ca: '-----BEGIN CERTIFICATE-----', degradedAboveMs: 750 });
  });

  it('offers the vault’s passwords and SSH keys linked to the server for an ssh-metrics check, which logs in to the server’s own host', async () => {
    const key = secret({ id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a', kind: 'ssh_key', name: 'deploy key', username: 'deploy' });
    const client = open({
      'secrets.list': async () => ({ items: [key, secret({ id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', kind: 'api_token', name: 'a token' })] }),
      'checks.test': async () => ({ status: 'up', latencyMs: 80, message: 'load 0.2 per core, memory 40 %, disk / 50 %' }),
    });
    await screen.findByTestId('check-field-type');
    type('check-field-type', 'ssh-metrics');
    const picker = screen.getByTestId('check-field-credentialId') as HTMLSelectElement;
    await waitFor(() => expect(within(picker).getAllByRole('option')).toHaveLength(2));
    expect(within(picker).queryByText(/a token/)).toBeNull();

    type('check-field-user', 'deploy');
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect(screen.getByTestId('check-field-credentialId-error').textContent).toBe('Required');
    type('check-field-credentialId', key.id);
    fireEvent.click(screen.getByRole('button', { name: 'Test' }));
    expect((await screen.findByTestId('check-test-result')).textContent).toContain('load 0.2 per core');
    const spec = (client.calls.find((call) => call.name === 'checks.test')?.input as { spec: { config: Record<string, unknown> } }).spec;
    expect(spec.config).toMatchObject({ port: 8080, user: 'deploy', credentialId: key.id, mounts: ['/'] });
    expect(spec.config.host).toBeUndefined();
    expect(screen.queryByTestId('check-field-host')).toBeNull();
    expect(client.calls.find((call) => call.name === 'secrets.list')?.input).toEqual({ serverId: target.id });
  });

  it('takes an HTTP check’s credential from the vault, and refuses one typed into the headers', async () => {
    const token = secret({ id: '6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c', kind: 'api_token', name: 'status token' });
    const client = open({
      'secrets.list': async () => ({ items: [token, secret({ id: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d', kind: 'ssh_key', name: 'a key' })] }),
      'checks.create': async (raw) => check({ serverId: target.id, type: 'http', config: (raw as { spec: { config: Record<string, unknown> } }).spec.config }),
    });
    await screen.findByTestId('check-field-type');
    type('check-field-type', 'http');
    type('check-field-url', 'https://web01.example.com/status');
    type('check-field-headers', 'Authorization: Bearer typed-in-secret');
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));
    expect(screen.getByTestId('check-field-headers-error').textContent).toBe(
      'Authorization carries a credential: store it in the vault and choose it under Authentication',
    );
    expect(client.calls.filter((call) => call.name === 'checks.create')).toEqual([]);

    type('check-field-headers', '');
    const picker = screen.getByTestId('check-field-auth-credentialId') as HTMLSelectElement;
    await waitFor(() => expect(within(picker).getAllByRole('option')).toHaveLength(2));
    expect(within(picker).queryByText(/a key/)).toBeNull();
    type('check-field-auth-credentialId', token.id);
    type('check-field-auth-kind', 'header');
    type('check-field-auth-headerName', 'X-Status-Key');
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));
    await waitFor(() => expect(closed).toBe(1));
    const created = client.calls.find((call) => call.name === 'checks.create')?.input as { spec: { config: Record<string, unknown> } };
    expect(created.spec.config.auth).toEqual({ kind: 'header', credentialId: token.id, headerName: 'X-Status-Key' });
    expect(created.spec.config.headers).toEqual({});
  });
});

describe('What the check editor sends', () => {
  const sent = (client: ReturnType<typeof open>, name: 'checks.create' | 'checks.update' | 'checks.test') =>
    client.calls.filter((call) => call.name === name).map((call) => call.input);
  const schedule = { intervalMs: 30_000, timeoutMs: 5_000, retries: 2, confirmAfter: 3, paused: false };

  it.each([
    ['tcp', { 'check-field-host': 'db01.example.com', 'check-field-port': '5432' }, { host: 'db01.example.com', port: 5432 }],
    [
      'tls',
      { 'check-field-host': 'web01.example.com', 'check-field-port': '8443', 'check-field-expiryDegradedDays': '21' },
      { host: 'web01.example.com', port: 8443, expiryDegradedDays: 21, expiryDownDays: 0, allowUntrusted: false },
    ],
    [
      'dns',
      { 'check-field-name': 'example.org', 'check-field-recordType': 'MX', 'check-field-expected': 'mx1.example.org' },
      { name: 'example.org', recordType: 'MX', expected: 'mx1.example.org' },
    ],
    ['ssh', { 'check-field-host': 'web01.example.com', 'check-field-port': '2222' }, { host: 'web01.example.com', port: 2222 }],
    [
      'game',
      { 'check-field-game': 'minecraft', 'check-field-port': '25565', 'check-field-minPlayers': '1' },
      { game: 'minecraft', host: 'web01.example.com', port: 25565, minPlayers: 1 },
    ],
  ] as const)('adds a %s check with the config as typed and the schedule, then closes', async (type, fields, config) => {
    const client = open({ 'checks.create': async () => check({ type }) });
    await screen.findByTestId('check-field-type');
    enter('check-field-type', type);
    for (const [testId, value] of Object.entries(fields)) enter(testId, value);
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));

    await waitFor(() => expect(closed).toBe(1));
    expect(sent(client, 'checks.create')).toEqual([{ serverId: target.id, spec: { type, config }, ...schedule }]);
    expect(sent(client, 'checks.update')).toEqual([]);
  });

  it('adds an http check with its request as typed', async () => {
    const client = open({ 'checks.create': async () => check() });
    await screen.findByTestId('check-field-type');
    enter('check-field-type', 'http');
    enter('check-field-url', 'https://web01.example.com/health');
    enter('check-field-method', 'HEAD');
    enter('check-field-expectedStatus', '204');
    enter('check-name', 'Front page');
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));

    await waitFor(() => expect(closed).toBe(1));
    const [input] = sent(client, 'checks.create') as { name?: string; spec: { type: string; config: Record<string, unknown> } }[];
    expect(input?.name).toBe('Front page');
    expect(input?.spec.type).toBe('http');
    expect(input?.spec.config).toMatchObject({ url: 'https://web01.example.com/health', method: 'HEAD', expectedStatus: ['204'] });
    expect(input?.spec.config).not.toHaveProperty('keyword');
  });

  it.each([
    ['tcp', 'check-field-port', '', 'check-field-port-error'],
    ['dns', 'check-field-name', '', 'check-field-name-error'],
    ['game', 'check-field-game', '', 'check-field-game-error'],
    ['ssh', 'check-field-port', '70000', 'check-field-port-error'],
    ['tcp', 'check-field-retries', '-1', 'check-field-retries-error'],
  ] as const)('shows what is wrong with a %s check (%s = "%s") and sends nothing', async (type, testId, value, errorId) => {
    const client = open({ 'checks.create': async () => check() });
    await screen.findByTestId('check-field-type');
    enter('check-field-type', type);
    enter(testId, value);
    fireEvent.click(screen.getByRole('button', { name: 'Add check' }));

    expect(screen.getByTestId(errorId).textContent).not.toBe('');
    expect(control(testId).getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(control(testId));
    expect(sent(client, 'checks.create')).toEqual([]);
    expect(closed).toBe(0);
  });

  it('fills the form from the check being edited, and saves it with the change made', async () => {
    const editing = check({
      name: 'DNS mail',
      type: 'dns',
      config: { name: 'example.org', recordType: 'MX', expected: 'mx1.example.org' },
      intervalMs: 120_000,
      timeoutMs: 8_000,
      retries: 4,
      confirmAfter: 1,
    });
    const client = open({ 'checks.update': async () => editing }, editing);
    await screen.findByTestId('check-field-type');

    expect((screen.getByTestId('check-field-type') as HTMLSelectElement).value).toBe('dns');
    expect(input('check-name').value).toBe('DNS mail');
    expect(input('check-field-name').value).toBe('example.org');
    expect((screen.getByTestId('check-field-recordType') as HTMLSelectElement).value).toBe('MX');
    expect(input('check-field-expected').value).toBe('mx1.example.org');
    expect(input('check-field-interval').value).toBe('120');
    expect(input('check-field-timeout').value).toBe('8');
    expect(input('check-field-retries').value).toBe('4');
    expect(input('check-field-confirmAfter').value).toBe('1');
    expect(screen.queryByRole('button', { name: 'Add check' })).toBeNull();

    enter('check-field-expected', 'mx2.example.org');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(closed).toBe(1));
    expect(sent(client, 'checks.update')).toEqual([
      {
        id: editing.id,
        name: 'DNS mail',
        spec: { type: 'dns', config: { name: 'example.org', recordType: 'MX', expected: 'mx2.example.org' } },
        intervalMs: 120_000,
        timeoutMs: 8_000,
        retries: 4,
        confirmAfter: 1,
      },
    ]);
    expect(sent(client, 'checks.create')).toEqual([]);
  });

  it('sends nothing when cancelled, even after typing', async () => {
    const client = open({ 'checks.create': async () => check(), 'checks.update': async () => check() });
    await screen.findByTestId('check-field-type');
    enter('check-field-host', 'db01.example.com');
    enter('check-field-port', '5432');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(closed).toBe(1);
    expect(client.calls.filter((call) => call.name.startsWith('checks.'))).toEqual([]);
  });
});
