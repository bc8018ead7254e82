import { describe, expect, it } from 'vitest';
import type { AlertChannel } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { Core } from '../app';
import { useTempCore } from '../testing/harness';
import { useChannelSuite, type Outage } from './testing/channel-suite';

/**
 * The push and paging channels (ntfy, Gotify, PagerDuty Events v2) against a real HTTP service on
 * 127.0.0.1, on the engine the run picks: the exact request each service documents, the token
 * from the vault where the service wants it, PagerDuty following one incident from trigger to
 * resolve under one dedup_key, and its Events API URL taken only when an admin allowed the host.
 */

const suite = useChannelSuite(useTempCore({ prefix: 'guardian-alerts-push-', lazy: true }));
const { call, refused, deliveries, start } = suite;

let outage: Outage;
async function down(core: Core): Promise<Incident> {
  outage = await suite.outage(core, { name: 'db-1', host: 'db-1.example', port: 5432, environment: 'prod', tags: ['db'] }, 'connection refused');
  return (await outage.tick('down')).opened[0] as Incident;
}
const tick = (_core: Core, status: 'up' | 'down') => outage.tick(status);

async function token(core: Core, value: string): Promise<string> {
  return (await call<{ id: string }>(core, 'secrets.create', { name: `token ${value.slice(0, 8)}`, value: { kind: 'api_token', token: value } })).id;
}

async function channel(core: Core, input: Record<string, unknown>): Promise<AlertChannel> {
  const created = await call<AlertChannel>(core, 'alerts.createChannel', { name: String(input.type), ...input });
  await call(core, 'alerts.createRule', { name: `to ${String(input.type)}`, channelIds: [created.id] });
  return created;
}

const fieldsText = (opened: Incident) =>
  `${opened.cause}\n\nServer: db-1\nEnvironment: prod\nTags: db\nSeverity: down\nChecks: tcp\nStarted: ${new Date(opened.startedAt).toISOString()}`;

describe('push and paging channels', () => {
  it('ntfy: publishes JSON to the server root with the topic, an urgent priority, a tag and the access token', async () => {
    const core = await start();
    await channel(core, { type: 'ntfy', config: { serverUrl: suite.peer.origin, topic: 'guardian-alerts' }, secretId: await token(core, 'tk_ntfyaccess0123') });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(suite.peer.requests.map((r) => [r.method, r.path, r.headers.authorization, r.headers['content-type']])).toEqual([
      ['POST', '/', 'Bearer tk_ntfyaccess0123', 'application/json'],
    ]);
    expect(suite.peer.requests[0]?.json).toEqual({
      topic: 'guardian-alerts',
      title: 'db-1 is down',
      message: fieldsText(opened),
      priority: 5,
      tags: ['rotating_light'],
    });

    // Without a token: no Authorization header at all.
    const open = await call<AlertChannel>(core, 'alerts.createChannel', {
      name: 'public',
      type: 'ntfy',
      config: { serverUrl: suite.peer.origin, topic: 'public-topic' },
    });
    expect(await call(core, 'alerts.testChannel', { id: open.id })).toMatchObject({ delivered: true });
    expect(suite.peer.requests[1]?.headers.authorization).toBeUndefined();
    expect(suite.peer.requests[1]?.json).toMatchObject({ topic: 'public-topic', priority: 3, tags: ['test_tube'] });
  });

  it('Gotify: posts to /message with the app token in X-Gotify-Key, never in the URL', async () => {
    const core = await start();
    await channel(core, { type: 'gotify', config: { serverUrl: `${suite.peer.origin}/gotify/` }, secretId: await token(core, 'AppTokenGotify.x1') });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(suite.peer.requests.map((r) => [r.method, r.path, r.headers['x-gotify-key']])).toEqual([['POST', '/gotify/message', 'AppTokenGotify.x1']]);
    expect(suite.peer.requests[0]?.json).toEqual({
      title: 'db-1 is down',
      message: fieldsText(opened),
      priority: 8,
      extras: { 'client::display': { contentType: 'text/plain' } },
    });
    expect((await deliveries(core))[0]).toMatchObject({ state: 'delivered' });
  });

  it('PagerDuty: triggers, acknowledges and resolves one alert under the incident id, and fails a 400 at once', async () => {
    const core = await start();
    const routingKey = 'R0UT1NGKEY0123456789ABCDEFGHIJKL';
    const pd = await channel(core, { type: 'pagerduty', config: { eventsUrl: `${suite.peer.origin}/v2/enqueue` }, secretId: await token(core, routingKey) });
    suite.peer.script({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await call(core, 'incidents.acknowledge', { id: opened.id, note: 'looking' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await suite.time.advance(1000);
    await tick(core, 'up');
    expect(await core.alerts.worker.runOnce()).toBe(1);

    expect(suite.peer.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue', '/v2/enqueue']);
    expect(suite.peer.requests.map((r) => r.json)).toEqual([
      {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: opened.id,
        client: 'Guardian',
        payload: {
          summary: `db-1 is down: ${opened.cause}`,
          source: 'db-1',
          severity: 'critical',
          timestamp: new Date(opened.startedAt).toISOString(),
          component: 'db-1',
          group: 'prod',
          class: 'incident',
          custom_details: {
            Server: 'db-1',
            Environment: 'prod',
            Tags: 'db',
            Severity: 'down',
            Checks: 'tcp',
            Started: new Date(opened.startedAt).toISOString(),
          },
        },
      },
      { routing_key: routingKey, event_action: 'acknowledge', dedup_key: opened.id },
      { routing_key: routingKey, event_action: 'resolve', dedup_key: opened.id },
    ]);
    expect((await deliveries(core)).map((n) => n.state)).toEqual(['delivered', 'delivered', 'delivered']);

    // PagerDuty refusing the event (400) is not retried.
    suite.peer.script({ status: 400, body: '{"status":"invalid event","errors":["routing_key is invalid"]}' });
    await suite.time.advance(1000);
    await tick(core, 'down');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [refusedEvent] = await deliveries(core);
    expect(refusedEvent).toMatchObject({ state: 'failed', attempts: 1, log: [{ outcome: 'failed', statusCode: 400 }] });

    // The routing key appears in no answer.
    expect(JSON.stringify([await call(core, 'alerts.channels', {}), await deliveries(core), pd])).not.toContain(routingKey);
  });

  it('PagerDuty: a degraded incident that goes down triggers again under its dedup key, now critical', async () => {
    const core = await start();
    const routingKey = 'W0RSEN1NGKEY0123456789ABCDEFGHIJ';
    await channel(core, { type: 'pagerduty', config: { eventsUrl: `${suite.peer.origin}/v2/enqueue` }, secretId: await token(core, routingKey) });
    suite.peer.script({ status: 202, body: '{"status":"success"}' });
    outage = await suite.outage(core, { name: 'db-2', host: 'db-2.example', port: 5432 }, 'slow');
    const [opened] = (await outage.tick('degraded', 'answers in 4 s')).opened;
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await suite.time.advance(1000);
    await outage.tick('down', 'connection refused');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const events = suite.peer.requests.map((r) => r.json as { event_action: string; dedup_key: string; payload: { severity: string; summary: string } });
    expect(events.map((e) => [e.event_action, e.dedup_key, e.payload.severity])).toEqual([
      ['trigger', opened?.id, 'warning'],
      ['trigger', opened?.id, 'critical'],
    ]);
    expect(events[1]?.payload.summary).toBe('db-2 is now down (it was degraded): TCP db-2.example:5432 down: connection refused');
  });

  it('PagerDuty: takes an Events API URL other than PagerDuty’s only on a host an admin listed', async () => {
    const core = await start();
    const key = await token(core, 'ANOTHERROUTINGKEY000000000000000');
    await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.0/8'] });
    // The admin allowed 127.0.0.0/8 (which holds the test receiver); a public host nobody listed is refused.
    expect(
      await refused(core, 'alerts.createChannel', {
        name: 'pd',
        type: 'pagerduty',
        config: { eventsUrl: 'https://events.attacker.example/v2/enqueue' },
        secretId: key,
      }),
    ).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['config', 'eventsUrl'] }],
    });
    const pd = await call<AlertChannel>(core, 'alerts.createChannel', { name: 'pd', type: 'pagerduty', secretId: key });
    expect(pd.config).toEqual({
      eventsUrl: 'https://events.pagerduty.com/v2/enqueue',
      timeoutMs: 10_000,
      maxConcurrent: 2,
      ratePerMinute: 120,
      template: { title: null, text: null },
    });
    await call(core, 'alerts.updateChannel', { id: pd.id, type: 'pagerduty', config: { eventsUrl: `${suite.peer.origin}/v2/enqueue` } });
    // The admin takes the listing back: nothing more goes there.
    await call(core, 'alerts.updateSettings', { allowedTargets: [] });
    const tested = await call<{ delivered: boolean; error: string }>(core, 'alerts.testChannel', { id: pd.id });
    expect(tested).toMatchObject({
      delivered: false,
      error: expect.stringContaining('PagerDuty requests go to events.pagerduty.com unless an admin lists 127.0.0.1'),
    });
    expect(suite.peer.requests).toEqual([]);
  });
});
