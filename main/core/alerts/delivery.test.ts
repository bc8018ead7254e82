import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { Core } from '../app';
import type { CheckStatus } from '../health/check';
import { FakeTime } from '../testing/fake-time';
import { CHEAP_SCRYPT, useTempCore, type TempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { AlertStore } from './store';
import {
  call,
  channelAndRule as sharedChannelAndRule,
  deliveries,
  refused,
  restartAlertsCore,
  serverWithCheck,
  startAlertsCore,
  storeSigningSecret,
  tick as tickAt,
} from './testing/incidents';
import { webhookReceiver, type Receiver } from './testing/receiver';
import { BASE_BACKOFF_MS, CLAIM_MS } from './worker';

/**
 * Alerts as an on-call person meets them, on both engines: incidents opened, resolved and
 * acknowledged through the real recorder and router on a fake clock become notifications in the
 * outbox, in the same transaction, and the delivery worker posts them to a real receiver on
 * 127.0.0.1 that verifies every signature with the Standard Webhooks reference library. A flaky
 * receiver (500, a timeout, 429 with Retry-After, 410) proves the retries, the backoff, giving up
 * and disabling. The fake clock starts at the real time: the library refuses a signature whose
 * timestamp is more than five minutes from its own clock, so each test moves less than that.
 */

/** With jitter 0.5 a retry waits three quarters of its backoff. */
const JITTER = 0.5;
const firstRetryMs = (BASE_BACKOFF_MS / 2) * (1 + JITTER);

let time: FakeTime;
let env: TempCore;
let receiver: Receiver;
let secrets: string[];

beforeEach(() => {
  time = new FakeTime(Date.now());
  secrets = [];
});
afterEach(async () => {
  await receiver.close();
});

const start = () => startAlertsCore(env, time, JITTER);
const storeSecret = storeSigningSecret;
const channelAndRule = (core: Core, config: Record<string, unknown> = {}) => sharedChannelAndRule(core, receiver.url, secrets, config);
const tick = (core: Core, results: [Check, CheckStatus][]) => tickAt(core, time, results);

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-alerts-', lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });
  beforeEach(async () => {
    receiver = await webhookReceiver(() => secrets);
  });

  it('sends one signed notification per incident change, with one id, that the reference library verifies', async () => {
    const core = await start();
    await channelAndRule(core);
    const check = await serverWithCheck(core, 'web-1', ['prod']);

    // Before a rule there is nothing; from now on the incident opened in this tick is written with it.
    const opened = await tick(core, [[check, 'down']]);
    expect(opened.opened).toHaveLength(1);
    const incident = opened.opened[0] as Incident;
    await time.advance(1000);
    // Still down: no new incident, no new notification.
    await tick(core, [[check, 'down']]);
    const written = await deliveries(core, { incidentId: incident.id });
    expect(written.map((n) => [n.source, n.state, n.attempts])).toEqual([['incident.opened', 'pending', 0]]);

    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const [first] = receiver.received;
    expect(first?.verified).toMatchObject({
      ok: true,
      payload: { type: 'incident.opened', data: { incident: { id: incident.id, severity: 'down' }, server: { name: 'web-1', tags: ['prod'] } } },
    });
    // The notification's id is the webhook-id, and the body is the stored event's JSON, byte for byte.
    expect(first?.id).toBe(written[0]?.id);
    const [stored] = await rowsOf(core).all<{ payload: unknown }>('SELECT payload FROM alert_outbox WHERE id = ?', first?.id);
    const payload: unknown = typeof stored?.payload === 'string' ? JSON.parse(stored.payload) : stored?.payload;
    expect(first?.body).toBe(JSON.stringify(payload));
    const [sent] = await deliveries(core, { incidentId: incident.id });
    expect(sent).toMatchObject({ state: 'delivered', attempts: 1, log: [{ outcome: 'delivered', statusCode: 200, error: null }] });
    // Nothing is left to send.
    expect(await core.alerts.worker.runOnce()).toBe(0);

    await call(core, 'incidents.acknowledge', { id: incident.id, note: 'on it' });
    await time.advance(1000);
    const resolved = await tick(core, [[check, 'up']]);
    expect(resolved.resolved).toHaveLength(1);
    expect(await core.alerts.worker.runOnce()).toBe(2);
    const kinds = receiver.received.map((r) => (r.verified.ok ? (r.verified.payload as { type: string }).type : r.verified.error));
    expect(kinds.sort()).toEqual(['incident.acknowledged', 'incident.opened', 'incident.resolved']);
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(3);
    expect((await deliveries(core, { incidentId: incident.id })).map((n) => n.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('delivers on its own once started, as serve and the desktop app start it, and stops with the core', async () => {
    // Real timers for the worker: it wakes when a notification commits, not only at its next look.
    const core = await env.start({ clock: time, health: { timers: time, random: () => 0 }, alerts: { pollMs: 60_000 }, vaultScryptCost: CHEAP_SCRYPT });
    await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
    await channelAndRule(core);
    core.alerts.start();
    const check = await serverWithCheck(core, 'web-0');
    await tick(core, [[check, 'down']]);
    for (let waited = 0; receiver.received.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(receiver.received.map((r) => r.verified.ok)).toEqual([true]);
    await env.stop();
  });

  it('writes a notification in the incident’s own transaction: when it cannot be written, the incident is not either', async () => {
    // Ids come from the core's newId; for one tick every id is the same, and a notification with that id is already stored.
    let forced: string | null = null;
    const core = await env.start({
      clock: time,
      health: { timers: time, random: () => 0 },
      alerts: { timers: time },
      vaultScryptCost: CHEAP_SCRYPT,
      newId: () => forced ?? randomUUID(),
    });
    await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
    const { rule, channel } = await channelAndRule(core);
    const check = await serverWithCheck(core, 'web-9');
    forced = randomUUID();
    await rowsOf(core).run(
      `INSERT INTO alert_outbox (id, rule_id, channel_id, source_kind, source_id, payload, created_at, state, attempts, next_attempt_at)
       VALUES (?, ?, ?, 'incident.opened', 'planted', '{}', 0, 'delivered', 1, 0)`,
      forced,
      rule.id,
      channel.id,
    );
    await expect(tick(core, [[check, 'down']])).rejects.toThrow();
    expect((await call<{ total: number }>(core, 'incidents.list', {})).total).toBe(0);
    expect((await deliveries(core)).map((n) => n.incidentId)).toEqual(['planted']);

    // The same results again, with fresh ids: the incident and its one notification, together.
    forced = null;
    const outcome = await tick(core, [[check, 'down']]);
    expect(outcome.opened).toHaveLength(1);
    expect((await deliveries(core, { incidentId: outcome.opened[0]?.id })).map((n) => n.source)).toEqual(['incident.opened']);
  });

  it('lets two workers at once claim each notification once', async () => {
    const core = await start();
    await channelAndRule(core);
    const checks = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((name) => serverWithCheck(core, `node-${name}`)));
    await tick(
      core,
      checks.map((check) => [check, 'down']),
    );
    // Two claims in transactions of their own, at the same moment (on PostgreSQL, two connections: two nodes).
    const store = new AlertStore(core.data);
    const claim = () => core.data.transaction(() => store.claim(time.now(), 100, time.now() + CLAIM_MS, [], (rows) => rows));
    const [first, second] = await Promise.all([claim(), claim()]);
    const ids = [...(first ?? []), ...(second ?? [])].map((row) => row.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('routes by server, tag, environment and severity, and writes nothing when no rule matches', async () => {
    const core = await start();
    const { channel, rule } = await channelAndRule(core);
    await call(core, 'alerts.updateRule', { id: rule.id, match: { tags: ['db'], severities: ['down'] } });
    const web = await serverWithCheck(core, 'web-2', ['web']);
    const db = await serverWithCheck(core, 'db-1', ['db']);
    const outcome = await tick(core, [
      [web, 'down'],
      [db, 'down'],
    ]);
    expect(outcome.opened).toHaveLength(2);
    const written = await deliveries(core, { channelId: channel.id });
    expect(written.map((n) => n.incidentId)).toEqual([outcome.opened.find((i) => i.serverName === 'db-1')?.id]);
  });

  it('tells a degraded incident becoming down: a rule for down hears it then, and one for degraded hears it worsen and end', async () => {
    const core = await start();
    const { rule } = await channelAndRule(core);
    const typesOf = (received: typeof receiver.received) =>
      received.map((r) => (r.verified.ok ? (r.verified.payload as { type: string }).type : r.verified.error));

    // A rule for down incidents only: the degraded opening is not for it, the worsening is.
    await call(core, 'alerts.updateRule', { id: rule.id, match: { severities: ['down'] } });
    const web = await serverWithCheck(core, 'web-9');
    await tick(core, [[web, 'degraded']]);
    await time.advance(1000);
    await tick(core, [[web, 'down']]);
    await time.advance(1000);
    await tick(core, [[web, 'up']]);
    await core.alerts.worker.runOnce();
    expect(typesOf(receiver.received).sort()).toEqual(['incident.resolved', 'incident.worsened']);
    expect(receiver.received.find((r) => typesOf([r])[0] === 'incident.worsened')?.verified).toMatchObject({
      ok: true,
      payload: { data: { incident: { severity: 'down' }, server: { name: 'web-9' } } },
    });

    // A rule for degraded incidents only: told of the opening, it hears the worsening and the end too.
    receiver.received.length = 0;
    await call(core, 'alerts.updateRule', { id: rule.id, match: { severities: ['degraded'] } });
    const db = await serverWithCheck(core, 'db-9');
    await time.advance(1000);
    await tick(core, [[db, 'degraded']]);
    await time.advance(1000);
    await tick(core, [[db, 'down']]);
    await time.advance(1000);
    await tick(core, [[db, 'up']]);
    await core.alerts.worker.runOnce();
    expect(typesOf(receiver.received).sort()).toEqual(['incident.opened', 'incident.resolved', 'incident.worsened']);
  });

  it('retries a 500 and a timeout with backoff, waits as a 429 says, and delivers with the same id', async () => {
    const core = await start();
    await channelAndRule(core);
    const check = await serverWithCheck(core, 'web-3');
    await tick(core, [[check, 'down']]);
    receiver.script(500, 'hang', { status: 429, retryAfter: '90' }, 200);

    expect(await core.alerts.worker.runOnce()).toBe(1);
    let [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('answered 500') });
    expect(notification?.nextAttemptAt).toBe(time.now() + firstRetryMs);
    // Not due yet: nothing is sent.
    await time.advance(firstRetryMs - 1);
    expect(await core.alerts.worker.runOnce()).toBe(0);
    await time.advance(1);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', attempts: 2, lastError: expect.stringContaining('no answer') });
    // The second retry's backoff is twice the first's.
    expect(notification?.nextAttemptAt).toBe(time.now() + 2 * firstRetryMs);

    await time.advance(2 * firstRetryMs);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', attempts: 3, lastError: expect.stringContaining('answered 429') });
    expect(notification?.nextAttemptAt).toBe(time.now() + 90_000);
    await time.advance(89_000);
    expect(await core.alerts.worker.runOnce()).toBe(0);
    await time.advance(1000);
    expect(await core.alerts.worker.runOnce()).toBe(1);

    [notification] = await deliveries(core);
    expect(notification?.state).toBe('delivered');
    expect(notification?.log.map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retry', 500],
      ['retry', null],
      ['retry', 429],
      ['delivered', 200],
    ]);
    // Four requests, one id, every signature good.
    expect(receiver.received.map((r) => r.id)).toEqual(Array(4).fill(notification?.id));
    expect(receiver.received.every((r) => r.verified.ok)).toBe(true);
  });

  it('gives up once the next try would fall past the configured age, and records it', async () => {
    const core = await start();
    await channelAndRule(core);
    await call(core, 'alerts.updateSettings', { giveUpAfterMinutes: 1 });
    const check = await serverWithCheck(core, 'web-4');
    await tick(core, [[check, 'down']]);
    receiver.script(500, 500, 500, 500, 500);
    // Retries after 7.5 s, 15 s and 30 s (52.5 s in all); the fourth would be 60 s later, past the minute.
    for (const wait of [0, firstRetryMs, 2 * firstRetryMs, 4 * firstRetryMs]) {
      await time.advance(wait);
      expect(await core.alerts.worker.runOnce()).toBe(1);
    }
    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({
      state: 'given-up',
      attempts: 4,
      lastError: expect.stringMatching(/^given up after 4 attempts over 1 min: .*answered 500/),
    });
    expect(notification?.log.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'given-up']);
    await time.advance(10 * 60_000);
    expect(await core.alerts.worker.runOnce()).toBe(0);
    expect(receiver.received).toHaveLength(4);
  });

  it('disables a webhook that answers 410 Gone, says why, and writes nothing more for it', async () => {
    const core = await start();
    const { channel } = await channelAndRule(core);
    const heard: unknown[] = [];
    core.events.subscribe((name, payload) => {
      if (name === 'alerts.changed') heard.push(payload);
    });
    const check = await serverWithCheck(core, 'web-5');
    const other = await serverWithCheck(core, 'web-6');
    await tick(core, [[check, 'down']]);
    receiver.script(410);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'failed', log: [{ outcome: 'failed', statusCode: 410 }] });
    const [disabled] = await call<{ items: AlertChannel[] }>(core, 'alerts.channels', {}).then((r) => r.items);
    expect(disabled).toMatchObject({ id: channel.id, enabled: false, disabledReason: expect.stringContaining('410 Gone') });
    expect(heard).toEqual([{ change: 'updated', ids: [channel.id] }]);

    await tick(core, [[other, 'down']]);
    expect(await deliveries(core)).toHaveLength(1);

    // Enabled again by a person: the reason goes, and the next incident is sent.
    await call(core, 'alerts.updateChannel', { id: channel.id, enabled: true });
    await tick(core, [[check, 'up']]);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(receiver.received.at(-1)?.verified).toMatchObject({ ok: true, payload: { type: 'incident.resolved' } });
  });

  it('sends a notification claimed by a worker that stopped mid-send again, with the same id, once the claim lapses', async () => {
    const core = await start();
    await channelAndRule(core);
    const check = await serverWithCheck(core, 'web-7');
    await tick(core, [[check, 'down']]);
    const [written] = await deliveries(core);
    // A worker (another process, another node) claims it and is killed before it records anything.
    const store = new AlertStore(core.data);
    const claimed = await core.data.transaction(() => store.claim(time.now(), 10, time.now() + CLAIM_MS, [], (rows) => rows));
    expect(claimed.map((row) => row.id)).toEqual([written?.id]);
    expect(await core.alerts.worker.runOnce()).toBe(0);
    await time.advance(CLAIM_MS);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(receiver.received.map((r) => r.id)).toEqual([written?.id]);
    expect(receiver.received[0]?.verified.ok).toBe(true);
  });

  it('sends to one channel no more at once than its limit', async () => {
    const core = await start();
    await channelAndRule(core, { maxConcurrent: 2 });
    const checks = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((name) => serverWithCheck(core, `host-${name}`)));
    await tick(
      core,
      checks.map((check) => [check, 'down']),
    );
    // A look claims only as many as the channel may be sent at once.
    expect(await core.alerts.worker.runOnce()).toBe(2);
    expect(await core.alerts.worker.runOnce()).toBe(2);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(receiver.received.every((r) => r.verified.ok)).toBe(true);
  });

  it('begins no more than a channel’s rate limit a minute, counted across restarts, and sends what waited later while other channels go on', async () => {
    const core = await start();
    const { channel } = await channelAndRule(core, { ratePerMinute: 3 });
    // A second channel without a limit, through a rule of its own, to a receiver of its own.
    const other = await webhookReceiver(() => secrets);
    try {
      const secret = await storeSecret(core, 'second signing secret');
      secrets.push(secret.value);
      const unlimited = await call<AlertChannel>(core, 'alerts.createChannel', {
        name: 'second hook',
        type: 'webhook',
        config: { url: other.url, timeoutMs: 500 },
        secretId: secret.id,
      });
      expect(unlimited.config).toMatchObject({ ratePerMinute: null });
      await call(core, 'alerts.createRule', { name: 'also', channelIds: [unlimited.id] });
      const checks = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => serverWithCheck(core, `rated-${name}`)));
      await tick(
        core,
        checks.map((check) => [check, 'down']),
      );

      // The first look: three to the limited channel, all seven to the other.
      await core.alerts.worker.runOnce();
      await core.alerts.worker.runOnce();
      expect(receiver.received).toHaveLength(3);
      expect(other.received).toHaveLength(7);

      // A restart (another process, as another node would be) still counts the minute's three.
      const again = await restartAlertsCore(env, time, JITTER);
      await time.advance(30_000);
      expect(await again.alerts.worker.runOnce()).toBe(0);
      const waiting = await deliveries(again, { channelId: channel.id });
      expect(waiting.filter((n) => n.state === 'pending')).toHaveLength(4);

      // A minute after the first three began, three more; then the last one: nothing dropped, one id each.
      await time.advance(31_000);
      expect(await again.alerts.worker.runOnce()).toBe(3);
      expect(await again.alerts.worker.runOnce()).toBe(0);
      await time.advance(61_000);
      expect(await again.alerts.worker.runOnce()).toBe(1);
      expect(receiver.received).toHaveLength(7);
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(7);
      expect(receiver.received.every((r) => r.verified.ok)).toBe(true);
      expect((await deliveries(again, { channelId: channel.id })).every((n) => n.state === 'delivered' && n.attempts === 1)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('fills in a type’s published rate limit, and refuses one out of range', async () => {
    const core = await start();
    const secret = await storeSecret(core, 'slack url');
    const slack = await call<AlertChannel>(core, 'alerts.createChannel', { name: 'slack', type: 'slack', secretId: secret.id });
    expect(slack.config).toMatchObject({ ratePerMinute: 60 });
    const error = await refused(core, 'alerts.createChannel', {
      name: 'too fast',
      type: 'slack',
      secretId: secret.id,
      config: { ratePerMinute: 10_000 },
    });
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['config', 'ratePerMinute'], message: 'At most 600 a minute' }] });
  });

  it('signs with both secrets during a rotation, so a receiver holding either verifies it', async () => {
    const core = await start();
    const { channel, secret: old } = await channelAndRule(core);
    const next = await storeSecret(core, 'new signing secret');
    const oldId = channel.secretId;
    await call(core, 'alerts.updateChannel', { id: channel.id, secretId: next.id, previousSecretId: oldId });
    for (const holds of [[old], [next.value]]) {
      secrets = holds;
      const result = await call<{ id: string; delivered: boolean; statusCode: number }>(core, 'alerts.testChannel', { id: channel.id });
      expect(result).toMatchObject({ delivered: true, statusCode: 200 });
      const last = receiver.received.at(-1);
      expect(last?.id).toBe(result.id);
      expect(last?.verified).toMatchObject({ ok: true, payload: { type: 'alert.test' } });
      expect(String(last?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    }
    // Once the rotation ends, the old secret no longer verifies.
    await call(core, 'alerts.updateChannel', { id: channel.id, previousSecretId: null });
    secrets = [old];
    await call(core, 'alerts.testChannel', { id: channel.id });
    expect(receiver.received.at(-1)?.verified).toMatchObject({ ok: false });
  });

  it('refuses loopback and private targets unless allowed, when saved and again when sending', async () => {
    const core = await start();
    const secret = await storeSecret(core, 'hook secret');
    const input = { name: 'local', type: 'webhook', config: { url: receiver.url, timeoutMs: 500 }, secretId: secret.id };
    for (const url of [receiver.url, 'http://localhost:9/x', 'http://10.1.2.3/x', 'http://[::1]:9/x', 'http://169.254.169.254/latest']) {
      expect(await refused(core, 'alerts.createChannel', { ...input, config: { url } })).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('loopback, private or link-local'),
      });
    }
    // Only an admin may allow them.
    const operator = { kind: 'user' as const, id: 'op', name: 'an operator', role: 'operator' as const };
    expect((await refused(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] }, operator)).code).toBe('PERMISSION_DENIED');

    secrets.push(secret.value);
    const { channel } = await channelAndRule(core);
    // Allowed when saved, no longer when it sends: nothing leaves, and the attempt says why.
    await call(core, 'alerts.updateSettings', { allowedTargets: [] });
    const check = await serverWithCheck(core, 'web-8');
    await tick(core, [[check, 'down']]);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [notification] = await deliveries(core, { channelId: channel.id });
    expect(notification?.log[0]).toMatchObject({ outcome: 'retry', statusCode: null, error: expect.stringContaining('refused to send to 127.0.0.1') });
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses a channel whose secret may not sign, and names what is wrong', async () => {
    const core = await start();
    const password = await call<{ id: string }>(core, 'secrets.create', { name: 'db password', value: { kind: 'password', password: 'hunter2-alerts' } });
    await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
    const input = { name: 'hook', type: 'webhook', config: { url: receiver.url }, secretId: password.id };
    expect(await refused(core, 'alerts.createChannel', input)).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('not an API token'),
    });
    const missing = '00000000-0000-4000-8000-00000000dead';
    expect((await refused(core, 'alerts.createChannel', { ...input, secretId: missing })).code).toBe('NOT_FOUND');
    // An API token that is not a whsec_ key is refused when it would sign, and nothing is sent.
    const token = await call<{ id: string }>(core, 'secrets.create', { name: 'not a key', value: { kind: 'api_token', token: 'plain-token' } });
    const channel = await call<AlertChannel>(core, 'alerts.createChannel', { ...input, secretId: token.id });
    expect((await refused(core, 'alerts.testChannel', { id: channel.id })).message).toContain('whsec_');
    expect(receiver.received).toHaveLength(0);
  });
});
