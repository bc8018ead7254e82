import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertChannel, Notification } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { Principal } from '@shared/permissions';
import type { Core } from '../app';
import { useTempCore } from '../testing/harness';
import { useChannelSuite } from './testing/channel-suite';

/**
 * The chat channels whose webhook URL is a bearer secret (Slack, Discord, Microsoft Teams,
 * Mattermost) against a real HTTP service on 127.0.0.1, on the engine the run picks: each gets
 * exactly the request its service documents for an incident, the URL lives only in the vault (no
 * listing, log line or answer shows it, its path least of all), and the service's refusals are
 * retried or, for a URL that is not one, failed at once.
 */

const suite = useChannelSuite(useTempCore({ prefix: 'guardian-alerts-chat-', lazy: true }));
const { call, refused, deliveries, start } = suite;
const operator: Principal = { kind: 'user', id: 'op', name: 'an operator', role: 'operator' };

/** A channel of `type` whose webhook URL (with a secret path) is a vault API token, and a rule sending everything to it. */
async function chatChannel(core: Core, type: string): Promise<{ channel: AlertChannel; path: string }> {
  const path = `/hooks/${type}/T0${randomBytes(4).toString('hex')}/${randomBytes(12).toString('hex')}`;
  const secret = await call<{ id: string }>(core, 'secrets.create', {
    name: `${type} webhook`,
    value: { kind: 'api_token', token: `${suite.peer.origin}${path}` },
  });
  const channel = await call<AlertChannel>(core, 'alerts.createChannel', { name: type, type, secretId: secret.id });
  await call(core, 'alerts.createRule', { name: `to ${type}`, channelIds: [channel.id] });
  return { channel, path };
}

/** web-1 (prod, tag web) goes down with a cause holding markup; its incident as stored. */
async function incident(core: Core): Promise<Incident> {
  const outage = await suite.outage(
    core,
    { name: 'web-1', host: 'web-1.example', port: 443, environment: 'prod', tags: ['web'] },
    'refused <b>&</b> @everyone',
  );
  return (await outage.tick('down')).opened[0] as Incident;
}

/** What every message says about that incident, whichever way it is rendered. */
function facts(opened: Incident, notification: Notification) {
  const started = new Date(opened.startedAt).toISOString();
  return {
    cause: opened.cause ?? '',
    started,
    fields: [
      ['Server', 'web-1'],
      ['Environment', 'prod'],
      ['Tags', 'web'],
      ['Severity', 'down'],
      ['Checks', 'tcp'],
      ['Started', started],
    ],
    footer: `Guardian · notification ${notification.id} · incident ${opened.id} · ${new Date(notification.createdAt).toISOString()}`,
  };
}

const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const EXPECTED: Record<string, (f: ReturnType<typeof facts>) => unknown> = {
  slack: (f) => ({
    text: slackEscape(`web-1 is down: ${f.cause}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'web-1 is down' } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(f.cause) } },
      { type: 'section', fields: f.fields.map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${value}` })) },
      { type: 'context', elements: [{ type: 'mrkdwn', text: f.footer }] },
    ],
  }),
  discord: (f) => ({
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: 'web-1 is down',
        description: f.cause,
        color: 0xd92d20,
        fields: f.fields.map(([name, value]) => ({ name, value, inline: true })),
        timestamp: f.footer.slice(f.footer.lastIndexOf(' · ') + 3),
        footer: { text: f.footer },
      },
    ],
  }),
  teams: (f) => ({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: 'web-1 is down', weight: 'Bolder', size: 'Medium', color: 'Attention', wrap: true },
            { type: 'TextBlock', text: f.cause, wrap: true },
            { type: 'FactSet', facts: f.fields.map(([title, value]) => ({ title, value })) },
            { type: 'TextBlock', text: f.footer, isSubtle: true, size: 'Small', wrap: true },
          ],
        },
      },
    ],
  }),
  mattermost: (f) => ({
    attachments: [
      {
        fallback: `web-1 is down: ${f.cause}`,
        color: '#d92d20',
        title: 'web-1 is down',
        text: f.cause,
        fields: f.fields.map(([title, value]) => ({ short: true, title, value })),
        footer: f.footer,
      },
    ],
  }),
};

describe.each(Object.keys(EXPECTED))('the %s channel', (type) => {
  it('posts the documented message for an incident to the URL kept in the vault, and shows that URL nowhere', async () => {
    const core = await start();
    const { channel, path } = await chatChannel(core, type);
    expect(channel).toMatchObject({ type, config: { timeoutMs: 10_000, maxConcurrent: 2 } });
    const opened = await incident(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);

    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'delivered', log: [{ outcome: 'delivered', statusCode: 200, error: null }] });
    expect(suite.peer.requests).toHaveLength(1);
    const [request] = suite.peer.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(path);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(opened.cause).toContain('refused <b>&</b> @everyone');
    expect(request?.json).toEqual(EXPECTED[type]?.(facts(opened, notification as Notification)));

    // The URL's secret path is in no answer: not the channel, not the log, not a failed attempt's words.
    suite.peer.script({ status: 404, body: `no such hook ${path}` });
    const tested = await call<{ delivered: boolean; error: string }>(core, 'alerts.testChannel', { id: channel.id });
    expect(tested).toMatchObject({ delivered: false, error: expect.stringMatching(/^127\.0\.0\.1:\d+ answered 404 Not Found$/) });
    const answers = JSON.stringify([await call(core, 'alerts.channels', {}), await deliveries(core), tested]);
    expect(answers).not.toContain(path.slice(path.lastIndexOf('/') + 1));
  });
});

describe('chat channels', () => {
  it('retry a 429 when Retry-After says and a 5xx with backoff, and fail at once a secret that is not a URL', async () => {
    const core = await start();
    await chatChannel(core, 'slack');
    await incident(core);
    suite.peer.script({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' }, { status: 503, body: 'down' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    let [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', nextAttemptAt: suite.time.now() + 30_000 });
    await suite.time.advance(30_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await suite.time.advance(60_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    [notification] = await deliveries(core);
    expect(notification?.log.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retry', 429],
      ['retry', 503],
      ['delivered', 200],
    ]);

    const token = await call<{ id: string }>(core, 'secrets.create', { name: 'not a url', value: { kind: 'api_token', token: 'a-token-that-is-not-a-url' } });
    const bad = await call<AlertChannel>(core, 'alerts.createChannel', { name: 'bad', type: 'discord', secretId: token.id });
    const tested = await call<{ delivered: boolean; error: string }>(core, 'alerts.testChannel', { id: bad.id });
    expect(tested).toMatchObject({ delivered: false, error: expect.stringContaining('not a URL') });
    expect(tested.error).not.toContain('xoxb');
  });

  it('need a URL secret of their own that an admin chose, and refuse the URL in the config', async () => {
    const core = await start();
    const token = await call<{ id: string }>(core, 'secrets.create', { name: 'hook', value: { kind: 'api_token', token: `${suite.peer.origin}/hooks/x` } });
    expect(await refused(core, 'alerts.createChannel', { name: 'x', type: 'slack', secretId: token.id }, operator)).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    expect(
      (await refused(core, 'alerts.createChannel', { name: 'x', type: 'slack', config: { url: `${suite.peer.origin}/hooks/x` }, secretId: token.id })).code,
    ).toBe('VALIDATION_FAILED');
    expect((await refused(core, 'alerts.createChannel', { name: 'x', type: 'teams' })).code).toBe('VALIDATION_FAILED');
    const password = await call<{ id: string }>(core, 'secrets.create', { name: 'pw', value: { kind: 'password', password: 'hunter2-chat' } });
    expect(await refused(core, 'alerts.createChannel', { name: 'x', type: 'mattermost', secretId: password.id })).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('is a password'),
    });
    // Once an admin has pointed it, an operator may still test, rename and disable it.
    const channel = await call<AlertChannel>(core, 'alerts.createChannel', { name: 'x', type: 'slack', secretId: token.id });
    await call(core, 'alerts.updateChannel', { id: channel.id, name: 'renamed', enabled: false }, operator);
    await call(core, 'alerts.updateChannel', { id: channel.id, enabled: true }, operator);
    expect(await call(core, 'alerts.testChannel', { id: channel.id }, operator)).toMatchObject({ delivered: true });
    expect(suite.peer.requests.map((r) => r.path)).toEqual(['/hooks/x']);
  });
});
