import { beforeEach, describe, expect, it } from 'vitest';
import type { MatchPreview } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Principal } from '@shared/permissions';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { useTempCore } from '../testing/harness';
import { call, refused, startAlertsCore, tick as tickAt } from './testing/incidents';

/**
 * "What would this match", as the rule and silence dialogs ask it while someone types a matcher:
 * the servers of the inventory a matcher covers and the incidents open now that it picks, on both
 * engines, for anyone who may see servers, and never a change.
 */

const viewer: Principal = { kind: 'user', id: 'viewer-1', name: 'vera', role: 'viewer' };

let time: FakeTime;
beforeEach(() => {
  time = new FakeTime(Date.now());
});

async function server(core: Core, name: string, tags: string[], environment: string): Promise<Check> {
  const created = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, tags, environment, monitor: false });
  return call<Check>(core, 'checks.create', {
    serverId: created.id,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const env = useTempCore({ prefix: 'guardian-alerts-preview-', lazy: true, engine });

  it('names the servers a matcher covers and the open incidents it picks, worst first, for a viewer too', async () => {
    const core = await startAlertsCore(env, time);
    const web1 = await server(core, 'web-1', ['web'], 'prod');
    const web2 = await server(core, 'web-2', ['web'], 'staging');
    const db = await server(core, 'db-1', ['db'], 'prod');
    await tickAt(core, time, [[web2, 'degraded']]);
    await time.advance(60_000);
    await tickAt(core, time, [
      [web1, 'down'],
      [db, 'down'],
    ]);
    const preview = (match: Record<string, unknown>, as?: Principal) => call<MatchPreview>(core, 'alerts.previewMatch', { match }, as);

    const web = await preview({ tags: ['web'] }, viewer);
    expect(web.servers).toEqual({ total: 2, names: ['web-1', 'web-2'] });
    // Down before degraded, then the oldest first.
    expect(web.incidents.items.map((each) => [each.serverName, each.severity])).toEqual([
      ['web-1', 'down'],
      ['web-2', 'degraded'],
    ]);

    // Severities narrow the incidents, never the servers a rule covers.
    const downInProd = await preview({ environments: ['prod'], severities: ['down'] });
    expect(downInProd.servers.names).toEqual(['db-1', 'web-1']);
    expect(downInProd.incidents).toMatchObject({ total: 2, items: [{ serverName: 'web-1' }, { serverName: 'db-1' }] });

    // An empty matcher is everything; one naming nothing there is nothing.
    expect((await preview({})).servers.total).toBe(3);
    expect(await preview({ tags: ['cache'] })).toEqual({ servers: { total: 0, names: [] }, incidents: { total: 0, items: [] } });

    // A server added since is covered at once.
    await server(core, 'web-3', ['web'], 'prod');
    expect((await preview({ tags: ['web'] })).servers.names).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('refuses a matcher the rules would refuse, naming the field', async () => {
    const core = await startAlertsCore(env, time);
    expect(await refused(core, 'alerts.previewMatch', { match: { severities: ['on fire'] } })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['match', 'severities', 0] }],
    });
    expect(await refused(core, 'alerts.previewMatch', { match: { serverIds: ['not-an-id'] } })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['match', 'serverIds', 0], message: 'Not a server id' }],
    });
  });
});
