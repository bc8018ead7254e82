import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '@shared/api/servers';
import type { ApiKey } from '@shared/api/users';
import { openEvents, type EventReader, type ServerSentEvent } from '../testing/events';
import { bearer, errorOf, send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// An open /api/v1/events stream must not outlive the right to read it: the caller's key or
// session is checked again before each event, over the real HTTP server.

let served: ServedCore;
let owner: BrowserSession;
let serial = 0;

beforeAll(async () => {
  served = await serveTempCore({ prefix: 'guardian-event-access-' });
  owner = await signedInAccount(served, { username: 'olivia', password: 'violet tulips at dawn', role: 'owner' });
});
afterAll(() => served.close());

/** The owner adds a server, which emits servers.changed to every stream that may see it. */
async function addServer(): Promise<string> {
  serial += 1;
  const created = await send<Server>(served.url, 'POST', 'api/v1/servers', {
    headers: owner.write,
    body: { name: `stream-${serial}`, host: `stream-${serial}.test` },
  });
  expect(created.status, created.text).toBe(200);
  return created.body.id;
}

const about = (id: string) => (event: ServerSentEvent) => event.event === 'servers.changed' && (event.data as { ids?: string[] }).ids?.includes(id) === true;

/** The stream hears the owner's first change; after `revoke`, the next change ends it unheard. */
async function endsAfter(stream: EventReader, revoke: () => Promise<void>): Promise<void> {
  try {
    await stream.waitFor(about(await addServer()));
    await revoke();
    const unheard = await addServer();
    await stream.ended();
    expect(stream.received.filter(about(unheard))).toEqual([]);
  } finally {
    stream.close();
  }
}

describe('the event stream', () => {
  it('ends for a viewer key once the key is revoked', async () => {
    const made = await send<{ key: ApiKey; token: string }>(served.url, 'POST', 'api/v1/apikeys', {
      headers: owner.write,
      body: { name: 'stream reader', role: 'viewer' },
    });
    expect(made.status, made.text).toBe(200);
    const key = bearer(made.body.token);

    await endsAfter(await openEvents(new URL('api/v1/events', served.url), key), async () => {
      expect((await send(served.url, 'POST', `api/v1/apikeys/${made.body.key.id}/revoke`, { headers: owner.write })).status).toBe(200);
    });
    const again = await send(served.url, 'GET', 'api/v1/events', { headers: key });
    expect(again.status).toBe(401);
    expect(errorOf(again).code).toBe('UNAUTHENTICATED');
  });

  it('ends for a session once it signs out', async () => {
    const viewer = await signedInAccount(served, { username: 'vera', password: 'quiet harbour lights', role: 'viewer' });

    await endsAfter(await openEvents(new URL('api/v1/events', served.url), viewer.read), async () => {
      expect((await send(served.url, 'POST', 'api/v1/auth/logout', { headers: viewer.write })).status).toBe(200);
    });
  });

  it('ends for an account that is disabled', async () => {
    const operator = await signedInAccount(served, { username: 'otto', password: 'granite steps at noon', role: 'operator' });

    await endsAfter(await openEvents(new URL('api/v1/events', served.url), operator.read), async () => {
      expect((await send(served.url, 'POST', `api/v1/users/${operator.id}/disable`, { headers: owner.write })).status).toBe(200);
    });
  });

  it('ends for an account whose role changes, and opens again with the new role', async () => {
    const admin = await signedInAccount(served, { username: 'ada', password: 'amber rivers at dusk', role: 'admin' });

    await endsAfter(await openEvents(new URL('api/v1/events', served.url), admin.read), async () => {
      const demoted = await send(served.url, 'PATCH', `api/v1/users/${admin.id}`, { headers: owner.write, body: { role: 'viewer' } });
      expect(demoted.status, demoted.text).toBe(200);
    });
    const reopened = await openEvents(new URL('api/v1/events', served.url), admin.read);
    try {
      await reopened.waitFor(about(await addServer()));
    } finally {
      reopened.close();
    }
  });
});
