import { AsyncResource } from 'node:async_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '@shared/api/servers';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { failure, success, useTempCore, type TempCore } from '../testing/harness';

/**
 * A change event goes out once the change has committed (docs/architecture.md §4): a window that
 * reads again on hearing it, over a connection of its own, finds the change. On PostgreSQL another
 * connection sees nothing before the commit, so an event sent from inside the transaction made the
 * servers page miss the server just added.
 */

let env: TempCore;
const CALL = { origin: 'test' };

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-after-commit-', engine });
  beforeAll(() => {
    env = onEngine;
  });

  /** Reads the servers' names on hearing each servers.changed, as another window would: outside the call that sent it. */
  function readsOnChange(core: Core): Promise<string[]>[] {
    const reads: Promise<string[]>[] = [];
    // Bound here, outside any call: what it runs joins no transaction, as a request over another connection would not.
    const elsewhere = AsyncResource.bind((read: () => Promise<string[]>) => read());
    core.events.subscribe((name) => {
      if (name !== 'servers.changed') return;
      reads.push(
        elsewhere(async () => success<{ items: Server[] }>(await core.router.call(LOCAL_OWNER, 'servers.list', {}, CALL)).items.map((server) => server.name)),
      );
    });
    return reads;
  }

  it('sends servers.changed once the server is stored: a read on hearing it finds the server', async () => {
    const reads = readsOnChange(env.core);
    success(await env.core.router.call(LOCAL_OWNER, 'servers.create', { name: 'web-1', host: 'web-1.example.net' }, CALL));
    expect(await Promise.all(reads)).toEqual([['web-1']]);
  });

  it('sends nothing for a change that did not happen', async () => {
    success(await env.core.router.call(LOCAL_OWNER, 'servers.create', { name: 'web-1', host: 'web-1.example.net', monitor: false }, CALL));
    const reads = readsOnChange(env.core);
    expect(failure(await env.core.router.call(LOCAL_OWNER, 'servers.create', { name: 'WEB-1', host: 'other.example.net', monitor: false }, CALL)).code).toBe(
      'CONFLICT',
    );
    expect(reads).toHaveLength(0);
  });
});
