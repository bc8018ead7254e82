import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape } from '@shared/api/errors';
import type { Me } from '@shared/api/auth';
import type { VaultStatus } from '@shared/api/vault';
import { LOCAL_OWNER, type Role } from '@shared/permissions';
import type { Core } from '@core/app';
import { CHEAP_SCRYPT, tempCore, type TempCore } from '@core/testing/harness';
import { configuredKeyFile } from '@core/vault/keyfile';
import { startHttpServer, type RunningHttpServer } from './http/server';
import { rowsOf } from '@core/testing/rows';

// Who may open, close and empty the vault over HTTP: a core behind the real HTTP server on
// 127.0.0.1, called with API keys and a browser session as a script or the web UI would.

const PASSPHRASE = 'correct horse battery staple';
const EXPORT_PASSPHRASE = 'an export passphrase for the test';
const ADMIN = { username: 'ada', password: 'amber rivers at noon' };
const CALL = { origin: 'test' };

interface Served {
  temp: TempCore;
  core: Core;
  server: RunningHttpServer;
  keys: Record<Role, string>;
}

const keysDir = mkdtempSync(join(tmpdir(), 'guardian-vault-access-keys-'));
const keyFile = join(keysDir, 'vault.key');
writeFileSync(keyFile, randomBytes(64), { mode: 0o400 });
const served: Served[] = [];

/** A fresh core whose vault has a key file slot (the file the service was given) and a passphrase slot, one API key per role. */
async function serve(): Promise<Served> {
  const temp = await tempCore({ prefix: 'guardian-vault-access-', vaultScryptCost: CHEAP_SCRYPT, vaultKeyFile: configuredKeyFile(keyFile) });
  const { core } = temp;
  await core.router.invoke(LOCAL_OWNER, 'vault.init', { slot: { kind: 'keyfile' } }, CALL);
  await core.router.invoke(LOCAL_OWNER, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } }, CALL);
  await core.secrets.create(
    { name: 'db root', tags: [], serverIds: [], username: 'root', value: { kind: 'password', password: 'the-db-root-password' } },
    'test',
  );
  const keys = {} as Record<Role, string>;
  for (const role of ['owner', 'admin', 'operator', 'viewer', 'auditor'] as const) {
    keys[role] = (await core.apiKeys.create({ name: `key-${role}`, role, createdBy: 'system:test', grantor: LOCAL_OWNER })).token;
  }
  const server = await startHttpServer({ core, host: '127.0.0.1', port: 0 });
  const running = { temp, core, server, keys };
  served.push(running);
  return running;
}

afterAll(async () => {
  for (const { server, temp } of served) {
    await server.close();
    await temp.close();
  }
  rmSync(keysDir, { recursive: true, force: true });
});

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

async function send<T = unknown>(at: Served, verb: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer<T>> {
  const response = await fetch(new URL(path, at.server.url), {
    method: verb,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

const withKey = (at: Served, role: Role) => ({ authorization: `Bearer ${at.keys[role]}` });
const errorOf = (answer: Answer<unknown>) => AppErrorShape.parse((answer.body as { error?: unknown }).error);

/** A browser's session for a signed-in admin: cookie and CSRF token, as the web UI holds them. */
async function signInAdmin(at: Served): Promise<Record<string, string>> {
  await at.core.accounts.create(null, { ...ADMIN, role: 'admin', mustChangePassword: false });
  const answer = await send<Me>(at, 'POST', 'api/v1/auth/login', ADMIN, {});
  expect(answer.status).toBe(200);
  const cookie =
    answer.headers
      .getSetCookie()
      .find((line) => line.startsWith('guardian_session='))
      ?.split(';')[0] ?? '';
  return { cookie, 'x-csrf-token': answer.body.csrfToken };
}

const auditOf = (at: Served, action: string) =>
  rowsOf(at.core).all<{ actor: string; outcome: string }>('SELECT actor, outcome FROM audit_events WHERE action = ? ORDER BY seq', action);

describe('vault.export over HTTP: what reveal needs', () => {
  let at: Served;
  beforeAll(async () => {
    at = await serve();
  });

  it('refuses an admin API key: an export is every secret in clear to whoever chose its passphrase', async () => {
    const answer = await send(at, 'POST', 'api/v1/vault/export', { passphrase: EXPORT_PASSPHRASE }, withKey(at, 'admin'));
    expect(answer.status).toBe(403);
    expect(errorOf(answer)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/signed-in person/) });
    expect(JSON.stringify(answer.body)).not.toContain('sealed');
  });

  it('asks a signed-in admin to re-authenticate first, then exports, every attempt audited', async () => {
    const session = await signInAdmin(at);
    const early = await send(at, 'POST', 'api/v1/vault/export', { passphrase: EXPORT_PASSPHRASE }, session);
    expect(early.status).toBe(403);
    expect(errorOf(early).code).toBe('REAUTH_REQUIRED');

    expect((await send(at, 'POST', 'api/v1/auth/reauth', { password: ADMIN.password }, session)).status).toBe(200);
    const exported = await send<{ fileName: string; count: number; content: string }>(
      at,
      'POST',
      'api/v1/vault/export',
      { passphrase: EXPORT_PASSPHRASE },
      session,
    );
    expect(exported.status).toBe(200);
    expect(exported.body.count).toBe(1);
    expect(exported.body.content).not.toContain('the-db-root-password');

    expect((await auditOf(at, 'vault.export')).map((row) => row.outcome)).toEqual(['PERMISSION_DENIED', 'REAUTH_REQUIRED', 'ok']);
  });
});

describe('vault.unlock and vault.lock over HTTP', () => {
  let at: Served;
  beforeAll(async () => {
    at = await serve();
  });
  const status = async () => (await send<VaultStatus>(at, 'GET', 'api/v1/vault', undefined, withKey(at, 'owner'))).body;

  it.each(['auditor', 'operator'] as const)('refuses an %s key both, with 403, and the vault stays as it was', async (role) => {
    const lock = await send(at, 'POST', 'api/v1/vault/lock', {}, withKey(at, role));
    expect(lock.status).toBe(403);
    expect(errorOf(lock)).toMatchObject({ code: 'PERMISSION_DENIED', hint: expect.stringMatching(/vault:admin/) });
    expect((await status()).locked).toBe(false);

    await send(at, 'POST', 'api/v1/vault/lock', {}, withKey(at, 'admin'));
    const unlock = await send(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'keyfile' } }, withKey(at, role));
    expect(unlock.status).toBe(403);
    expect(errorOf(unlock).code).toBe('PERMISSION_DENIED');
    expect((await status()).locked).toBe(true);
    expect((await send(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'keyfile' } }, withKey(at, 'admin'))).status).toBe(200);
  });

  it('refuses a key file path from the caller, whatever it names: only the file this Guardian was given opens it', async () => {
    await send(at, 'POST', 'api/v1/vault/lock', {}, withKey(at, 'admin'));
    for (const path of ['/dev/zero', keyFile, join(keysDir, 'missing.key')]) {
      const unlock = await send(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'keyfile', path } }, withKey(at, 'admin'));
      expect(unlock.status).toBe(400);
      expect(errorOf(unlock)).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['with'], message: 'Unrecognized key: "path"' }] });
      // Nothing about the file: whether it exists, its size.
      expect(JSON.stringify(unlock.body)).not.toMatch(/ENOENT|bytes|EISDIR/);
    }
    const added = await send(at, 'POST', 'api/v1/vault/slots', { slot: { kind: 'keyfile', path: keyFile } }, withKey(at, 'admin'));
    expect(added.status).toBe(400);
    expect(errorOf(added).code).toBe('VALIDATION_FAILED');
    const unlocked = await send<VaultStatus>(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'keyfile' } }, withKey(at, 'admin'));
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ locked: false, keyFile: { source: 'configured' } });
  });
});

describe('guessing the vault passphrase over HTTP', () => {
  it('is stopped after 5 wrong guesses from the same caller with 429 RATE_LIMITED and how long to wait, even with the right one', async () => {
    const at = await serve();
    await send(at, 'POST', 'api/v1/vault/lock', {}, withKey(at, 'admin'));
    const guess = (passphrase: string) => send(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'passphrase', passphrase } }, withKey(at, 'admin'));
    for (let i = 0; i < 5; i++) expect(errorOf(await guess(`wrong guess number ${i}`)).code).toBe('VAULT_BAD_PASSPHRASE');

    const stopped = await guess(PASSPHRASE);
    expect(stopped.status).toBe(429);
    expect(errorOf(stopped)).toMatchObject({ code: 'RATE_LIMITED', retryable: true, hint: expect.stringMatching(/try again in 15 minutes/) });
    // The same address with another key is stopped too: the count is per origin as well as per caller.
    expect((await send(at, 'POST', 'api/v1/vault/unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } }, withKey(at, 'owner'))).status).toBe(429);
    expect((await at.core.vault.status()).locked).toBe(true);
  });
});
