import { describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/api/errors';
import type { Secret } from '@shared/api/vault';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import { CHEAP_SCRYPT, success, useTempCore } from '../testing/harness';

// SecretStore.use(): the one place every consumer (checks now; alerts, operations, backups later)
// gets secret material, and the one place that decides where it may go.

const env = useTempCore({ vaultScryptCost: CHEAP_SCRYPT });
const CALL = { origin: 'test' };
const operator: Principal = { kind: 'apiKey', id: 'op', name: 'operator key', role: 'operator' };
const limitedAdmin: Principal = { kind: 'apiKey', id: 'lim', name: 'admin without reveal', role: 'admin', permissions: ['servers:write', 'vault:write'] };

async function caught(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

async function setUp() {
  const { core } = env;
  const call = async <T>(name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
  await call('vault.init', { slot: { kind: 'passphrase', passphrase: 'correct horse battery staple' } });
  const web = await call<{ id: string }>('servers.create', { name: 'web', host: 'Web-1.Example.com', port: 22 });
  const db = await call<{ id: string }>('servers.create', { name: 'db', host: '2001:db8::5', port: 22 });
  const secret = await call<Secret>('secrets.create', {
    name: 'deploy',
    username: 'deploy',
    serverIds: [web.id, db.id],
    value: { kind: 'password', password: 'pw-1' },
  });
  return { core, web, db, secret };
}

describe('SecretStore.use', () => {
  it('hands the secret to a server it is linked to, at that server’s host, and records who used it', async () => {
    const { core, web, db, secret } = await setUp();
    expect(await core.secrets.use(secret.id, { usedBy: 'check:1', serverId: web.id, host: 'web-1.example.com.' })).toEqual({
      value: { kind: 'password', password: 'pw-1' },
      username: 'deploy',
    });
    expect((await core.secrets.use(secret.id, { usedBy: 'check:2', serverId: db.id, host: '[2001:db8::5]' })).value.kind).toBe('password');
    // The last use is written once the use is over; nobody waits for it.
    await vi.waitFor(async () => expect((await core.secrets.list({})).find((s) => s.id === secret.id)?.lastUsedBy).toBe('check:2'));
  });

  it('refuses a server the secret is not linked to, another host, or no server, and records no use', async () => {
    const { core, web, secret } = await setUp();
    const other = success<{ id: string }>(await core.router.call(LOCAL_OWNER, 'servers.create', { name: 'other', host: '10.0.0.9', port: 22 }, CALL));

    const unlinked = await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: other.id, host: '10.0.0.9', principal: operator }));
    expect(unlinked).toMatchObject({ code: 'PERMISSION_DENIED', message: 'The secret "deploy" is not linked to the server "other".' });
    expect(unlinked.hint).toMatch(/^Link the secret to this server on the Vault page/);

    const elsewhere = await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: web.id, host: 'rogue.example.net' }));
    expect(elsewhere).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'The secret "deploy" may only be sent to the host of "web" (web-1.example.com), not to rogue.example.net.',
    });
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: web.id, host: '' }))).code).toBe('PERMISSION_DENIED');
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: null, host: 'web-1.example.com' }))).code).toBe('PERMISSION_DENIED');
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: 'no-such-server', host: 'web-1.example.com' }))).code).toBe(
      'PERMISSION_DENIED',
    );
    // An API key whose role has vault:reveal but which was not given it is held to the links too.
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: other.id, host: '10.0.0.9', principal: limitedAdmin }))).code).toBe(
      'PERMISSION_DENIED',
    );
    expect((await core.secrets.list({})).find((s) => s.id === secret.id)?.lastUsedBy).toBeNull();
  });

  it('refuses by the links even while the vault is locked, before anything is opened', async () => {
    const { core, secret } = await setUp();
    core.vault.lock();
    expect((await caught(() => core.secrets.authorizeUse(secret.id, { serverId: null, host: 'rogue.example.net' }))).code).toBe('PERMISSION_DENIED');
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: null, host: 'rogue.example.net' }))).code).toBe('PERMISSION_DENIED');
  });

  it('lets a principal who may reveal the secret use it anywhere', async () => {
    const { core, secret } = await setUp();
    expect(
      (await core.secrets.use(secret.id, { usedBy: 'check-test:user:o', serverId: null, host: 'anywhere.example.org', principal: LOCAL_OWNER })).value,
    ).toEqual({
      kind: 'password',
      password: 'pw-1',
    });
    await vi.waitFor(async () => expect((await core.secrets.list({})).find((s) => s.id === secret.id)?.lastUsedBy).toBe('check-test:user:o'));
  });
});

describe('links follow a server’s host', () => {
  it('unlinks a server’s secrets when its host changes, by edit or by import, and keeps them when it does not', async () => {
    const { core, web, db, secret } = await setUp();
    await core.servers.upsertByName({
      name: 'web',
      host: 'web-1.example.com',
      port: 2222,
      user: null,
      environment: 'production',
      tags: ['moved-port'],
      notes: '',
    });
    expect((await core.secrets.list({})).find((s) => s.id === secret.id)?.serverIds).toEqual([web.id, db.id]);

    await core.servers.upsertByName({ name: 'web', host: 'web-2.example.com', port: 2222, user: null, environment: 'production', tags: [], notes: '' });
    expect((await core.secrets.list({})).find((s) => s.id === secret.id)).toMatchObject({ serverIds: [db.id], updatedBy: 'system:server-host-changed' });
    success(await core.router.call(LOCAL_OWNER, 'servers.update', { id: db.id, host: '2001:db8::6' }, CALL));
    expect((await core.secrets.list({})).find((s) => s.id === secret.id)?.serverIds).toEqual([]);
    expect((await caught(() => core.secrets.use(secret.id, { usedBy: 'check:x', serverId: db.id, host: '2001:db8::6' }))).code).toBe('PERMISSION_DENIED');
  });

  it('lets only a principal who may reveal a stored secret link it to more servers, unless the value comes with the link', async () => {
    const { core, secret } = await setUp();
    const other = success<{ id: string }>(await core.router.call(LOCAL_OWNER, 'servers.create', { name: 'other', host: '10.0.0.9', port: 22 }, CALL));
    const linkAs = (principal: Principal, fields: Record<string, unknown>) => core.router.call(principal, 'secrets.update', { id: secret.id, ...fields }, CALL);
    const serverIds = [...secret.serverIds, other.id];
    const refused = await linkAs(operator, { serverIds });
    expect(refused).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect((await linkAs(operator, { serverIds, value: { kind: 'password', password: 'pw-2' } })).ok).toBe(true);
    expect((await linkAs(operator, { serverIds: [other.id] })).ok).toBe(true);
    expect((await linkAs(LOCAL_OWNER, { serverIds })).ok).toBe(true);
  });
});
