import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '@shared/api/users';
import type { Principal } from '@shared/permissions';
import { failure, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';

const NOW = 1_767_225_600_000;
const HOUR = 3_600_000;
// Principals as a signed-in session yields them; creating a key needs no password hashing.
const OWNER: Principal = { kind: 'user', id: 'owner-1', name: 'olivia', role: 'owner' };
const ADMIN: Principal = { kind: 'user', id: 'admin-1', name: 'ada', role: 'admin' };

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-apikeys-', clock });
// Their accounts: a key acts for the account that made it.
beforeEach(async () => {
  for (const { id, name, role } of [OWNER, ADMIN]) {
    await rowsOf(env.core).run(
      `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'unused', false, false, false, 0, 0)`,
      id,
      name,
      name,
      role,
    );
  }
});

const call = (principal: Principal | null, method: string, input: unknown) => env.core.router.call(principal, method, input, { origin: 'http:127.0.0.1' });

async function createKey(input: object, by: Principal = OWNER): Promise<{ key: ApiKey; token: string }> {
  return success(await call(by, 'apikeys.create', { name: 'deploy script', role: 'operator', ...input }));
}

const keyRows = () => rowsOf(env.core).all('SELECT * FROM api_keys');
const listed = async () => success<{ items: ApiKey[] }>(await call(OWNER, 'apikeys.list', {})).items;

describe('creating an API key', () => {
  it('returns a gdn_ token once and stores only its SHA-256 hash', async () => {
    const { key, token } = await createKey({});

    expect(token).toMatch(/^gdn_[A-Za-z0-9_-]{43}$/);
    expect(key.prefix).toBe(token.slice(0, 10));
    const [row, ...others] = await keyRows();
    expect(others).toEqual([]);
    expect(row?.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    for (const value of Object.values(row ?? {})) expect(String(value)).not.toContain(token);
    expect(JSON.stringify(await listed())).not.toContain(token.slice(10));

    await env.core.close();
    for (const file of [env.core.paths.database, `${env.core.paths.database}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(token.slice(4))).toBe(false);
    }
  });

  it('cannot be given permissions outside its role', async () => {
    const error = failure(await call(OWNER, 'apikeys.create', { name: 'sneaky', role: 'viewer', permissions: ['servers:read', 'servers:write'] }));

    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['permissions'] }] });
    expect(error.message).toContain('servers:write');
    expect(await keyRows()).toEqual([]);
  });

  it('refuses an expiry in the past', async () => {
    expect(failure(await call(OWNER, 'apikeys.create', { name: 'old', role: 'viewer', expiresAt: NOW - 1 })).code).toBe('VALIDATION_FAILED');
    expect(await keyRows()).toEqual([]);
  });

  it('never gives a key more than its creator may do', async () => {
    // An admin may not manage owners, so neither may an admin's key.
    expect(failure(await call(ADMIN, 'apikeys.create', { name: 'escalate', role: 'owner' })).code).toBe('PERMISSION_DENIED');
    const { token } = await createKey({ role: 'admin', permissions: ['apikeys:write'] }, ADMIN);
    const limited = await env.core.apiKeys.authenticate(token, 'http:127.0.0.1');
    if (!limited) throw new Error('the new key does not authenticate');
    success(await call(OWNER, 'security.updateSettings', { apiKeysMayManageAccess: true }));

    expect(failure(await call(limited, 'apikeys.create', { name: 'wider', role: 'admin' })).code).toBe('PERMISSION_DENIED');
    expect(failure(await call(limited, 'apikeys.create', { name: 'wider', role: 'viewer' })).code).toBe('PERMISSION_DENIED');
    expect((await createKey({ role: 'admin', permissions: ['apikeys:write'] }, limited)).key.permissions).toEqual(['apikeys:write']);
    expect((await createKey({ role: 'owner' }, OWNER)).key.role).toBe('owner');
    expect(await keyRows()).toHaveLength(3);
  });
});

describe('authenticating with an API key', () => {
  it("stands for the key's role and records when and from where it was last used", async () => {
    const { key, token } = await createKey({});

    expect(await env.core.apiKeys.authenticate(token, 'http:192.0.2.10')).toEqual({
      kind: 'apiKey',
      id: key.id,
      name: 'deploy script',
      role: 'operator',
      permissions: undefined,
    });
    // The use is written in the background, outside the call: nobody waits for it.
    await vi.waitFor(async () => expect(await listed()).toEqual([expect.objectContaining({ lastUsedAt: NOW, lastUsedOrigin: 'http:192.0.2.10' })]), {
      timeout: 2000,
    });

    t += HOUR;
    await env.core.apiKeys.authenticate(token, 'http:192.0.2.20');
    await vi.waitFor(async () => expect(await listed()).toEqual([expect.objectContaining({ lastUsedAt: NOW + HOUR, lastUsedOrigin: 'http:192.0.2.20' })]), {
      timeout: 2000,
    });
  });

  it('knows nothing of a wrong or altered token', async () => {
    const { token } = await createKey({});
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

    expect(await env.core.apiKeys.authenticate(altered, 'http:192.0.2.10')).toBeNull();
    expect(await env.core.apiKeys.authenticate(token.slice(4), 'http:192.0.2.10')).toBeNull();
    expect(await env.core.apiKeys.authenticate('', 'http:192.0.2.10')).toBeNull();
    expect((await listed())[0]?.lastUsedAt).toBeNull();
  });

  it('stops working when it expires', async () => {
    const { token } = await createKey({ expiresAt: NOW + HOUR });

    t = NOW + HOUR - 1;
    expect(await env.core.apiKeys.authenticate(token, 'http:192.0.2.10')).not.toBeNull();
    t = NOW + HOUR;
    expect(await env.core.apiKeys.authenticate(token, 'http:192.0.2.10')).toBeNull();
  });

  it('stops working at the next call once revoked', async () => {
    const { key, token } = await createKey({});
    expect(await env.core.apiKeys.authenticate(token, 'http:192.0.2.10')).not.toBeNull();

    t += 1000;
    const revoked = success<ApiKey>(await call(OWNER, 'apikeys.revoke', { id: key.id }));

    expect(revoked.revokedAt).toBe(NOW + 1000);
    expect(await env.core.apiKeys.authenticate(token, 'http:192.0.2.10')).toBeNull();
  });

  it('limited to servers:read, lists servers but may not create one', async () => {
    const { token } = await createKey({ permissions: ['servers:read'] });
    const principal = await env.core.apiKeys.authenticate(token, 'http:192.0.2.10');

    expect(principal?.permissions).toEqual(['servers:read']);
    expect(success<{ items: unknown[] }>(await call(principal, 'servers.list', {})).items).toEqual([]);
    expect(failure(await call(principal, 'servers.create', { name: 'web-1', host: 'web-1.example.net' })).code).toBe('PERMISSION_DENIED');
    expect(failure(await call(principal, 'jobs.list', {})).code).toBe('PERMISSION_DENIED');
    expect(await rowsOf(env.core).get('SELECT count(*) AS n FROM servers')).toEqual({ n: 0 });
  });
});
