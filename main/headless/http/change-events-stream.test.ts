import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { Server } from '@shared/api/servers';
import type { User } from '@shared/api/users';
import { openEvents, type ServerSentEvent } from '../testing/events';
import { send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// The browser refreshes from change events alone (renderer/src/api/hooks.ts), so the caller's
// own changes must come back on its own event stream, and each stream carries only the changes
// its caller may read. Over the real HTTP server.

let served: ServedCore;
let owner: BrowserSession;

beforeAll(async () => {
  served = await serveTempCore({ prefix: 'guardian-change-stream-' });
  owner = await signedInAccount(served, { username: 'olivia', password: 'violet tulips at dawn', role: 'owner' });
});
afterAll(() => served.close());

const about = (name: string, id: string) => (event: ServerSentEvent) => event.event === name && (event.data as { ids?: string[] }).ids?.includes(id) === true;

describe('change events over the event stream', () => {
  it('come back to the session that made the change', async () => {
    const stream = await openEvents(new URL('api/v1/events', served.url), owner.read);
    try {
      const server = await send<Server>(served.url, 'POST', 'api/v1/servers', {
        headers: owner.write,
        body: { name: 'own-1', host: 'own-1.test', monitor: false },
      });
      expect(server.status, server.text).toBe(200);
      const check = await send<Check>(served.url, 'POST', 'api/v1/checks', {
        headers: owner.write,
        body: { serverId: server.body.id, spec: { type: 'tcp', config: { host: 'own-1.test', port: 22 } }, paused: true },
      });
      expect(check.status, check.text).toBe(200);

      const heard = await stream.waitFor(about('checks.changed', check.body.id));
      expect(heard.data).toEqual({ change: 'created', ids: [check.body.id] });
    } finally {
      stream.close();
    }
  });

  it('reach only those who may read what changed', async () => {
    const viewer = await signedInAccount(served, { username: 'vera', password: 'quiet harbour lights', role: 'viewer' });
    const stream = await openEvents(new URL('api/v1/events', served.url), viewer.read);
    try {
      // Accounts are not a viewer's to read: the change goes by unheard.
      const user = await send<User>(served.url, 'POST', 'api/v1/users', {
        headers: owner.write,
        body: { username: 'nadia', role: 'viewer', password: 'a long sentence for nadia 7' },
      });
      expect(user.status, user.text).toBe(200);
      // Servers are: events arrive in order, so once this one is here the account's would be too.
      const server = await send<Server>(served.url, 'POST', 'api/v1/servers', {
        headers: owner.write,
        body: { name: 'seen-1', host: 'seen-1.test', monitor: false },
      });
      expect(server.status, server.text).toBe(200);
      await stream.waitFor(about('servers.changed', server.body.id));

      expect(stream.received.filter((event) => event.event === 'users.changed')).toEqual([]);
    } finally {
      stream.close();
    }
  });
});
