import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertSilence } from '@shared/api/alerts';
import type { AuditEvent } from '@shared/api/audit';
import type { Incident } from '@shared/api/incidents';
import type { Principal } from '@shared/permissions';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { useTempCore, type TempCore } from '../testing/harness';
import { call, channelAndRule, deliveries, refused, serverWithCheck, startAlertsCore, tick } from './testing/incidents';
import { webhookReceiver, type Receiver } from './testing/receiver';

/**
 * Silences as an on-call person meets them, on both engines: incidents opened through the real
 * recorder on a fake clock, a real receiver on 127.0.0.1 that verifies every signature, and the
 * silence's start and end told against the same clock. What a silence matches reaches no one
 * while it holds and is written down as held back by it; what it does not match goes out as ever;
 * its end (on time or early) sends what still matters.
 */

const MINUTE = 60_000;
const viewer: Principal = { kind: 'user', id: 'viewer-1', name: 'vera', role: 'viewer' };
const operator: Principal = { kind: 'user', id: 'operator-1', name: 'otto', role: 'operator' };

let time: FakeTime;
let env: TempCore;
let receiver: Receiver;
let secrets: string[];

const typesReceived = () => receiver.received.map((r) => (r.verified.ok ? (r.verified.payload as { type: string; data: { server: { name: string } } }) : null));
const received = () => typesReceived().map((payload) => (payload ? `${payload.type} ${payload.data.server.name}` : 'unverified'));

/** A core with the receiver's channel and a rule for everything, and two servers: db-1 (tag db) and web-1 (tag web). */
async function setUp(): Promise<{ core: Core; db: Awaited<ReturnType<typeof serverWithCheck>>; web: Awaited<ReturnType<typeof serverWithCheck>> }> {
  const core = await startAlertsCore(env, time);
  await channelAndRule(core, receiver.url, secrets);
  const db = await serverWithCheck(core, 'db-1', ['db']);
  const web = await serverWithCheck(core, 'web-1', ['web']);
  return { core, db, web };
}

const silence = (core: Core, input: Record<string, unknown>, as?: Principal) =>
  call<AlertSilence>(core, 'alerts.addSilence', { reason: 'replacing the db disks', ...input }, as);

beforeEach(() => {
  time = new FakeTime(Date.now());
  secrets = [];
});
afterEach(async () => {
  await receiver.close();
});

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-silences-', lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });
  beforeEach(async () => {
    receiver = await webhookReceiver(() => secrets);
  });

  it('holds back what it matches, naming itself, while what it does not match is delivered', async () => {
    const { core, db, web } = await setUp();
    const held = await silence(core, { match: { tags: ['db'] }, durationMinutes: 60 });
    expect(held).toMatchObject({ state: 'active', startsAt: time.now(), endsAt: time.now() + 60 * MINUTE, createdBy: 'system:local-owner' });

    const outage = await tick(core, time, [
      [db, 'down'],
      [web, 'down'],
    ]);
    expect(outage.opened).toHaveLength(2);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened web-1']);
    expect(receiver.received[0]?.verified.ok).toBe(true);

    const dbIncident = outage.opened.find((incident) => incident.serverName === 'db-1') as Incident;
    const [record] = await deliveries(core, { incidentId: dbIncident.id });
    expect(record).toMatchObject({ source: 'incident.opened', state: 'silenced', silenceId: held.id, attempts: 0, log: [] });
    // The worker looks again: still nothing for db-1.
    await time.advance(MINUTE);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened web-1']);

    // Acknowledging and resolving it while silenced tell no one either.
    await call(core, 'incidents.acknowledge', { id: dbIncident.id, note: 'known' });
    await time.advance(1000);
    await tick(core, time, [[db, 'up']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened web-1']);
    expect((await deliveries(core, { incidentId: dbIncident.id })).map((n) => [n.source, n.state, n.silenceId])).toEqual([
      ['incident.resolved', 'silenced', held.id],
      ['incident.acknowledged', 'silenced', held.id],
      ['incident.opened', 'silenced', held.id],
    ]);
  });

  it('sends, when it ends with its incident still open, what it held back, under the same id; an ended incident stays quiet', async () => {
    const { core, db, web } = await setUp();
    const held = await silence(core, { match: { tags: ['db', 'web'] }, durationMinutes: 2 });
    const first = await tick(core, time, [
      [db, 'down'],
      [web, 'down'],
    ]);
    const [dbIncident, webIncident] = [first.opened.find((i) => i.serverName === 'db-1'), first.opened.find((i) => i.serverName === 'web-1')] as Incident[];
    await core.alerts.worker.runOnce();
    expect(received()).toEqual([]);
    // web-1 recovers during the silence: an incident its channel never heard of ends unheard.
    await time.advance(MINUTE);
    await tick(core, time, [[web, 'up']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual([]);

    // The silence's end passes on the clock: db-1 is still down, so its opening goes out now.
    await time.advance(MINUTE);
    const [silencedRecord] = await deliveries(core, { incidentId: dbIncident?.id });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(received()).toEqual(['incident.opened db-1']);
    expect(receiver.received[0]?.id).toBe(silencedRecord?.id);
    expect(await deliveries(core, { incidentId: dbIncident?.id })).toMatchObject([{ state: 'delivered', silenceId: held.id, attempts: 1 }]);
    expect((await deliveries(core, { incidentId: webIncident?.id })).map((n) => n.state)).toEqual(['silenced', 'silenced']);
    const [listed] = (await call<{ items: AlertSilence[] }>(core, 'alerts.silences', { state: 'expired' })).items;
    expect(listed).toMatchObject({ id: held.id, state: 'expired', expiredAt: null });

    // Nothing is sent twice, and from now on db-1's changes are delivered as they happen.
    await core.alerts.worker.runOnce();
    await time.advance(1000);
    await tick(core, time, [[db, 'up']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened db-1', 'incident.resolved db-1']);
  });

  it('is expired early with a reason, audited both times, and what it held back goes out', async () => {
    const { core, db } = await setUp();
    const held = await silence(core, { match: { severities: ['down'], tags: ['db'] }, startsAt: time.now() - MINUTE, endsAt: time.now() + 60 * MINUTE });
    // A start in the past begins now.
    expect(held.startsAt).toBe(time.now());
    await tick(core, time, [[db, 'down']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual([]);

    await time.advance(5 * MINUTE);
    const expired = await call<AlertSilence>(core, 'alerts.expireSilence', { id: held.id, reason: 'disks replaced early' });
    expect(expired).toMatchObject({ state: 'expired', endsAt: time.now(), expiredAt: time.now(), expireReason: 'disks replaced early' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(received()).toEqual(['incident.opened db-1']);
    // Once ended it cannot end again; a silence that does not exist is not found.
    expect((await refused(core, 'alerts.expireSilence', { id: held.id })).code).toBe('CONFLICT');
    expect((await refused(core, 'alerts.expireSilence', { id: '00000000-0000-4000-8000-000000000000' })).code).toBe('NOT_FOUND');

    const { items } = await call<{ items: AuditEvent[] }>(core, 'audit.list', { target: `alert-silence:${held.id}` });
    expect(items.map((event) => [event.action, event.outcome])).toEqual([
      ['alerts.expireSilence', 'CONFLICT'],
      ['alerts.expireSilence', 'ok'],
      ['alerts.addSilence', 'ok'],
    ]);
    expect(items[1]?.details).toMatchObject({ reason: 'disks replaced early' });
    expect(items[2]?.details).toMatchObject({ reason: 'replacing the db disks', match: { tags: ['db'], severities: ['down'] } });
  });

  it('lets a silence still in force keep holding what an ended one held, and an upcoming one wait for its start', async () => {
    const { core, db, web } = await setUp();
    const short = await silence(core, { match: { tags: ['db'] }, durationMinutes: 1 });
    // The first to start holds a notification both match.
    await time.advance(1000);
    const long = await silence(core, { match: { serverIds: [db.serverId] }, durationMinutes: 30, reason: 'db-1 rebuilt' });
    const later = await silence(core, { match: { tags: ['web'] }, startsAt: time.now() + 2 * MINUTE, durationMinutes: 30 });
    expect(later.state).toBe('upcoming');
    await tick(core, time, [
      [db, 'down'],
      [web, 'down'],
    ]);
    expect((await deliveries(core)).find((n) => n.state === 'silenced')?.silenceId).toBe(short.id);
    await time.advance(MINUTE);
    await core.alerts.worker.runOnce();
    // web-1 went down before its silence began; db-1's hand-over to the longer silence sends nothing.
    expect(received()).toEqual(['incident.opened web-1']);
    const dbRecord = (await deliveries(core)).find((n) => n.state === 'silenced');
    expect(dbRecord?.silenceId).toBe(long.id);
    const states = (await call<{ items: AlertSilence[] }>(core, 'alerts.silences', {})).items.map((each) => [each.reason, each.state]);
    expect(states.sort()).toEqual([
      ['db-1 rebuilt', 'active'],
      ['replacing the db disks', 'expired'],
      ['replacing the db disks', 'upcoming'],
    ]);
  });

  it('tells a channel that heard an incident open of its end once the silence that held the end back is over', async () => {
    const { core, db } = await setUp();
    const opened = await tick(core, time, [[db, 'down']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened db-1']);
    // Silenced after the channel heard of it: its end is held back…
    const held = await silence(core, { match: { tags: ['db'] }, durationMinutes: 1 });
    await time.advance(1000);
    await tick(core, time, [[db, 'up']]);
    await core.alerts.worker.runOnce();
    expect(received()).toEqual(['incident.opened db-1']);
    expect((await deliveries(core, { incidentId: opened.opened[0]?.id }))[0]).toMatchObject({
      source: 'incident.resolved',
      state: 'silenced',
      silenceId: held.id,
    });
    // …and sent when the silence ends, though the incident is over: the receiver would otherwise keep it open.
    await time.advance(MINUTE);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    expect(received()).toEqual(['incident.opened db-1', 'incident.resolved db-1']);
  });

  it('refuses a silence without a matcher, a reason or one end, longer than 90 days, or ending in the past, each naming the field', async () => {
    const core = await startAlertsCore(env, time);
    const fields = async (input: Record<string, unknown>) => {
      const error = await refused(core, 'alerts.addSilence', input);
      return [error.code, (error.issues ?? []).map((issue) => issue.path.join('.'))];
    };
    const tags = { tags: ['db'] };
    expect(await fields({ match: {}, durationMinutes: 5, reason: 'x' })).toEqual(['VALIDATION_FAILED', ['match']]);
    expect(await fields({ match: tags, durationMinutes: 5, reason: '  ' })).toEqual(['VALIDATION_FAILED', ['reason']]);
    expect(await fields({ match: tags, reason: 'x' })).toEqual(['VALIDATION_FAILED', ['endsAt']]);
    expect(await fields({ match: tags, reason: 'x', durationMinutes: 5, endsAt: time.now() + MINUTE })).toEqual(['VALIDATION_FAILED', ['endsAt']]);
    expect(await fields({ match: tags, reason: 'x', durationMinutes: 91 * 24 * 60 })).toEqual(['VALIDATION_FAILED', ['durationMinutes']]);
    expect(await fields({ match: tags, reason: 'x', endsAt: time.now() + 91 * 24 * 60 * MINUTE })).toEqual(['VALIDATION_FAILED', ['endsAt']]);
    expect(await fields({ match: tags, reason: 'x', endsAt: time.now() - MINUTE })).toEqual(['VALIDATION_FAILED', ['endsAt']]);
    expect(await fields({ match: tags, reason: 'x', durationMinutes: 5, startsAt: time.now() + 91 * 24 * 60 * MINUTE })).toEqual([
      'VALIDATION_FAILED',
      ['startsAt'],
    ]);
    expect((await call<{ items: unknown[] }>(core, 'alerts.silences', {})).items).toEqual([]);
  });

  it('lets viewers read silences but only writers add or expire them', async () => {
    const core = await startAlertsCore(env, time);
    const added = await silence(core, { match: { tags: ['db'] }, durationMinutes: 5 }, operator);
    expect(added.createdBy).toBe('user:operator-1');
    expect((await call<{ items: AlertSilence[] }>(core, 'alerts.silences', {}, viewer)).items.map((each) => each.id)).toEqual([added.id]);
    expect((await refused(core, 'alerts.addSilence', { match: { tags: ['db'] }, durationMinutes: 5, reason: 'x' }, viewer)).code).toBe('PERMISSION_DENIED');
    expect((await refused(core, 'alerts.expireSilence', { id: added.id }, viewer)).code).toBe('PERMISSION_DENIED');
    await call(core, 'alerts.expireSilence', { id: added.id }, operator);
  });
});
