import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel, Notification } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { CHEAP_SCRYPT, failure, success, useTempCore } from '../testing/harness';
import { httpPeer, type HttpPeer } from './testing/http-peer';

/**
 * The push and paging channels (ntfy, Gotify, PagerDuty Events v2) against a real HTTP service on
 * 127.0.0.1, on the engine the run picks: the exact request each service documents, the token
 * from the vault where the service wants it, PagerDuty following one incident from trigger to
 * resolve under one dedup_key, and its Events API URL taken only when an admin allowed the host.
 */

const env = useTempCore({ prefix: 'guardian-alerts-push-', lazy: true });
const CALL = { origin: 'test' };

let peer: HttpPeer;
let time: FakeTime;
beforeEach(async () => {
  time = new FakeTime(Date.now());
  peer = await httpPeer();
});
afterEach(async () => {
  await peer.close();
});

const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
const refused = async (core: Core, name: string, input: unknown) => failure(await core.router.call(LOCAL_OWNER, name, input, CALL));
const deliveries = async (core: Core) => (await call<{ items: Notification[] }>(core, 'alerts.deliveries', {})).items;

async function start(): Promise<Core> {
  const core = await env.start({
    clock: time,
    vaultScryptCost: CHEAP_SCRYPT,
    health: { timers: time, random: () => 0 },
    alerts: { timers: time, random: () => 0.5 },
  });
  await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
  return core;
}

async function token(core: Core, value: string): Promise<string> {
  return (await call<{ id: string }>(core, 'secrets.create', { name: `token ${value.slice(0, 8)}`, value: { kind: 'api_token', token: value } })).id;
}

async function channel(core: Core, input: Record<string, unknown>): Promise<AlertChannel> {
  const created = await call<AlertChannel>(core, 'alerts.createChannel', { name: String(input.type), ...input });
  await call(core, 'alerts.createRule', { name: `to ${String(input.type)}`, channelIds: [created.id] });
  return created;
}

let check: Check;
async function down(core: Core): Promise<Incident> {
  const server = await call<{ id: string }>(core, 'servers.create', { name: 'db-1', host: 'db-1.example', environment: 'prod', tags: ['db'], monitor: false });
  check = await call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: 'db-1.example', port: 5432 } },
    confirmAfter: 1,
    retries: 0,
  });
  return (await tick(core, 'down')).opened[0] as Incident;
}
async function tick(core: Core, status: 'up' | 'down') {
  const at = time.now();
  return core.health.recorder.record([
    {
      checkId: check.id,
      serverId: check.serverId,
      result: { status, latencyMs: status === 'up' ? 2 : null, message: status === 'up' ? 'connected' : 'connection refused' },
      attempts: 1,
      dueAt: at,
      startedAt: at,
      finishedAt: at,
      lagMs: 0,
    },
  ]);
}

const fieldsText = (opened: Incident) =>
  `${opened.cause}\n\nServer: db-1\nEnvironment: prod\nTags: db\nSeverity: down\nStarted: ${new Date(opened.startedAt).toISOString()}`;

describe('push and paging channels', () => {
  it('ntfy: publishes JSON to the server root with the topic, an urgent priority, a tag and the access token', async () => {
    const core = await start();
    await channel(core, { type: 'ntfy', config: { serverUrl: peer.origin, topic: 'guardian-alerts' }, secretId: await token(core, 'tk_ntfyaccess0123') });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(peer.requests.map((r) => [r.method, r.path, r.headers.authorization, r.headers['content-type']])).toEqual([
      ['POST', '/', 'Bearer tk_ntfyaccess0123', 'application/json'],
    ]);
    expect(peer.requests[0]?.json).toEqual({
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
      config: { serverUrl: peer.origin, topic: 'public-topic' },
    });
    expect(await call(core, 'alerts.testChannel', { id: open.id })).toMatchObject({ delivered: true });
    expect(peer.requests[1]?.headers.authorization).toBeUndefined();
    expect(peer.requests[1]?.json).toMatchObject({ topic: 'public-topic', priority: 3, tags: ['test_tube'] });
  });

  it('Gotify: posts to /message with the app token in X-Gotify-Key, never in the URL', async () => {
    const core = await start();
    await channel(core, { type: 'gotify', config: { serverUrl: `${peer.origin}/gotify/` }, secretId: await token(core, 'AppTokenGotify.x1') });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(peer.requests.map((r) => [r.method, r.path, r.headers['x-gotify-key']])).toEqual([['POST', '/gotify/message', 'AppTokenGotify.x1']]);
    expect(peer.requests[0]?.json).toEqual({
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
    const pd = await channel(core, { type: 'pagerduty', config: { eventsUrl: `${peer.origin}/v2/enqueue` }, secretId: await token(core, routingKey) });
    peer.script({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' });
    const opened = await down(core);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await call(core, 'incidents.acknowledge', { id: opened.id, note: 'looking' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await time.advance(1000);
    await tick(core, 'up');
    expect(await core.alerts.worker.runOnce()).toBe(1);

    expect(peer.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue', '/v2/enqueue']);
    expect(peer.requests.map((r) => r.json)).toEqual([
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
          custom_details: { Server: 'db-1', Environment: 'prod', Tags: 'db', Severity: 'down', Started: new Date(opened.startedAt).toISOString() },
        },
      },
      { routing_key: routingKey, event_action: 'acknowledge', dedup_key: opened.id },
      { routing_key: routingKey, event_action: 'resolve', dedup_key: opened.id },
    ]);
    expect((await deliveries(core)).map((n) => n.state)).toEqual(['delivered', 'delivered', 'delivered']);

    // PagerDuty refusing the event (400) is not retried.
    peer.script({ status: 400, body: '{"status":"invalid event","errors":["routing_key is invalid"]}' });
    await time.advance(1000);
    await tick(core, 'down');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [refusedEvent] = await deliveries(core);
    expect(refusedEvent).toMatchObject({ state: 'failed', attempts: 1, log: [{ outcome: 'failed', statusCode: 400 }] });

    // The routing key appears in no answer.
    expect(JSON.stringify([await call(core, 'alerts.channels', {}), await deliveries(core), pd])).not.toContain(routingKey);
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
    expect(pd.config).toEqual({ eventsUrl: 'https://events.pagerduty.com/v2/enqueue', timeoutMs: 10_000, maxConcurrent: 2 });
    await call(core, 'alerts.updateChannel', { id: pd.id, type: 'pagerduty', config: { eventsUrl: `${peer.origin}/v2/enqueue` } });
    // The admin takes the listing back: nothing more goes there.
    await call(core, 'alerts.updateSettings', { allowedTargets: [] });
    const tested = await call<{ delivered: boolean; error: string }>(core, 'alerts.testChannel', { id: pd.id });
    expect(tested).toMatchObject({
      delivered: false,
      error: expect.stringContaining('PagerDuty requests go to events.pagerduty.com unless an admin lists 127.0.0.1'),
    });
    expect(peer.requests).toEqual([]);
  });
});
