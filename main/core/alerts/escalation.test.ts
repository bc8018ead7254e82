import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel, AlertRule } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { useTempCore, type TempCore } from '../testing/harness';
import { call, channelAndRule, deliveries, refused, restartAlertsCore, serverWithCheck, startAlertsCore, storeSigningSecret, tick } from './testing/incidents';
import { signedEvents, webhookReceiver, type Receiver } from './testing/receiver';

/**
 * Escalation and repeats as on-call people meet them, on both engines, on a fake clock: an incident
 * nobody acknowledges reaches the next step's channel once it has been open that long, is told
 * again every so often while it stays so, and goes quiet once someone acknowledges it. Two real
 * receivers on 127.0.0.1 verify every signature; each notification keeps one id however many
 * times a worker (or a restarted Guardian) looks.
 */

const MINUTE = 60_000;

let time: FakeTime;
let env: TempCore;
let first: Receiver;
let second: Receiver;
let secrets: string[];

/** What a receiver was told, each signature checked against the secrets (testing/receiver.ts). */
const told = (receiver: Receiver) => signedEvents(receiver, secrets).map((event) => event?.type ?? 'not signed');

/** An incident open on web-1, told to the first line; the rule also escalates to the second line after 10 minutes and repeats every 30. */
async function setUp(escalation: { afterMinutes: number }[] = [{ afterMinutes: 10 }], repeatMinutes: number | null = 30) {
  const core = await startAlertsCore(env, time);
  const { rule } = await channelAndRule(core, first.url, secrets);
  const secret = await storeSigningSecret(core, 'second line signing secret');
  secrets.push(secret.value);
  const secondLine = await call<AlertChannel>(core, 'alerts.createChannel', {
    name: 'second line',
    type: 'webhook',
    config: { url: second.url, timeoutMs: 500 },
    secretId: secret.id,
  });
  const updated = await call<AlertRule>(core, 'alerts.updateRule', {
    id: rule.id,
    escalation: escalation.map((step) => ({ ...step, channelIds: [secondLine.id] })),
    repeatMinutes,
  });
  const web = await serverWithCheck(core, 'web-1');
  const opened = (await tick(core, time, [[web, 'down']])).opened[0] as Incident;
  await core.alerts.worker.runOnce();
  return { core, rule: updated, opened, secondLine, web };
}

/** Moves the clock to `minutes` after the incident opened and lets the worker look once. */
async function at(core: Core, opened: Incident, minutes: number) {
  await time.advance(opened.startedAt + minutes * MINUTE - time.now());
  await core.alerts.worker.runOnce();
}

beforeEach(() => {
  time = new FakeTime(Date.now());
  secrets = [];
});
afterEach(async () => {
  await first.close();
  await second.close();
});

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-escalation-', lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });
  beforeEach(async () => {
    first = await webhookReceiver(() => secrets);
    second = await webhookReceiver(() => secrets);
  });

  it('tells the next step once nobody has acknowledged for its minutes, repeats while open, and stops once acknowledged', async () => {
    const { core, rule, opened } = await setUp();
    expect(rule).toMatchObject({ escalation: [{ afterMinutes: 10 }], repeatMinutes: 30 });
    expect(told(first)).toEqual(['incident.opened']);
    expect(told(second)).toEqual([]);

    await at(core, opened, 9);
    expect(told(second)).toEqual([]);

    await at(core, opened, 10);
    expect(told(second)).toEqual(['incident.unacknowledged']);
    await core.alerts.worker.runOnce();
    await at(core, opened, 29);
    expect(told(second)).toEqual(['incident.unacknowledged']);
    expect(told(first)).toEqual(['incident.opened']);

    // Every 30 minutes: the rule's own channel and the steps reached before then.
    await at(core, opened, 30);
    expect(told(first)).toEqual(['incident.opened', 'incident.unacknowledged']);
    expect(told(second)).toEqual(['incident.unacknowledged', 'incident.unacknowledged']);
    const ids = [...first.received, ...second.received].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);

    await call(core, 'incidents.acknowledge', { id: opened.id, note: 'on it' });
    await core.alerts.worker.runOnce();
    await at(core, opened, 120);
    expect(told(first)).toEqual(['incident.opened', 'incident.unacknowledged', 'incident.acknowledged']);
    // The second line, paged by the step, hears it acknowledged too: and nothing more while it is.
    expect(told(second)).toEqual(['incident.unacknowledged', 'incident.unacknowledged', 'incident.acknowledged']);
    const log = await deliveries(core, { incidentId: opened.id });
    expect(log.filter((item) => item.source === 'incident.unacknowledged').every((item) => item.state === 'delivered')).toBe(true);
  });

  it('tells a step’s channels how the incident ends once the step has told them, and not before', async () => {
    const { core, opened, web } = await setUp([{ afterMinutes: 10 }], null);
    await at(core, opened, 10);
    expect(told(second)).toEqual(['incident.unacknowledged']);
    await at(core, opened, 15);
    await tick(core, time, [[web, 'up']]);
    await core.alerts.worker.runOnce();
    // A page the step opened (PagerDuty, Opsgenie) is closed by this, under the same incident.
    expect(told(first)).toEqual(['incident.opened', 'incident.resolved']);
    expect(told(second)).toEqual(['incident.unacknowledged', 'incident.resolved']);

    // An incident acknowledged before the step came due: the second line never heard of it, and hears nothing.
    await time.advance(MINUTE);
    const next = (await tick(core, time, [[web, 'down']])).opened[0] as Incident;
    await core.alerts.worker.runOnce();
    await call(core, 'incidents.acknowledge', { id: next.id });
    await core.alerts.worker.runOnce();
    await at(core, next, 30);
    expect(told(first)).toEqual(['incident.opened', 'incident.resolved', 'incident.opened', 'incident.acknowledged']);
    expect(told(second)).toEqual(['incident.unacknowledged', 'incident.resolved']);
  });

  it('sends the latest repeat due after a long pause, not every one it missed, and once only across a restart', async () => {
    const { core, opened } = await setUp([], 30);
    await at(core, opened, 200);
    expect(told(first)).toEqual(['incident.opened', 'incident.unacknowledged']);

    // The same data opened again, as after a crash: the repeat already written is not written again.
    const again = await restartAlertsCore(env, time);
    await again.alerts.worker.runOnce();
    await at(again, opened, 209);
    expect(told(first)).toEqual(['incident.opened', 'incident.unacknowledged']);
    await at(again, opened, 210);
    expect(told(first)).toEqual(['incident.opened', 'incident.unacknowledged', 'incident.unacknowledged']);
    expect((await deliveries(again, { incidentId: opened.id })).filter((item) => item.source === 'incident.unacknowledged')).toHaveLength(2);
  });

  it('holds escalation back while a silence matches the incident, and escalates once it ends', async () => {
    const { core, opened } = await setUp([{ afterMinutes: 10 }], null);
    await call(core, 'alerts.addSilence', { match: { severities: ['down'] }, durationMinutes: 20, reason: 'known outage' });
    await at(core, opened, 15);
    expect(told(second)).toEqual([]);
    await at(core, opened, 21);
    expect(told(second)).toEqual(['incident.unacknowledged']);
  });

  it('refuses steps out of order, a channel that does not exist, and a repeat under 5 minutes, naming the field', async () => {
    const { core, rule, secondLine } = await setUp();
    const outOfOrder = await refused(core, 'alerts.updateRule', {
      id: rule.id,
      escalation: [
        { afterMinutes: 15, channelIds: [secondLine.id] },
        { afterMinutes: 15, channelIds: [secondLine.id] },
      ],
    });
    expect(outOfOrder.code).toBe('VALIDATION_FAILED');
    expect(outOfOrder.issues).toContainEqual(expect.objectContaining({ path: ['escalation', 1, 'afterMinutes'] }));
    const missing = await refused(core, 'alerts.updateRule', {
      id: rule.id,
      escalation: [{ afterMinutes: 5, channelIds: ['00000000-0000-4000-8000-000000000000'] }],
    });
    expect(missing.issues).toEqual([{ path: ['escalation', 0, 'channelIds', 0], message: 'No such channel' }]);
    expect((await refused(core, 'alerts.updateRule', { id: rule.id, repeatMinutes: 1 })).issues).toContainEqual(
      expect.objectContaining({ path: ['repeatMinutes'] }),
    );
  });
});
