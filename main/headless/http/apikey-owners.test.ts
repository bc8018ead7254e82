import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey, User } from '@shared/api/users';
import { LOCAL_OWNER } from '@shared/permissions';
import { bearer, errorOf, send, type BrowserSession } from '../testing/http-client';
import { serveTempCore, signedInAccount, type ServedCore } from '../testing/served-core';

// API keys act for the account that made them, over the real HTTP server: never more than that
// account may do now, never after it is disabled or deleted, and never managing accounts or
// keys unless an owner allowed it. Owners' sessions and keys are out of an admin's reach.

let served: ServedCore;
let owner: BrowserSession;
let serial = 0;

beforeAll(async () => {
  served = await serveTempCore({ prefix: 'guardian-apikey-owners-' });
  owner = await signedInAccount(served, { username: 'olivia', password: 'violet tulips at dawn', role: 'owner' });
});
afterAll(() => served.close());

/** A new admin, signed in. */
async function newAdmin(): Promise<BrowserSession & { id: string }> {
  serial += 1;
  return signedInAccount(served, { username: `admin-${serial}`, password: `amber rivers at dusk ${serial}`, role: 'admin' });
}

async function createKey(headers: Record<string, string>, body: Record<string, unknown>) {
  return send<{ key: ApiKey; token: string }>(served.url, 'POST', 'api/v1/apikeys', { headers, body });
}

/** A key the signed-in person makes for themself. */
async function keyOf(person: BrowserSession, role = 'admin'): Promise<{ key: ApiKey; headers: Record<string, string> }> {
  const made = await createKey(person.write, { name: `key-${++serial}`, role });
  expect(made.status, made.text).toBe(200);
  return { key: made.body.key, headers: bearer(made.body.token) };
}

const status = async (headers: Record<string, string>, path = 'api/v1/users') => (await send(served.url, 'GET', path, { headers })).status;

const setRole = async (id: string, role: string) =>
  expect((await send(served.url, 'PATCH', `api/v1/users/${id}`, { headers: owner.write, body: { role } })).status).toBe(200);

const allowKeysToManageAccess = async (allowed: boolean) => {
  const answer = await send(served.url, 'PUT', 'api/v1/security/settings', { headers: owner.write, body: { apiKeysMayManageAccess: allowed } });
  expect(answer).toMatchObject({ status: 200, body: { apiKeysMayManageAccess: allowed } });
};

describe('an API key', () => {
  it('belongs to the person who made it, as the list shows', async () => {
    const ada = await newAdmin();
    const { key } = await keyOf(ada);
    expect(key.owner).toEqual({ id: ada.id, username: ada.me.username, role: 'admin' });
    const listed = await send<{ items: ApiKey[] }>(served.url, 'GET', 'api/v1/apikeys', { headers: owner.read });
    expect(listed.body.items.find((item) => item.id === key.id)?.owner).toEqual({ id: ada.id, username: ada.me.username, role: 'admin' });
  });

  it('never does more than its owner’s role now: a demotion narrows it at once, a promotion back restores it', async () => {
    const ada = await newAdmin();
    const { headers } = await keyOf(ada);
    expect(await status(headers)).toBe(200);

    await setRole(ada.id, 'viewer');
    expect(await status(headers)).toBe(403);
    expect(await status(headers, 'api/v1/servers')).toBe(200);

    await setRole(ada.id, 'admin');
    expect(await status(headers)).toBe(200);
  });

  it('stops for good when its owner is disabled, and goes when the owner is deleted', async () => {
    const ada = await newAdmin();
    const { key, headers } = await keyOf(ada);
    expect((await send(served.url, 'POST', `api/v1/users/${ada.id}/disable`, { headers: owner.write })).status).toBe(200);
    expect(await status(headers)).toBe(401);
    expect((await send(served.url, 'POST', `api/v1/users/${ada.id}/enable`, { headers: owner.write })).status).toBe(200);
    expect(await status(headers)).toBe(401);

    const bob = await newAdmin();
    const second = await keyOf(bob);
    expect((await send(served.url, 'DELETE', `api/v1/users/${bob.id}`, { headers: owner.write })).status).toBe(200);
    expect(await status(second.headers)).toBe(401);
    const listed = await send<{ items: ApiKey[] }>(served.url, 'GET', 'api/v1/apikeys', { headers: owner.read });
    expect(listed.body.items.find((item) => item.id === key.id)?.revokedAt).toEqual(expect.any(Number));
    expect(listed.body.items.map((item) => item.id)).not.toContain(second.key.id);
  });

  it('may not create accounts or keys, nor allow itself to, until a signed-in owner allows it', async () => {
    const ada = await newAdmin();
    const { headers } = await keyOf(ada);
    const person = { username: `made-by-key-${serial}`, role: 'admin', password: 'temporary sentence 1234' };

    const user = await send(served.url, 'POST', 'api/v1/users', { headers, body: person });
    expect(user.status).toBe(403);
    expect(errorOf(user)).toMatchObject({ code: 'PERMISSION_DENIED', message: 'API keys may not create or change accounts, or create keys.' });
    expect(errorOf(user).hint).toContain('owner');
    expect((await createKey(headers, { name: 'successor', role: 'admin' })).status).toBe(403);
    expect((await send(served.url, 'POST', `api/v1/users/${ada.id}/disable`, { headers })).status).toBe(403);

    // Neither the key nor its admin may lift the rule; an owner key may not either.
    for (const who of [headers, ada.write, (await keyOf(owner, 'owner')).headers]) {
      const lifted = await send(served.url, 'PUT', 'api/v1/security/settings', { headers: who, body: { apiKeysMayManageAccess: true } });
      expect(lifted.status).toBe(403);
    }
    expect((await send(served.url, 'GET', 'api/v1/security/settings', { headers: owner.read })).body).toEqual({ apiKeysMayManageAccess: false });

    await allowKeysToManageAccess(true);
    try {
      const made = await send<User>(served.url, 'POST', 'api/v1/users', { headers, body: person });
      expect(made.status, made.text).toBe(200);
      const successor = await createKey(headers, { name: 'successor', role: 'admin' });
      expect(successor.status, successor.text).toBe(200);
      // The key a key makes acts for the same person, and goes with them.
      expect(successor.body.key.owner?.id).toBe(ada.id);
      expect((await send(served.url, 'POST', `api/v1/users/${ada.id}/disable`, { headers: owner.write })).status).toBe(200);
      expect(await status(bearer(successor.body.token))).toBe(401);
    } finally {
      await allowKeysToManageAccess(false);
    }
  });
});

describe('an admin', () => {
  it('may not sign out an owner’s session, nor revoke an owner’s key or a system owner key; an owner may', async () => {
    const ada = await newAdmin();
    const ownerSessions = await send<{ items: { id: string; userId: string }[] }>(served.url, 'GET', 'api/v1/sessions?all=true', { headers: ada.read });
    const ownerSession = ownerSessions.body.items.find((item) => item.userId === owner.me.id);
    if (!ownerSession) throw new Error('the owner’s session is not listed');
    const ownerKey = await keyOf(owner, 'admin');
    const systemKey = (await served.core.apiKeys.create({ name: 'bootstrap', role: 'owner', createdBy: 'system:local-owner', grantor: LOCAL_OWNER })).key;

    for (const path of [`api/v1/sessions/${ownerSession.id}/revoke`, `api/v1/apikeys/${ownerKey.key.id}/revoke`, `api/v1/apikeys/${systemKey.id}/revoke`]) {
      const refused = await send(served.url, 'POST', path, { headers: ada.write });
      expect(refused.status, path).toBe(403);
      expect(errorOf(refused).message).toMatch(/^Only an owner may/);
    }
    expect(await status(owner.read)).toBe(200);
    expect(await status(ownerKey.headers)).toBe(200);

    // An admin still manages other admins' sessions and keys; an owner manages all.
    const bob = await newAdmin();
    const bobsKey = await keyOf(bob);
    expect((await send(served.url, 'POST', `api/v1/apikeys/${bobsKey.key.id}/revoke`, { headers: ada.write })).status).toBe(200);
    for (const key of [ownerKey.key, systemKey]) {
      expect((await send(served.url, 'POST', `api/v1/apikeys/${key.id}/revoke`, { headers: owner.write })).status).toBe(200);
    }
  });
});
