import { describe, expect, it, vi } from 'vitest';
import type { Check, CheckSpec } from '@shared/api/checks';
import type { CreatedServer } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import { success, useTempCore } from '../testing/harness';

/**
 * The health engine follows the inventory change by change: adding, moving or deleting a server
 * re-reads that server only, so the 5,000th add costs what the first did; an import (which names
 * no servers) reads everything again.
 */

const env = useTempCore({ prefix: 'guardian-inventory-changes-' });

const call = async <T>(name: string, input: unknown) => success<T>(await env.core.router.call(LOCAL_OWNER, name, input, { origin: 'test' }));
const addServer = (name: string, host: string) => call<CreatedServer>('servers.create', { name, host });

describe('the health engine and inventory changes', () => {
  it('adds a server and its check without reading the fleet again', async () => {
    for (let i = 1; i <= 5; i += 1) await addServer(`web-${i}`, `10.0.0.${i}`);
    const reload = vi.spyOn(env.core.health.registry, 'load');
    const added = await addServer('web-6', '10.0.0.6');
    expect(reload).not.toHaveBeenCalled();
    const checkId = added.check?.id ?? '';
    expect(env.core.health.registry.find(checkId)?.host).toBe('10.0.0.6');
    expect(env.core.health.registry.servers().get(added.id)?.name).toBe('web-6');
    expect((await call<{ items: Check[] }>('checks.list', { serverId: added.id })).items.map((check) => check.id)).toEqual([checkId]);
  });

  it('moves the checks that log in to a server to its new host, and keeps its new name and tags', async () => {
    const server = await addServer('db-1', '10.0.1.1');
    // ssh-metrics names no host of its own: it follows its server's. (The default TCP check names the host it was made for.)
    const metrics = await env.core.health.registry.create({
      serverId: server.id,
      spec: { type: 'ssh-metrics', config: { port: 22 } } as CheckSpec,
      paused: true,
    });
    const reload = vi.spyOn(env.core.health.registry, 'load');
    await call('servers.update', { id: server.id, host: '10.0.1.99', name: 'db-primary', tags: ['sql'] });
    expect(reload).not.toHaveBeenCalled();
    expect(env.core.health.registry.find(metrics.id)?.host).toBe('10.0.1.99');
    expect(env.core.health.registry.find(server.check?.id ?? '')?.host).toBe('10.0.1.1');
    expect(env.core.health.registry.servers().get(server.id)).toMatchObject({ name: 'db-primary', host: '10.0.1.99', tags: ['sql'] });
  });

  it('takes a deleted server’s checks off the schedule and out of the engine', async () => {
    const keep = await addServer('keep', '10.0.2.1');
    const gone = await addServer('gone', '10.0.2.2');
    await call('servers.delete', { id: gone.id });
    expect(env.core.health.registry.find(gone.check?.id ?? '')).toBeUndefined();
    expect(env.core.health.registry.servers().has(gone.id)).toBe(false);
    expect(env.core.health.registry.find(keep.check?.id ?? '')).toBeDefined();
    expect([...env.core.health.registry.all()].map((check) => check.serverId)).toEqual([keep.id]);
  });
});
