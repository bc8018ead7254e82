import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Notification } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Job } from '@shared/api/jobs';
import { ImportSummary, type Server } from '@shared/api/servers';
import type { Core } from '../app';
import type { CheckStatus } from '../health/check';
import { FakeTime } from '../testing/fake-time';
import { useTempCore } from '../testing/harness';
import { call, channelAndRule, deliveries, refused, startAlertsCore, tick as tickAt } from './testing/incidents';
import { webhookReceiver, type Receiver } from './testing/receiver';

/**
 * Dependencies between servers (docs/alerts.md, "Dependencies"), on both engines, through the real
 * recorder, router and worker to a receiver on 127.0.0.1: a server behind a router that is down is
 * not news of its own, so its alerts are held back and shown as held by the router; if it is still
 * down once the router recovers, it is told then; if it recovered first, nobody hears of it.
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

async function serverWithCheck(core: Core, name: string, dependsOnId: string | null = null): Promise<{ server: Server; check: Check }> {
  const server = await call<Server>(core, 'servers.create', { name, host: `${name}.example`, dependsOnId, monitor: false });
  const check = await call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
  return { server, check };
}

const told = () =>
  receiver.received
    .map((r) =>
      r.verified.ok
        ? `${(r.verified.payload as { type: string }).type} ${(r.verified.payload as { data: { server: { name: string } } }).data.server.name}`
        : r.verified.error,
    )
    .sort();

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const env = useTempCore({ prefix: 'guardian-alerts-deps-', lazy: true, engine });

  async function fleet() {
    const core = await startAlertsCore(env, time);
    await channelAndRule(core, receiver.url, secrets);
    const router = await serverWithCheck(core, 'router-1');
    const web = await serverWithCheck(core, 'web-1', router.server.id);
    const tick = async (results: [Check, CheckStatus][]) => {
      await time.advance(1000);
      return tickAt(core, time, results);
    };
    return { core, router, web, tick };
  }
  const of = (items: Notification[], incidentId: string | undefined) => items.filter((n) => n.incidentId === incidentId);

  it('holds back a server’s alert while the server it sits behind is down, names it, and tells it once that one recovers', async () => {
    const { core, router, web, tick } = await fleet();
    const down = await tick([
      [router.check, 'down'],
      [web.check, 'down'],
    ]);
    const webIncident = down.opened.find((incident) => incident.serverName === 'web-1');
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened router-1']);
    const [held] = of(await deliveries(core, {}), webIncident?.id);
    expect(held).toMatchObject({ source: 'incident.opened', state: 'silenced', silenceId: null, heldBy: { serverName: 'router-1' } });

    // The router recovers while web-1 is still down: web-1's opening is told now, with its own id.
    await tick([
      [router.check, 'up'],
      [web.check, 'down'],
    ]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened router-1', 'incident.opened web-1', 'incident.resolved router-1']);
    expect(receiver.received.map((r) => r.id)).toContain(held?.id);

    // From then on web-1 is told as any server: its recovery goes out.
    await tick([[web.check, 'up']]);
    await core.alerts.worker.runOnce();
    expect(told()).toContain('incident.resolved web-1');
    expect(of(await deliveries(core, {}), webIncident?.id).map((n) => n.state)).toEqual(['delivered', 'delivered']);
  });

  it('tells nobody of a server that recovered while the server it sits behind was still down, and holds its escalation too', async () => {
    // The receiver's library refuses a timestamp five minutes from its own clock: start three minutes back.
    time = new FakeTime(Date.now() - 3 * 60_000);
    const { core, router, web, tick } = await fleet();
    const [rule] = (await call<{ items: { id: string }[] }>(core, 'alerts.rules', {})).items;
    await call(core, 'alerts.updateRule', { id: rule?.id, repeatMinutes: 5 });
    const down = await tick([
      [router.check, 'down'],
      [web.check, 'down'],
    ]);
    const webIncident = down.opened.find((incident) => incident.serverName === 'web-1');
    // Five minutes on, the router's repeat is due; web-1's is held with it.
    await time.advance(5 * 60_000);
    await core.alerts.service.escalate();
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened router-1', 'incident.unacknowledged router-1']);

    await tick([
      [router.check, 'down'],
      [web.check, 'up'],
    ]);
    await tick([[router.check, 'up']]);
    await core.alerts.worker.runOnce();
    expect(told()).toEqual(['incident.opened router-1', 'incident.resolved router-1', 'incident.unacknowledged router-1']);
    const webNotes = of(await deliveries(core, {}), webIncident?.id);
    expect(webNotes.map((n) => [n.source, n.state, n.heldBy?.serverName])).toEqual([
      ['incident.resolved', 'silenced', 'router-1'],
      ['incident.opened', 'silenced', 'router-1'],
    ]);
  });

  it('exports whom a server depends on by name and imports it again; a file that does not say keeps it, one naming no server is refused on its line', async () => {
    const { core, web } = await fleet();
    const importFile = async (format: string, content: string) => {
      const started = await call<Job>(core, 'servers.import', { format, content, monitor: false });
      const job = await core.jobs.waitFor(started.id);
      return ImportSummary.parse(job.result);
    };
    const parentOf = async () => (await call<Server>(core, 'servers.get', { id: web.server.id })).dependsOnId;
    const routerId = await parentOf();
    const json = await call<{ content: string }>(core, 'servers.export', { format: 'json' });
    expect(JSON.parse(json.content).servers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'web-1', dependsOn: 'router-1' })]));
    const csv = await call<{ content: string }>(core, 'servers.export', { format: 'csv' });
    expect(csv.content).toContain('web-1,web-1.example,22,,,,,,router-1');

    // The same files again change nothing; a file without the column leaves the link alone.
    expect(await importFile('json', json.content)).toMatchObject({ updated: 0, unchanged: 2, rejected: [] });
    expect(await importFile('csv', 'name,host\nweb-1,web-1.example\n')).toMatchObject({ unchanged: 1, rejected: [] });
    expect(await parentOf()).toBe(routerId);
    // "none" clears it; a name that is no server is refused on its line, the server kept as written.
    expect(await importFile('csv', 'name,host,depends_on\nweb-1,web-1.example,none\n')).toMatchObject({ updated: 1 });
    expect(await parentOf()).toBeNull();
    const ghost = await importFile('csv', 'name,host,depends_on\nweb-1,web-1.example,ghost\n');
    expect(ghost.rejected).toEqual([{ line: 2, name: 'web-1', reason: expect.stringContaining('Its server to depend on "ghost" is not a server') }]);
    const byId = await importFile('json', JSON.stringify([{ name: 'web-1', host: 'web-1.example', dependsOnId: routerId }]));
    expect(byId.rejected).toEqual([{ line: 1, name: 'web-1', reason: 'dependsOn: the name of a server, or null for none' }]);
  });

  it('refuses a server depending on itself, on one that depends on it, or on none such, and a removed parent frees those behind it', async () => {
    const { core, router, web } = await fleet();
    const refusal = (id: string, dependsOnId: string) => refused(core, 'servers.update', { id, dependsOnId });
    expect(await refusal(router.server.id, router.server.id)).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['dependsOnId'], message: 'router-1 cannot depend on itself.' }],
    });
    expect(await refusal(router.server.id, web.server.id)).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'web-1 already depends on router-1: router-1 → web-1 → router-1 would be a loop.',
      issues: [{ path: ['dependsOnId'] }],
    });
    expect(await refusal(web.server.id, '0b7a3f52-1111-4222-8333-444455556666')).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['dependsOnId'] }],
    });

    await call(core, 'servers.delete', { id: router.server.id });
    expect(await call<Server>(core, 'servers.get', { id: web.server.id })).toMatchObject({ dependsOnId: null });
  });
});
