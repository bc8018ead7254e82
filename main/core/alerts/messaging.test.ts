import { describe, expect, it } from 'vitest';
import { CHANNEL_TYPES } from '@shared/alerts';
import { AlertChannel } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { Core } from '../app';
import { rowsOf } from '../testing/rows';
import { useTempCore } from '../testing/harness';
import { useChannelSuite, type Outage } from './testing/channel-suite';

/**
 * Pushover, Telegram, Opsgenie and Matrix against a real HTTP service on 127.0.0.1 (allowed by
 * an admin, as a test receiver must be), on the engine the run picks: the request each service
 * documents, the token from the vault where the service wants it and in no answer, Opsgenie
 * following an incident by alias, Matrix retrying under the same transaction id, and each
 * service's refusals retried or failed as it says.
 */

const suite = useChannelSuite(useTempCore({ prefix: 'guardian-alerts-messaging-', lazy: true }));
const { call, refused, deliveries, start } = suite;

let outage: Outage;
async function down(core: Core): Promise<Incident> {
  outage = await suite.outage(core, { name: 'mq-1', host: 'mq-1.example', port: 5672, tags: ['queue'] }, 'refused <i>&</i>');
  return (await outage.tick('down')).opened[0] as Incident;
}
const tick = (_core: Core, status: 'up' | 'down') => outage.tick(status);

async function channel(core: Core, type: string, config: Record<string, unknown>, token: string): Promise<AlertChannel> {
  const secret = await call<{ id: string }>(core, 'secrets.create', { name: `${type} token`, value: { kind: 'api_token', token } });
  const created = await call<AlertChannel>(core, 'alerts.createChannel', { name: type, type, config, secretId: secret.id });
  await call(core, 'alerts.createRule', { name: `to ${type}`, channelIds: [created.id] });
  return created;
}

const started = (opened: Incident) => new Date(opened.startedAt).toISOString();
const plainText = (opened: Incident) => `${opened.cause}\n\nServer: mq-1\nTags: queue\nSeverity: down\nChecks: tcp\nStarted: ${started(opened)}`;
const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('messaging channels', () => {
  it('Pushover: posts the token, user key, high priority and the event time to messages.json, and fails a 4xx at once', async () => {
    const core = await start();
    const token = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
    await channel(core, 'pushover', { user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', devices: ['phone'], apiUrl: `${suite.peer.origin}/1/messages.json` }, token);
    suite.peer.script({ status: 200, body: '{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(suite.peer.requests.map((r) => [r.method, r.path])).toEqual([['POST', '/1/messages.json']]);
    expect(suite.peer.requests[0]?.json).toEqual({
      token,
      user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
      device: 'phone',
      title: 'mq-1 is down',
      message: plainText(opened),
      priority: 1,
      timestamp: Math.floor(((await deliveries(core))[0]?.createdAt ?? 0) / 1000),
    });
    suite.peer.script({ status: 400, body: '{"user":"invalid","errors":["user identifier is invalid"],"status":0}' });
    await suite.time.advance(1000);
    await tick(core, 'up');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect((await deliveries(core))[0]).toMatchObject({ state: 'failed', attempts: 1, log: [{ outcome: 'failed', statusCode: 400 }] });
    expect(JSON.stringify(await deliveries(core))).not.toContain(token);
  });

  it('Telegram: sends HTML with every value escaped to /bot<token>/sendMessage, naming only the host when it fails, and waits as a 429 says', async () => {
    const core = await start();
    const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    await channel(core, 'telegram', { chatId: '-1001234567890', apiUrl: suite.peer.origin }, token);
    suite.peer.script({ status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 17","parameters":{"retry_after":17}}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    let [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', nextAttemptAt: suite.time.now() + 17_000 });
    expect(notification?.lastError).toMatch(/^127\.0\.0\.1:\d+ answered 429 Too Many Requests$/);
    await suite.time.advance(17_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    [notification] = await deliveries(core);
    expect(notification?.state).toBe('delivered');
    expect(suite.peer.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', `/bot${token}/sendMessage`],
      ['POST', `/bot${token}/sendMessage`],
    ]);
    expect(suite.peer.requests[1]?.json).toEqual({
      chat_id: '-1001234567890',
      text: `<b>mq-1 is down</b>\n${html(opened.cause ?? '')}\n\n<b>Server</b>: mq-1\n<b>Tags</b>: queue\n<b>Severity</b>: down\n<b>Checks</b>: tcp\n<b>Started</b>: ${started(opened)}`,
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
    expect(JSON.stringify(await deliveries(core))).not.toContain(token.split(':')[1]);
  });

  it('Opsgenie: creates an alert under the incident id, then acknowledges and closes it by alias, with the GenieKey', async () => {
    const core = await start();
    const key = 'eb243592-faa2-4ba2-a551-1afdf565c889';
    await channel(core, 'opsgenie', { apiUrl: suite.peer.origin }, key);
    suite.peer.script({ status: 202, body: '{"result":"Request will be processed","took":0.2,"requestId":"43a29c5c"}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await call(core, 'incidents.acknowledge', { id: opened.id, note: 'restarting the broker' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await suite.time.advance(1000);
    await tick(core, 'up');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(suite.peer.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['POST', '/v2/alerts', `GenieKey ${key}`],
      ['POST', `/v2/alerts/${opened.id}/acknowledge?identifierType=alias`, `GenieKey ${key}`],
      ['POST', `/v2/alerts/${opened.id}/close?identifierType=alias`, `GenieKey ${key}`],
    ]);
    expect(suite.peer.requests[0]?.json).toEqual({
      message: 'mq-1 is down',
      alias: opened.id,
      description: opened.cause,
      priority: 'P1',
      source: 'Guardian',
      entity: 'mq-1',
      tags: ['queue'],
      details: { Server: 'mq-1', Tags: 'queue', Severity: 'down', Checks: 'tcp', Started: started(opened) },
    });
    expect(suite.peer.requests[1]?.json).toEqual({ source: 'Guardian', user: 'local owner', note: 'restarting the broker' });
    expect(suite.peer.requests[2]?.json).toEqual({ source: 'Guardian', note: `The incident is resolved (it was: ${opened.cause}).` });
    expect((await deliveries(core)).map((n) => n.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('Matrix: PUTs an m.room.message under the notification id, so a retry is the same event, with the access token as Bearer', async () => {
    const core = await start();
    const token = 'syt_Z3VhcmRpYW4_abcdefghijklmnop_0a1b2c';
    await channel(core, 'matrix', { homeserverUrl: suite.peer.origin, roomId: '!ops:example.net' }, token);
    suite.peer.script({ status: 429, body: '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2500}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [pending] = await deliveries(core);
    expect(pending).toMatchObject({ state: 'pending', nextAttemptAt: suite.time.now() + 2500 });
    await suite.time.advance(2500);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent('!ops:example.net')}/send/m.room.message/${pending?.id}`;
    expect(suite.peer.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['PUT', path, `Bearer ${token}`],
      ['PUT', path, `Bearer ${token}`],
    ]);
    expect(suite.peer.requests[1]?.json).toEqual({
      msgtype: 'm.text',
      body: `mq-1 is down\n${plainText(opened)}`,
      format: 'org.matrix.custom.html',
      formatted_body: `<b>mq-1 is down</b><p>${html(opened.cause ?? '')}</p><ul><li><b>Server</b>: mq-1</li><li><b>Tags</b>: queue</li><li><b>Severity</b>: down</li><li><b>Checks</b>: tcp</li><li><b>Started</b>: ${started(opened)}</li></ul>`,
    });
    expect((await deliveries(core))[0]?.state).toBe('delivered');
  });

  it('take a service URL other than the service’s own only on a host an admin listed', async () => {
    const core = await start();
    const secret = await call<{ id: string }>(core, 'secrets.create', { name: 'bot', value: { kind: 'api_token', token: '1:abc' } });
    for (const [type, config] of [
      ['telegram', { chatId: '@guardian_alerts', apiUrl: 'https://tg.attacker.example' }],
      ['pushover', { user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', apiUrl: 'https://po.attacker.example/1/messages.json' }],
      ['opsgenie', { apiUrl: 'https://og.attacker.example' }],
    ] as const)
      expect(await refused(core, 'alerts.createChannel', { name: type, type, config, secretId: secret.id })).toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ path: ['config', 'apiUrl'] }],
      });
    // Opsgenie's EU API is its own.
    const eu = await call<AlertChannel>(core, 'alerts.createChannel', {
      name: 'eu',
      type: 'opsgenie',
      config: { apiUrl: 'https://api.eu.opsgenie.com' },
      secretId: secret.id,
    });
    expect(eu.config).toMatchObject({ apiUrl: 'https://api.eu.opsgenie.com' });
  });

  it('lists a channel of every type as the contract describes it, a webhook stored before types had configs of their own included', async () => {
    const core = await start();
    const token = async (name: string) =>
      (await call<{ id: string }>(core, 'secrets.create', { name, value: { kind: 'api_token', token: `${suite.peer.origin}/x/${name}` } })).id;
    const password = (await call<{ id: string }>(core, 'secrets.create', { name: 'smtp', value: { kind: 'password', password: 'p4ss-word-smtp' } })).id;
    const signing = (
      await call<{ id: string }>(core, 'secrets.create', {
        name: 'sign',
        value: { kind: 'api_token', token: `whsec_${Buffer.alloc(32, 7).toString('base64')}` },
      })
    ).id;
    const inputs: Record<string, Record<string, unknown>> = {
      webhook: { config: { url: `${suite.peer.origin}/hook` }, secretId: signing },
      email: { config: { host: '127.0.0.1', username: 'u', from: 'a@example.net', to: ['b@example.net'] }, secretId: password },
      slack: { secretId: await token('slack') },
      discord: { secretId: await token('discord') },
      teams: { secretId: await token('teams') },
      mattermost: { secretId: await token('mattermost') },
      ntfy: { config: { serverUrl: suite.peer.origin, topic: 't' } },
      gotify: { config: { serverUrl: suite.peer.origin }, secretId: await token('gotify') },
      pagerduty: { secretId: await token('pagerduty') },
      pushover: { config: { user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' }, secretId: await token('pushover') },
      telegram: { config: { chatId: '42' }, secretId: await token('telegram') },
      opsgenie: { secretId: await token('opsgenie') },
      matrix: { config: { homeserverUrl: suite.peer.origin, roomId: '!r:example.net' }, secretId: await token('matrix') },
    };
    expect(Object.keys(inputs).sort()).toEqual([...CHANNEL_TYPES].sort());
    for (const [type, input] of Object.entries(inputs)) await call(core, 'alerts.createChannel', { name: type, type, ...input });
    // A webhook row as the first slice wrote it: its config holds only what was given.
    await rowsOf(core).run(
      `INSERT INTO alert_channels (id, name, type, config, secret_id, previous_secret_id, enabled, disabled_reason, created_at, created_by, updated_at)
       VALUES ('00000000-0000-4000-8000-0000000000aa', 'old hook', 'webhook', '{"url":"https://hooks.example.net/old"}', ?, NULL, TRUE, NULL, 1, 'someone', 1)`,
      signing,
    );
    const { items } = await call<{ items: unknown[] }>(core, 'alerts.channels', {});
    const parsed = AlertChannel.array().safeParse(items);
    expect(parsed.success).toBe(true);
    expect(new Set(parsed.data?.map((c) => c.type))).toEqual(new Set(CHANNEL_TYPES));
    expect(parsed.data?.find((c) => c.name === 'old hook')).toMatchObject({
      type: 'webhook',
      config: { url: 'https://hooks.example.net/old', timeoutMs: 10_000, maxConcurrent: 4, verifyTls: true },
    });
    // No secret value in the listing: the URLs and tokens stay in the vault.
    expect(JSON.stringify(items)).not.toContain('/x/');
  });
});
