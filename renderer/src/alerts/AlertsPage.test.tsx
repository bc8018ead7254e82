import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AppError, validationError } from '@shared/api';
import type { AlertSilence, Notification } from '@shared/api/alerts';
import type { Role } from '@shared/permissions';
import { MeProvider } from '../auth/session';
import { fakeClient, type Handlers } from '../testing/fake-client';
import {
  ALERT_CHANNEL_ID as CHANNEL_ID,
  ALERT_RULE_ID as RULE_ID,
  ALERT_TOKEN_ID as TOKEN_ID,
  alertChannel as channel,
  alertRule as rule,
  appError,
  me,
  secret,
  server,
} from '../testing/fixtures';
import { renderWithClient } from '../testing/render';
import { AlertsPage } from './AlertsPage';

const OLD_TOKEN_ID = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const SECOND_ID = '6e7f8091-a2b3-4c4d-8e5f-60718293a4b5';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: '5b0c2a1e-1111-4222-8333-444455556666',
    ruleId: RULE_ID,
    channelId: CHANNEL_ID,
    source: 'incident.opened',
    incidentId: '6c1d3b2f-1111-4222-8333-444455556666',
    createdAt: Date.now() - 60_000,
    state: 'delivered',
    attempts: 2,
    nextAttemptAt: null,
    lastError: null,
    finishedAt: Date.now() - 30_000,
    silenceId: null,
    heldBy: null,
    log: [
      { at: Date.now() - 59_000, statusCode: null, error: 'connect ECONNREFUSED 10.0.5.20:443', latencyMs: 3, outcome: 'retry' },
      { at: Date.now() - 30_000, statusCode: 204, error: null, latencyMs: 41, outcome: 'delivered' },
    ],
    ...overrides,
  };
}

const SILENCE_ID = '3b4c5d6e-7f80-4912-8a3b-4c5d6e7f8091';

function silence(overrides: Partial<AlertSilence> = {}): AlertSilence {
  return {
    id: SILENCE_ID,
    match: { serverIds: [], tags: ['db'], environments: [], severities: [], checkTypes: [] },
    startsAt: Date.now() - 3_600_000,
    endsAt: Date.now() + 3_600_000,
    reason: 'replacing the db disks',
    createdBy: 'user:alice',
    createdAt: Date.now() - 3_600_000,
    expiredAt: null,
    expiredBy: null,
    expireReason: null,
    state: 'active',
    ...overrides,
  };
}

const silences = [
  silence(),
  silence({
    id: '4c5d6e7f-8091-4a23-8b4c-5d6e7f809112',
    reason: 'web release',
    match: { serverIds: [], tags: ['web'], environments: [], severities: [], checkTypes: [] },
    startsAt: Date.now() + 3_600_000,
    endsAt: Date.now() + 7_200_000,
    state: 'upcoming',
  }),
  silence({
    id: '5d6e7f80-9112-4b34-8c5d-6e7f80911223',
    reason: 'old work',
    endsAt: Date.now() - 60_000,
    expiredAt: Date.now() - 60_000,
    expiredBy: 'user:bob',
    expireReason: 'done early',
    state: 'expired',
  }),
];

const secrets = [
  secret({ id: TOKEN_ID, kind: 'api_token', name: 'on-call signing key', username: null }),
  secret({ id: OLD_TOKEN_ID, kind: 'api_token', name: 'old signing key', username: null }),
  secret({ kind: 'password', name: 'db root' }),
];

function renderAs(role: Role, extra: Handlers = {}) {
  const client = fakeClient({
    'alerts.channels': async () => ({
      items: [
        channel(),
        channel({ id: '7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b', name: 'old hook', enabled: false, disabledReason: 'The receiver answered 410 Gone at 08:12' }),
      ],
    }),
    'alerts.rules': async () => ({ items: [rule()] }),
    'alerts.deliveries': async () => ({
      items: [notification(), notification({ id: '8d9e0f1a-1111-4222-8333-444455556666', state: 'given-up', attempts: 1, log: [] })],
      total: 2,
    }),
    'alerts.settings': async () => ({
      allowedTargets: ['10.0.5.20'],
      giveUpAfterMinutes: 1440,
      publicUrl: null,
      signInBurst: { failures: 20, windowMinutes: 10 },
    }),
    'alerts.silences': async () => ({ items: silences }),
    'secrets.list': async () => ({ items: secrets }),
    'servers.list': async () => ({ items: [server()], total: 1 }),
    'servers.facets': async () => ({ tags: [{ value: 'prod', count: 1 }], environments: [{ value: 'production', count: 1 }] }),
    ...extra,
  });
  renderWithClient(
    <MeProvider me={me({ role })}>
      <AlertsPage />
    </MeProvider>,
    client,
  );
  return client;
}

const callsOf = (client: ReturnType<typeof renderAs>, name: string) => client.calls.filter((call) => call.name === name).map((call) => call.input);

/** A templated channel's config when nobody wrote a template: Guardian's own wording. */
const OWN_WORDING = { title: null, text: null };

describe('AlertsPage', () => {
  it('lists channels with their target, secret by name and why one is disabled; rules; and the delivery log with each attempt', async () => {
    renderAs('operator');
    const rows = await screen.findAllByTestId('channel-row');
    expect(rows[0]?.textContent).toContain('https://hooks.example.net/guardian');
    await waitFor(() => expect(rows[0]?.textContent).toContain('on-call signing key'));
    expect(within(rows[1] as HTMLElement).getByText('Disabled')).toBeTruthy();
    expect(within(rows[1] as HTMLElement).getByTestId('channel-disabled-reason').textContent).toBe('The receiver answered 410 Gone at 08:12');

    const ruleRow = await screen.findByTestId('rule-row');
    await waitFor(() => expect(ruleRow.textContent).toContain('servers web-01'));
    expect(ruleRow.textContent).toContain('tags prod');
    expect(ruleRow.textContent).toContain('severity down');
    expect(ruleRow.textContent).toContain('on-call');

    const deliveries = await screen.findAllByTestId('delivery-row');
    expect(deliveries.map((row) => row.dataset.state)).toEqual(['delivered', 'given-up']);
    expect(within(deliveries[1] as HTMLElement).getByText('Given up')).toBeTruthy();
    expect(deliveries[0]?.textContent).toContain('HTTP 204');
    fireEvent.click(within(deliveries[0] as HTMLElement).getByRole('button', { name: /^2 attempts/ }));
    const attempts = await screen.findAllByTestId('delivery-attempt');
    expect(attempts[0]?.textContent).toContain('connect ECONNREFUSED 10.0.5.20:443');
    expect(attempts[0]?.textContent).toContain('Will retry');
    expect(attempts[1]?.textContent).toContain('HTTP 204');
    expect(attempts[1]?.textContent).toContain('41 ms');
  });

  it('filters the delivery log by channel', async () => {
    const client = renderAs('viewer');
    await screen.findAllByTestId('delivery-row');
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: CHANNEL_ID } });
    await waitFor(() => expect(callsOf(client, 'alerts.deliveries')).toContainEqual({ limit: 50, channelId: CHANNEL_ID }));
  });

  it('shows older notifications on asking', async () => {
    const client = renderAs('viewer', {
      'alerts.deliveries': async (input) => ({ items: [notification()], total: input.limit === 50 ? 120 : 1 }),
    });
    expect((await screen.findByText('newest 1 of 120')).className).toBe('page__count');
    fireEvent.click(screen.getByRole('button', { name: 'Show older' }));
    await waitFor(() => expect(callsOf(client, 'alerts.deliveries')).toContainEqual({ limit: 100 }));
    expect(screen.getAllByTestId('delivery-row')).toHaveLength(1);
  });

  it('shows a viewer everything without a control to change it, and never asks the vault', async () => {
    const client = renderAs('viewer', {
      'alerts.channels': async () => ({ items: [channel(), channel({ id: SECOND_ID, name: 'Second line' })] }),
      'alerts.rules': async () => ({ items: [rule({ escalation: [{ afterMinutes: 10, channelIds: [SECOND_ID] }], repeatMinutes: 30 })] }),
    });
    const rows = await screen.findAllByTestId('channel-row');
    expect(rows[0]?.textContent).toContain('A vault secret');
    const ruleRow = await screen.findByTestId('rule-row');
    await waitFor(() => expect(within(ruleRow).getByTestId('rule-escalation').textContent).toBe('then Second line after 10 min; repeats every 30 min'));
    await screen.findAllByTestId('delivery-row');
    expect(screen.queryByRole('button', { name: 'Add channel' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Send test/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^(Edit|Delete|Disable|Enable) / })).toBeNull();
    expect((await screen.findByTestId('alert-settings-read')).textContent).toContain('10.0.5.20');
    expect(screen.getByTestId('alert-settings-read').textContent).toContain('20 within 10 minutes');
    expect(screen.queryByTestId('alert-settings-form')).toBeNull();
    expect(callsOf(client, 'secrets.list')).toEqual([]);
  });

  it('lets an operator change channels and rules but not the settings', async () => {
    renderAs('operator');
    await screen.findAllByTestId('channel-row');
    expect(screen.getByRole('button', { name: 'Add channel' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Send test to on-call' })).toBeTruthy();
    expect(await screen.findByTestId('alert-settings-read')).toBeTruthy();
  });

  it('offers an operator no channel type that needs a vault secret sent to its host, and says why', async () => {
    renderAs('operator');
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    expect(within(dialog).getByRole<HTMLOptionElement>('option', { name: 'Slack (owners and admins: it sends a vault secret)' }).disabled).toBe(true);
    expect(within(dialog).getByRole<HTMLOptionElement>('option', { name: 'Webhook' }).disabled).toBe(false);
    // An email channel may do without a login, so it is offered; its password is not the operator's to choose.
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'email' } });
    expect(within(dialog).getByTestId('channel-form-secret').closest('.field')?.textContent).toContain('only owners and admins choose it');
    expect(within(dialog).getByLabelText<HTMLSelectElement>('Password').disabled).toBe(true);
  });

  it('sends a test and says what the receiver answered', async () => {
    const client = renderAs('admin', {
      'alerts.testChannel': async () => ({ id: 'x', delivered: false, statusCode: 503, latencyMs: 87, error: 'The receiver answered 503' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Send test to on-call' }));
    const result = await screen.findByTestId('channel-test-result');
    await waitFor(() => expect(result.textContent).toContain('Not delivered'));
    expect(result.textContent).toContain('HTTP 503');
    expect(result.textContent).toContain('87 ms');
    expect(result.textContent).toContain('The receiver answered 503');
    expect(callsOf(client, 'alerts.testChannel')).toEqual([{ id: CHANNEL_ID }]);
  });

  it('adds a webhook channel with a secret picked from the API tokens only', async () => {
    const client = renderAs('admin', { 'alerts.createChannel': async () => channel({ name: 'pager' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    expect(within(dialog).queryByRole('option', { name: 'db root' })).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: ' pager ' } });
    fireEvent.change(within(dialog).getByLabelText('Signing secret'), { target: { value: TOKEN_ID } });
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'https://pager.example.net/in' } });
    fireEvent.change(within(dialog).getByLabelText('Timeout (ms)'), { target: { value: '5000' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(screen.queryByTestId('channel-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.createChannel')).toEqual([
      {
        name: 'pager',
        type: 'webhook',
        secretId: TOKEN_ID,
        config: { url: 'https://pager.example.net/in', timeoutMs: 5000, maxConcurrent: 4, ratePerMinute: null, verifyTls: true },
        enabled: true,
      },
    ]);
    expect(await screen.findByText('Added the channel pager')).toBeTruthy();
  });

  it('says what is missing, and what the contract’s config schema refuses, under the fields before sending', async () => {
    const client = renderAs('admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    fireEvent.change(within(dialog).getByLabelText('Timeout (ms)'), { target: { value: 'soon' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-form-name-error')).textContent).toContain('Name the channel');
    expect(within(dialog).getByTestId('channel-form-secret-error').textContent).toContain('Pick the signing secret');
    expect(within(dialog).getByTestId('channel-config-url-error').textContent).toContain('Enter the URL');
    expect(within(dialog).getByTestId('channel-config-timeout-error').textContent).toBe('The timeout is a whole number');
    expect(callsOf(client, 'alerts.createChannel')).toEqual([]);

    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'pager' } });
    fireEvent.change(within(dialog).getByLabelText('Signing secret'), { target: { value: TOKEN_ID } });
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'ftp://files' } });
    fireEvent.change(within(dialog).getByLabelText('Timeout (ms)'), { target: { value: '10000' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-config-url-error')).textContent).toBe(
      'An http:// or https:// URL such as https://hooks.example.net/guardian',
    );
    expect(within(dialog).getByLabelText('URL').getAttribute('aria-invalid')).toBe('true');
    expect(within(dialog).queryByTestId('channel-form-error')).toBeNull();
    expect(callsOf(client, 'alerts.createChannel')).toEqual([]);
  });

  it('edits a webhook’s config with its type, and checks it first: the server’s refusal of an edit names no field', async () => {
    const client = renderAs('admin', { 'alerts.updateChannel': async () => channel() });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit on-call' }));
    const dialog = await screen.findByTestId('channel-dialog');
    expect(within(dialog).getByLabelText<HTMLSelectElement>('Type').disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText('Timeout (ms)'), { target: { value: '90000' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect((await within(dialog).findByTestId('channel-config-timeout-error')).textContent).toBe('At most 60 s');
    expect(callsOf(client, 'alerts.updateChannel')).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText('Timeout (ms)'), { target: { value: '20000' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(callsOf(client, 'alerts.updateChannel')).toEqual([
        {
          id: CHANNEL_ID,
          name: 'on-call',
          type: 'webhook',
          config: { url: 'https://hooks.example.net/guardian', timeoutMs: 20_000, maxConcurrent: 4, ratePerMinute: null, verifyTls: true },
        },
      ]),
    );
  });

  it('shows another refusal in a banner with its hint', async () => {
    renderAs('admin', {
      'alerts.createChannel': async () => {
        throw appError('CONFLICT', 'An alert channel named "local" already exists.', 'Choose another name.');
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'local' } });
    fireEvent.change(within(dialog).getByLabelText('Signing secret'), { target: { value: TOKEN_ID } });
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'http://127.0.0.1:9000/' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    const banner = await within(dialog).findByTestId('channel-form-error');
    expect(banner.textContent).toContain('An alert channel named "local" already exists.');
    expect(banner.textContent).toContain('Choose another name.');
  });

  it('puts a refused target under the URL and keeps the service’s hint in the banner', async () => {
    renderAs('admin', {
      'alerts.createChannel': async () => {
        throw AppError.fromShape({
          code: 'VALIDATION_FAILED',
          message: 'The channel may not send to 127.0.0.1: it is a loopback, private or link-local address.',
          hint: 'Use a public address, or ask an admin to allow this one in the alert settings.',
          retryable: false,
          correlationId: 'c0ffee00-0000-4000-8000-000000000002',
          issues: [{ path: ['config', 'url'], message: 'A loopback, private or link-local address' }],
        });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'local' } });
    fireEvent.change(within(dialog).getByLabelText('Signing secret'), { target: { value: TOKEN_ID } });
    fireEvent.change(within(dialog).getByLabelText('URL'), { target: { value: 'http://127.0.0.1:9000/' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-config-url-error')).textContent).toBe('A loopback, private or link-local address');
    expect(within(dialog).getByTestId('channel-form-error').textContent).toContain('ask an admin to allow this one in the alert settings');
  });

  it('adds an email channel: its own fields, a password from the vault or none, and the schema’s errors under them', async () => {
    const client = renderAs('admin', { 'alerts.createChannel': async () => channel({ name: 'ops mail' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'email' } });
    await within(dialog).findByRole('option', { name: 'db root' });
    expect(within(dialog).queryByRole('option', { name: 'on-call signing key' })).toBeNull();
    expect(within(dialog).queryByLabelText('URL')).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'ops mail' } });
    fireEvent.change(within(dialog).getByLabelText('SMTP server'), { target: { value: 'smtp.example.net' } });
    fireEvent.change(within(dialog).getByLabelText('From'), { target: { value: 'guardian' } });
    fireEvent.change(within(dialog).getByLabelText('To'), { target: { value: 'ops@example.net\noncall@example.net' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-config-from-error')).textContent).toBe('An email address such as oncall@example.net');
    expect(callsOf(client, 'alerts.createChannel')).toEqual([]);

    fireEvent.change(within(dialog).getByLabelText('From'), { target: { value: 'guardian@example.net' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(screen.queryByTestId('channel-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.createChannel')).toEqual([
      {
        name: 'ops mail',
        type: 'email',
        config: {
          host: 'smtp.example.net',
          port: 587,
          security: 'starttls',
          username: null,
          from: 'guardian@example.net',
          to: ['ops@example.net', 'oncall@example.net'],
          timeoutMs: 15_000,
          maxConcurrent: 2,
          ratePerMinute: null,
          verifyTls: true,
          template: OWN_WORDING,
        },
        enabled: true,
      },
    ]);
  });

  it('adds a Slack channel whose webhook URL is a vault secret, never a field, and lists it without the URL', async () => {
    const client = renderAs('admin', { 'alerts.createChannel': async () => channel({ name: 'ops chat' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'slack' } });
    expect(within(dialog).queryByLabelText('URL')).toBeNull();
    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    expect(within(dialog).queryByRole('option', { name: 'db root' })).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'ops chat' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-form-secret-error')).textContent).toBe('Pick the webhook URL from the vault.');
    fireEvent.change(within(dialog).getByLabelText('Webhook URL'), { target: { value: TOKEN_ID } });
    // Slack's own limit is the starting one; a rate limit is a whole number or nothing.
    const rate = within(dialog).getByLabelText<HTMLInputElement>('Per minute');
    expect(rate.value).toBe('60');
    fireEvent.change(rate, { target: { value: 'fast' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-config-rate-error')).textContent).toBe('Per minute is a whole number');
    fireEvent.change(rate, { target: { value: '20' } });

    // Its own wording: a misspelt variable is refused under its field; a good template is previewed on a made-up incident.
    expect(within(dialog).queryByTestId('channel-template-preview')).toBeNull();
    fireEvent.change(within(dialog).getByLabelText('Title'), { target: { value: ':rotating_light: {{server}} is {{sevrity}}' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-template-title-error')).textContent).toContain('No such variable: {{sevrity}}');
    fireEvent.change(within(dialog).getByLabelText('Title'), { target: { value: ':rotating_light: {{server}} is {{status}}' } });
    fireEvent.change(within(dialog).getByLabelText('Text'), { target: { value: '{{cause}} ({{checks}})' } });
    const preview = within(dialog).getByTestId('channel-template-preview');
    expect(preview.textContent).toContain(':rotating_light: web-1 (example) is down');
    expect(preview.textContent).toContain('HTTPS check down: connection refused (http)');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(screen.queryByTestId('channel-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.createChannel')).toEqual([
      {
        name: 'ops chat',
        type: 'slack',
        secretId: TOKEN_ID,
        config: {
          timeoutMs: 10_000,
          maxConcurrent: 2,
          ratePerMinute: 20,
          template: { title: ':rotating_light: {{server}} is {{status}}', text: '{{cause}} ({{checks}})' },
        },
        enabled: true,
      },
    ]);
  });

  it('adds an ntfy channel: a public topic needs no token, and the schema’s message lands under Topic', async () => {
    const client = renderAs('admin', { 'alerts.createChannel': async () => channel({ name: 'phones' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'ntfy' } });
    expect(within(dialog).getByLabelText<HTMLInputElement>('Server').value).toBe('https://ntfy.sh');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'phones' } });
    fireEvent.change(within(dialog).getByLabelText('Topic'), { target: { value: 'guardian alerts' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    expect((await within(dialog).findByTestId('channel-config-topic-error')).textContent).toBe('A topic of 1 to 64 letters, digits, - and _');
    fireEvent.change(within(dialog).getByLabelText('Topic'), { target: { value: 'guardian-alerts' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(screen.queryByTestId('channel-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.createChannel')).toEqual([
      {
        name: 'phones',
        type: 'ntfy',
        config: {
          serverUrl: 'https://ntfy.sh',
          topic: 'guardian-alerts',
          verifyTls: true,
          timeoutMs: 10_000,
          maxConcurrent: 2,
          ratePerMinute: null,
          template: OWN_WORDING,
        },
        enabled: true,
      },
    ]);
  });

  it('adds a Pushover channel with its app token from the vault and the devices one a line', async () => {
    const client = renderAs('admin', { 'alerts.createChannel': async () => channel({ name: 'pushover' }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Add channel' }));
    const dialog = await screen.findByTestId('channel-dialog');
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'pushover' } });
    await within(dialog).findByRole('option', { name: 'on-call signing key' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'pushover' } });
    fireEvent.change(within(dialog).getByLabelText('App token'), { target: { value: TOKEN_ID } });
    fireEvent.change(within(dialog).getByLabelText('User or group key'), { target: { value: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' } });
    fireEvent.change(within(dialog).getByLabelText('Devices'), { target: { value: 'phone\ntablet' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(callsOf(client, 'alerts.createChannel')).toHaveLength(1));
    expect(callsOf(client, 'alerts.createChannel')[0]).toEqual({
      name: 'pushover',
      type: 'pushover',
      secretId: TOKEN_ID,
      config: {
        user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
        devices: ['phone', 'tablet'],
        apiUrl: 'https://api.pushover.net/1/messages.json',
        timeoutMs: 10_000,
        maxConcurrent: 2,
        ratePerMinute: null,
        template: OWN_WORDING,
      },
      enabled: true,
    });
  });

  it('rotates a channel’s secret, signing with both until the old one is let go', async () => {
    const client = renderAs('admin', { 'alerts.updateChannel': async () => channel() });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit on-call' }));
    const dialog = await screen.findByTestId('channel-dialog');
    await within(dialog).findByRole('option', { name: 'old signing key' });
    fireEvent.change(within(dialog).getByLabelText('Signing secret'), { target: { value: OLD_TOKEN_ID } });
    expect(within(dialog).getByRole('checkbox', { name: /Keep signing with on-call signing key too/ })).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsOf(client, 'alerts.updateChannel')).toHaveLength(1));
    expect(callsOf(client, 'alerts.updateChannel')[0]).toMatchObject({ id: CHANNEL_ID, name: 'on-call', secretId: OLD_TOKEN_ID, previousSecretId: TOKEN_ID });
  });

  it('deletes a channel after asking', async () => {
    const client = renderAs('admin', { 'alerts.deleteChannel': async () => ({ id: CHANNEL_ID }) });
    fireEvent.click(await screen.findByRole('button', { name: 'Delete on-call' }));
    const dialog = await screen.findByTestId('channel-delete-dialog');
    expect(callsOf(client, 'alerts.deleteChannel')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete channel' }));
    await waitFor(() => expect(callsOf(client, 'alerts.deleteChannel')).toEqual([{ id: CHANNEL_ID }]));
  });

  it('adds a rule, and a tag the contract refuses is named under Tags', async () => {
    const client = renderAs('admin', {
      'alerts.createRule': async () => {
        throw validationError([{ path: ['match', 'tags', 1], message: 'Tags use letters, digits, dot, dash and underscore' }]);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByTestId('rule-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    expect((await within(dialog).findByTestId('rule-form-name-error')).textContent).toContain('Name the rule');
    expect(within(dialog).getByTestId('rule-form-channels-error').textContent).toContain('at least one channel');

    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'prod' } });
    fireEvent.change(within(dialog).getByLabelText('Tags'), { target: { value: 'prod, web shop' } });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Down' }));
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'on-call' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    expect((await within(dialog).findByTestId('rule-form-tags-error')).textContent).toBe('Entry 2: Tags use letters, digits, dot, dash and underscore');
    expect(callsOf(client, 'alerts.createRule')).toEqual([
      {
        name: 'prod',
        sources: ['incidents'],
        match: { serverIds: [], tags: ['prod', 'web shop'], environments: [], severities: ['down'], checkTypes: [] },
        channelIds: [CHANNEL_ID],
        escalation: [],
        repeatMinutes: null,
        enabled: true,
      },
    ]);
  });

  it('adds a rule for security events and failed jobs alone, and says so in the rule list', async () => {
    const client = renderAs('admin', {
      'alerts.createRule': async () => rule({ sources: ['security', 'jobs'] }),
      'alerts.rules': async () => ({ items: [rule({ sources: ['security', 'jobs'], match: { ...rule().match, severities: ['down'] } })] }),
    });
    const ruleRow = await screen.findByTestId('rule-row');
    expect(ruleRow.textContent).toContain('Security events and failed jobs only');
    expect(ruleRow.textContent).toContain('severity down');
    // Its server list picks incidents only, and it hears none: not shown.
    expect(ruleRow.textContent).not.toContain('tags prod');

    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByTestId('rule-dialog');
    const sources = within(dialog).getByTestId('rule-form-sources');
    expect(within(sources).getByRole<HTMLInputElement>('checkbox', { name: 'Incidents' }).checked).toBe(true);
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'security' } });
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'on-call' }));
    fireEvent.click(within(sources).getByRole('checkbox', { name: 'Incidents' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    expect((await within(dialog).findByTestId('rule-form-sources-error')).textContent).toContain('at least one source');
    expect(callsOf(client, 'alerts.createRule')).toEqual([]);

    fireEvent.click(within(sources).getByRole('checkbox', { name: 'Failed jobs' }));
    fireEvent.click(within(sources).getByRole('checkbox', { name: 'Security events' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    await waitFor(() => expect(callsOf(client, 'alerts.createRule')).toHaveLength(1));
    expect(callsOf(client, 'alerts.createRule')[0]).toMatchObject({ name: 'security', sources: ['security', 'jobs'], channelIds: [CHANNEL_ID] });
  });

  it('shows what a rule’s matcher picks now as it is typed, asking once typing pauses', async () => {
    const client = renderAs('operator', {
      'alerts.previewMatch': async (input) => {
        const { match } = input as { match: { tags: string[] } };
        return match.tags.includes('db')
          ? {
              servers: { total: 23, names: ['db-1', 'db-2'] },
              incidents: { total: 1, items: [{ id: 'i-1', serverName: 'db-2', severity: 'down', startedAt: 0 }] },
            }
          : { servers: { total: 40, names: ['app-1'] }, incidents: { total: 0, items: [] } };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByTestId('rule-dialog');
    const preview = within(dialog).getByTestId('rule-form-preview');
    await waitFor(() => expect(preview.textContent).toContain('40 servers: app-1 and 39 more'));
    expect(preview.textContent).toContain('No open incidents now');
    fireEvent.change(within(dialog).getByLabelText('Tags'), { target: { value: 'd' } });
    fireEvent.change(within(dialog).getByLabelText('Tags'), { target: { value: 'db' } });
    await waitFor(() => expect(preview.textContent).toContain('23 servers: db-1, db-2 and 21 more'));
    expect(preview.textContent).toContain('1 open incident now: db-2 down');
    // Typing "d" then "db" quickly asks once for the settled value, not once a keystroke.
    expect(callsOf(client, 'alerts.previewMatch').map((call) => (call as { match: { tags: string[] } }).match.tags)).toEqual([[], ['db']]);
  });

  it('adds a rule with escalation steps and a repeat, by the keyboard, checking them as the contract does before sending', async () => {
    const client = renderAs('admin', {
      'alerts.channels': async () => ({ items: [channel(), channel({ id: SECOND_ID, name: 'Second line' })] }),
      'alerts.createRule': async () => rule(),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByTestId('rule-dialog');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'db down' } });
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'on-call' }));
    fireEvent.click(within(within(dialog).getByTestId('rule-form-check-types')).getByRole('checkbox', { name: 'SSH metrics (load, memory, disk)' }));
    fireEvent.click(within(within(dialog).getByTestId('rule-form-check-types')).getByRole('checkbox', { name: 'HTTP(S)' }));
    expect(within(dialog).queryAllByTestId('rule-form-step')).toHaveLength(0);
    expect(within(dialog).queryByLabelText('Repeat every (minutes)')).toBeNull();

    // Each step added takes focus at its minutes, so typing goes on where the keyboard is.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add step' }));
    const first = (await within(dialog).findAllByTestId('rule-form-step'))[0] as HTMLElement;
    await waitFor(() => expect(document.activeElement).toBe(within(first).getByLabelText('Minutes after opening')));
    fireEvent.change(document.activeElement as HTMLElement, { target: { value: '10' } });
    fireEvent.click(within(first).getByRole('checkbox', { name: 'Second line' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add step' }));
    const second = within(dialog).getAllByTestId('rule-form-step')[1] as HTMLElement;
    await waitFor(() => expect(document.activeElement).toBe(within(second).getByLabelText('Minutes after opening')));
    expect(within(second).getByLabelText<HTMLInputElement>('Minutes after opening').value).toBe('40');
    fireEvent.change(within(second).getByLabelText('Minutes after opening'), { target: { value: '5' } });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Repeat while unacknowledged' }));
    fireEvent.change(within(dialog).getByLabelText('Repeat every (minutes)'), { target: { value: '3' } });

    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    expect((await within(dialog).findByTestId('rule-form-step-1-minutes-error')).textContent).toBe('Must be later than step 1 (10 minutes)');
    expect(within(dialog).getByTestId('rule-form-step-1-channels-error').textContent).toBe('Name at least one channel');
    expect(within(dialog).getByTestId('rule-form-repeat-error').textContent).toBe('At least 5 minutes');
    await waitFor(() => expect(document.activeElement).toBe(within(second).getByLabelText('Minutes after opening')));
    expect(callsOf(client, 'alerts.createRule')).toEqual([]);

    fireEvent.change(within(second).getByLabelText('Minutes after opening'), { target: { value: '60' } });
    expect(within(dialog).queryByTestId('rule-form-step-1-minutes-error')).toBeNull();
    fireEvent.click(within(second).getByRole('checkbox', { name: 'on-call' }));
    fireEvent.click(within(second).getByRole('checkbox', { name: 'Second line' }));
    fireEvent.change(within(dialog).getByLabelText('Repeat every (minutes)'), { target: { value: '30' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    await waitFor(() => expect(screen.queryByTestId('rule-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.createRule')).toEqual([
      {
        name: 'db down',
        sources: ['incidents'],
        match: { serverIds: [], tags: [], environments: [], severities: [], checkTypes: ['http', 'ssh-metrics'] },
        channelIds: [CHANNEL_ID],
        escalation: [
          { afterMinutes: 10, channelIds: [SECOND_ID] },
          { afterMinutes: 60, channelIds: [CHANNEL_ID, SECOND_ID] },
        ],
        repeatMinutes: 30,
        enabled: true,
      },
    ]);
  });

  it('offers at most five steps, and puts the server’s word on a step under that step’s field', async () => {
    const client = renderAs('admin', {
      'alerts.createRule': async () => {
        throw validationError([
          { path: ['escalation', 0, 'channelIds', 0], message: 'No such channel' },
          { path: ['escalation', 4, 'afterMinutes'], message: 'At most 10080 minutes (a week)' },
        ]);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add rule' }));
    const dialog = await screen.findByTestId('rule-dialog');
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'slow burn' } });
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'on-call' }));
    for (let i = 0; i < 5; i++) fireEvent.click(within(dialog).getByRole('button', { name: 'Add step' }));
    const steps = within(dialog).getAllByTestId('rule-form-step');
    expect(steps.map((step) => within(step).getByLabelText<HTMLInputElement>('Minutes after opening').value)).toEqual(['30', '60', '90', '120', '150']);
    expect(within(dialog).queryByRole('button', { name: 'Add step' })).toBeNull();
    expect(within(dialog).getByText('At most 5 steps.')).toBeTruthy();
    for (const step of steps) fireEvent.click(within(step).getByRole('checkbox', { name: 'on-call' }));

    fireEvent.click(within(dialog).getByRole('button', { name: 'Add rule' }));
    expect((await within(dialog).findByTestId('rule-form-step-0-channels-error')).textContent).toBe('Entry 1: No such channel');
    expect(within(dialog).getByTestId('rule-form-step-4-minutes-error').textContent).toBe('At most 10080 minutes (a week)');
    expect(within(dialog).queryByTestId('rule-form-error')).toBeNull();
    expect(callsOf(client, 'alerts.createRule')).toHaveLength(1);
  });

  it('edits a rule’s escalation: its steps and repeat as saved, a step removed hands focus to Add step, the repeat turned off', async () => {
    const client = renderAs('admin', {
      'alerts.channels': async () => ({ items: [channel(), channel({ id: SECOND_ID, name: 'Second line' })] }),
      'alerts.rules': async () => ({
        items: [
          rule({
            escalation: [
              { afterMinutes: 10, channelIds: [SECOND_ID] },
              { afterMinutes: 60, channelIds: [CHANNEL_ID] },
            ],
            repeatMinutes: 30,
          }),
        ],
      }),
      'alerts.updateRule': async () => rule(),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit prod down' }));
    const dialog = await screen.findByTestId('rule-dialog');
    const steps = within(dialog).getAllByTestId('rule-form-step');
    expect(steps.map((step) => within(step).getByLabelText<HTMLInputElement>('Minutes after opening').value)).toEqual(['10', '60']);
    expect((await within(steps[0] as HTMLElement).findByRole<HTMLInputElement>('checkbox', { name: 'Second line' })).checked).toBe(true);
    expect(within(dialog).getByLabelText<HTMLInputElement>('Repeat every (minutes)').value).toBe('30');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove step 1' }));
    await waitFor(() => expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Add step' })));
    const [left] = within(dialog).getAllByTestId('rule-form-step');
    expect(within(left as HTMLElement).getByLabelText<HTMLInputElement>('Minutes after opening').value).toBe('60');
    expect(within(left as HTMLElement).getByRole<HTMLInputElement>('checkbox', { name: 'on-call' }).checked).toBe(true);
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Repeat while unacknowledged' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsOf(client, 'alerts.updateRule')).toHaveLength(1));
    expect(callsOf(client, 'alerts.updateRule')[0]).toMatchObject({
      id: RULE_ID,
      escalation: [{ afterMinutes: 60, channelIds: [CHANNEL_ID] }],
      repeatMinutes: null,
    });
  });

  it('lets an admin allow an internal target, with the contract’s error on a bad entry', async () => {
    const client = renderAs('admin', {
      'alerts.updateSettings': async (input) => {
        if (input.allowedTargets?.includes('not a host'))
          throw validationError([{ path: ['allowedTargets', 1], message: 'An IP address, a CIDR range such as 10.0.0.0/8, or a host name' }]);
        if (input.signInBurst && input.signInBurst.failures < 3) throw validationError([{ path: ['signInBurst', 'failures'], message: 'At least 3 failures' }]);
        return {
          allowedTargets: input.allowedTargets ?? [],
          giveUpAfterMinutes: input.giveUpAfterMinutes ?? 1440,
          publicUrl: input.publicUrl ?? null,
          signInBurst: input.signInBurst ?? { failures: 20, windowMinutes: 10 },
        };
      },
    });
    const form = await screen.findByTestId('alert-settings-form');
    fireEvent.change(within(form).getByLabelText('Allowed internal targets'), { target: { value: '10.0.5.20\nnot a host' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect((await within(form).findByTestId('alert-settings-targets-error')).textContent).toBe(
      'Entry 2: An IP address, a CIDR range such as 10.0.0.0/8, or a host name',
    );
    fireEvent.change(within(form).getByLabelText('Allowed internal targets'), { target: { value: '10.0.5.20\n127.0.0.1' } });
    fireEvent.change(within(form).getByLabelText('Give up after (minutes)'), { target: { value: '60' } });
    fireEvent.change(within(form).getByLabelText('Guardian’s address'), { target: { value: ' https://guardian.example.net/ ' } });
    // A burst's threshold: typed as a whole number, and the contract's refusal under its field.
    fireEvent.change(within(form).getByLabelText('Failed sign-ins that make a burst'), { target: { value: 'many' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect((await within(form).findByTestId('alert-settings-burst-failures-error')).textContent).toBe('A whole number of failures, e.g. 20');
    fireEvent.change(within(form).getByLabelText('Failed sign-ins that make a burst'), { target: { value: '2' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(within(form).getByTestId('alert-settings-burst-failures-error').textContent).toBe('At least 3 failures'));
    fireEvent.change(within(form).getByLabelText('Failed sign-ins that make a burst'), { target: { value: '50' } });
    fireEvent.change(within(form).getByLabelText('Within (minutes)'), { target: { value: '5' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save settings' }));
    expect(await screen.findByText('Saved the alert settings')).toBeTruthy();
    expect(callsOf(client, 'alerts.updateSettings').at(-1)).toEqual({
      allowedTargets: ['10.0.5.20', '127.0.0.1'],
      giveUpAfterMinutes: 60,
      publicUrl: 'https://guardian.example.net/',
      signInBurst: { failures: 50, windowMinutes: 5 },
    });
  });

  it('reads the channels again when alerts.changed says one changed', async () => {
    const client = renderAs('viewer');
    await screen.findAllByTestId('channel-row');
    const before = callsOf(client, 'alerts.channels').length;
    client.emit('alerts.changed', { change: 'updated', ids: [CHANNEL_ID] });
    await waitFor(() => expect(callsOf(client, 'alerts.channels').length).toBeGreaterThan(before));
  });

  it('lists silences active, upcoming and expired, and shows a viewer no way to add or expire one', async () => {
    renderAs('viewer');
    const active = await screen.findByTestId('silences-active');
    expect(active.textContent).toContain('tags db');
    expect(active.textContent).toContain('replacing the db disks');
    expect((await screen.findByTestId('silences-upcoming')).textContent).toContain('web release');
    const expired = await screen.findByTestId('silences-expired');
    expect(within(expired).getByTestId('silence-expired-by').textContent).toBe('expired early by user:bob: done early');
    expect(screen.queryByRole('button', { name: 'Add silence' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Expire/ })).toBeNull();
  });

  it('says in the delivery log which silence held a notification back, and why', async () => {
    renderAs('viewer', {
      'alerts.deliveries': async () => ({ items: [notification({ state: 'silenced', attempts: 0, log: [], silenceId: SILENCE_ID })], total: 1 }),
    });
    const [row] = await screen.findAllByTestId('delivery-row');
    expect(row?.dataset.state).toBe('silenced');
    await waitFor(() =>
      expect(within(row as HTMLElement).getByTestId('delivery-silenced-by').textContent).toBe('silenced by user:alice: replacing the db disks'),
    );
  });

  it('adds a silence by tag for a few hours with a reason, checking the form first', async () => {
    const client = renderAs('operator', { 'alerts.addSilence': async () => silence() });
    fireEvent.click(await screen.findByRole('button', { name: 'Add silence' }));
    const dialog = await screen.findByTestId('silence-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add silence' }));
    expect((await within(dialog).findByTestId('silence-form-check-types-error')).textContent).toContain('Pick what to silence');
    expect(within(dialog).getByTestId('silence-form-reason-error').textContent).toContain('Say why');
    expect(callsOf(client, 'alerts.addSilence')).toEqual([]);

    fireEvent.change(within(dialog).getByLabelText('Tags'), { target: { value: 'db' } });
    fireEvent.change(within(dialog).getByLabelText('For'), { target: { value: '4' } });
    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: 'replacing the db disks' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add silence' }));
    await waitFor(() => expect(screen.queryByTestId('silence-dialog')).toBeNull());
    expect(callsOf(client, 'alerts.addSilence')).toEqual([
      { match: { serverIds: [], tags: ['db'], environments: [], severities: [], checkTypes: [] }, durationMinutes: 240, reason: 'replacing the db disks' },
    ]);
  });

  it('puts the server’s word on a silence’s end under the end field', async () => {
    const client = renderAs('operator', {
      'alerts.addSilence': async () => {
        throw validationError([{ path: ['endsAt'], message: 'At most 90 days after the start' }]);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add silence' }));
    const dialog = await screen.findByTestId('silence-dialog');
    fireEvent.click(within(dialog).getByRole('radio', { name: 'At a date and time' }));
    fireEvent.change(within(dialog).getByLabelText('Environments'), { target: { value: 'prod' } });
    fireEvent.change(within(dialog).getByLabelText('Until'), { target: { value: '2099-01-01T10:00' } });
    fireEvent.change(within(dialog).getByLabelText('Reason'), { target: { value: 'freeze' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add silence' }));
    expect((await within(dialog).findByTestId('silence-form-until-error')).textContent).toBe('At most 90 days after the start');
    expect(callsOf(client, 'alerts.addSilence')).toEqual([
      {
        match: { serverIds: [], tags: [], environments: ['prod'], severities: [], checkTypes: [] },
        endsAt: new Date('2099-01-01T10:00').getTime(),
        reason: 'freeze',
      },
    ]);
  });

  it('expires a silence after asking; an expired one offers nothing', async () => {
    const client = renderAs('operator', { 'alerts.expireSilence': async () => silence({ state: 'expired' }) });
    const active = await screen.findByTestId('silences-active');
    expect(within(await screen.findByTestId('silences-expired')).queryByRole('button')).toBeNull();
    fireEvent.click(within(active).getByRole('button', { name: 'Expire the silence: replacing the db disks' }));
    const dialog = await screen.findByTestId('silence-expire-dialog');
    expect(callsOf(client, 'alerts.expireSilence')).toEqual([]);
    fireEvent.change(within(dialog).getByLabelText('Why it ends early'), { target: { value: ' disks in early ' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Expire now' }));
    await waitFor(() => expect(callsOf(client, 'alerts.expireSilence')).toEqual([{ id: SILENCE_ID, reason: 'disks in early' }]));
    await waitFor(() => expect(screen.queryByTestId('silence-expire-dialog')).toBeNull());
  });
});
