import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRule, MatchPreview } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { useTempCore } from '../testing/harness';
import { call, channelAndRule, deliveries, refused, startAlertsCore, tick as tickAt } from './testing/incidents';
import { webhookReceiver, type Receiver } from './testing/receiver';

/**
 * Check types as a matcher (docs/alerts.md, "Rules"), on both engines, through the real recorder,
 * router and worker to a receiver on 127.0.0.1: an incident records the types of the checks that
 * were bad when it opened and when it worsened, and a rule or a silence naming check types picks
 * only incidents about one of them.
 */

let time: FakeTime;
let receiver: Receiver;
let secrets: string[];
beforeEach(async () => {
  time = new FakeTime(Date.now());
  secrets = [];
  receiver = await webhookReceiver(() => secrets);
});
afterEach(async () => {
  await receiver.close();
});

/** A server with a TCP check and an HTTP check, each confirmed at its first result. */
async function webServer(core: Core, name: string): Promise<{ tcp: Check; http: Check }> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, monitor: false });
  const check = (spec: unknown) => call<Check>(core, 'checks.create', { serverId: server.id, spec, confirmAfter: 1, retries: 0 });
  return {
    tcp: await check({ type: 'tcp', config: { host: `${name}.example`, port: 443 } }),
    http: await check({ type: 'http', config: { url: `https://${name}.example/health` } }),
  };
}

const told = () =>
  receiver.received
    .map((r) => {
      if (!r.verified.ok) return r.verified.error;
      const payload = r.verified.payload as { type: string; data: { server: { name: string }; incident: Incident } };
      return `${payload.type} ${payload.data.server.name} [${payload.data.incident.checkTypes.join(',')}]`;
    })
    .sort();

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const env = useTempCore({ prefix: 'guardian-alerts-check-types-', lazy: true, engine });

  async function withHttpRule() {
    const core = await startAlertsCore(env, time);
    const { rule: everything } = await channelAndRule(core, receiver.url, secrets);
    const rule = await call<AlertRule>(core, 'alerts.updateRule', { id: everything.id, name: 'web checks', match: { checkTypes: ['http'] } });
    const tick = async (results: Parameters<typeof tickAt>[2]) => {
      await time.advance(1000);
      return tickAt(core, time, results);
    };
    return { core, rule, tick };
  }

  it('tells a rule for HTTP checks of an incident its HTTP check is in, and not of one only its TCP check is in', async () => {
    const { core, rule, tick } = await withHttpRule();
    expect(rule.match.checkTypes).toEqual(['http']);
    const web = await webServer(core, 'web-1');
    const db = await webServer(core, 'db-1');

    const opened = await tick([
      [web.http, 'down'],
      [web.tcp, 'up'],
      [db.tcp, 'down'],
      [db.http, 'up'],
    ]);
    expect(Object.fromEntries(opened.opened.map((incident) => [incident.serverName, incident.checkTypes]))).toEqual({ 'web-1': ['http'], 'db-1': ['tcp'] });
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened web-1 [http]']);

    // The incident keeps its check types, read back from the database.
    const dbIncident = opened.opened.find((incident) => incident.serverName === 'db-1');
    expect((await call<Incident>(core, 'incidents.get', { id: dbIncident?.id })).checkTypes).toEqual(['tcp']);

    // db-1's HTTP check fails too, yet db-1 stays one incident that was not told: only a worsening or an
    // opening is news, and db-1 is down already. web-1's recovery is told to the channel that heard it open.
    await tick([
      [db.http, 'down'],
      [web.http, 'up'],
    ]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened web-1 [http]', 'incident.resolved web-1 [http]']);
  });

  it('adds the check types of the checks that made a degraded incident worse, and tells a rule for them of the worsening', async () => {
    const { core, tick } = await withHttpRule();
    const web = await webServer(core, 'web-1');
    await tick([
      [web.tcp, 'degraded'],
      [web.http, 'up'],
    ]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual([]);

    const worse = await tick([[web.http, 'down']]);
    expect(worse.escalated.map((incident) => [incident.severity, incident.checkTypes])).toEqual([['down', ['http', 'tcp']]]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.worsened web-1 [http,tcp]']);
  });

  it('silences by check type alone, previews the servers with such a check, and refuses a type that does not exist', async () => {
    const { core, tick } = await withHttpRule();
    const web = await webServer(core, 'web-1');
    const bare = await call<{ id: string }>(core, 'servers.create', { name: 'bare-1', host: 'bare-1.example', monitor: false });
    expect(bare.id).toBeTruthy();

    await call(core, 'alerts.addSilence', { match: { checkTypes: ['http'] }, durationMinutes: 60, reason: 'rolling out the new load balancer' });
    const opened = await tick([
      [web.http, 'down'],
      [web.tcp, 'up'],
    ]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual([]);
    const [held] = await deliveries(core, { incidentId: opened.opened[0]?.id });
    expect(held?.state).toBe('silenced');

    // Only web-1 has an HTTP check: the preview covers it and not bare-1, and finds its open incident.
    const preview = await call<MatchPreview>(core, 'alerts.previewMatch', { match: { checkTypes: ['http'] } });
    expect(preview.servers).toEqual({ total: 1, names: ['web-1'] });
    expect(preview.incidents.items.map((each) => each.serverName)).toEqual(['web-1']);

    const bad = await refused(core, 'alerts.createRule', { name: 'typo', match: { checkTypes: ['htp'] }, channelIds: [] });
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(bad.issues)).toContain('A check type: ');
  });
});
