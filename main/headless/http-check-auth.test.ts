import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@shared/api/audit';
import type { AppErrorShape } from '@shared/api/errors';
import type { Check } from '@shared/api/checks';
import type { Server } from '@shared/api/servers';
import type { Secret } from '@shared/api/vault';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian, tempDir } from './testing/guardian';

// Issue 14 #5: HTTP check credentials were stored, listed, audited and re-sent in clear. They now
// come from the vault (bound to the check's server like every credential), free-form credential
// headers and URL user info are refused, older checks lose theirs when the database is opened,
// and a redirect to another origin gets no credential.

let guardian: Guardian;
let keys: { owner: string; operator: string; viewer: string };
let server: Server;
const LEGACY = { header: `legacy-bearer-${randomUUID()}`, url: `legacy-url-pw-${randomUUID()}` };
const TOKEN = `vault-token-${randomUUID()}`;

/** A real HTTP server on 127.0.0.1 that records the headers of every request and answers by path. */
interface Peer {
  port: number;
  origin: string;
  seen: Array<{ path: string; headers: IncomingHttpHeaders }>;
  server: HttpServer;
}
const peers: Peer[] = [];
async function startPeer(route: (path: string) => { status: number; location?: string }): Promise<Peer> {
  const seen: Peer['seen'] = [];
  const server = createServer((request, response) => {
    seen.push({ path: request.url ?? '', headers: request.headers });
    const { status, location } = route(request.url ?? '');
    response.writeHead(status, location ? { location } : {}).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const peer = { port, origin: `http://127.0.0.1:${port}`, seen, server };
  peers.push(peer);
  return peer;
}

async function call<T>(verb: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers: { authorization: `Bearer ${token ?? keys.owner}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as T & { error: AppErrorShape };
  return { status: response.status, text, body: parsed, error: parsed.error };
}

async function apiKey(dataDir: string, role: string): Promise<string> {
  const made = await runCli(['apikey', 'create', '--name', role, '--role', role, '--json', '--data-dir', dataDir], { timeoutMs: 120_000 });
  if (made.code !== 0) throw new Error(made.stderr);
  return (JSON.parse(made.stdout) as { token: string }).token;
}

/** What an older Guardian could store: a check with an Authorization header and a password in its URL. */
function storeLegacyCheck(dataDir: string): string {
  const db = new Database(join(dataDir, 'guardian.db'));
  const serverId = randomUUID();
  const checkId = randomUUID();
  const now = Date.now();
  db.prepare(
    `INSERT INTO servers (id, name, host, port, user, environment, tags, notes, created_at, updated_at) VALUES (?, 'legacy', '127.0.0.9', 80, NULL, 'production', '[]', '', ?, ?)`,
  ).run(serverId, now, now);
  const config = {
    url: `http://monitor:${LEGACY.url}@127.0.0.9/health`,
    method: 'GET',
    headers: { Authorization: `Bearer ${LEGACY.header}`, Accept: 'text/plain' },
  };
  db.prepare(
    `INSERT INTO checks (id, server_id, name, type, config, interval_ms, timeout_ms, retries, confirm_after, paused, created_at, updated_at) VALUES (?, ?, 'legacy http', 'http', ?, 60000, 1000, 0, 1, 1, ?, ?)`,
  ).run(checkId, serverId, JSON.stringify(config), now, now);
  db.close();
  return checkId;
}

let legacyCheckId: string;

beforeAll(async () => {
  const dataDir = tempDir();
  // The first CLI run creates the database; the others can then share it.
  const owner = await apiKey(dataDir, 'owner');
  const [operator, viewer] = await Promise.all([apiKey(dataDir, 'operator'), apiKey(dataDir, 'viewer')]);
  keys = { owner, operator, viewer };
  legacyCheckId = storeLegacyCheck(dataDir);
  guardian = await startGuardian({ dataDir, apiKey: false, timeoutMs: 120_000 });
  expect((await call('POST', 'api/v1/vault/init', { slot: { kind: 'passphrase', passphrase: 'correct horse battery staple' } })).status).toBe(200);
  server = (await call<Server>('POST', 'api/v1/servers', { name: 'web', host: '127.0.0.1', port: 80 })).body;
}, 300_000);

afterAll(async () => {
  for (const peer of peers) peer.server.close();
  await cleanUp();
});

const httpCheck = (config: Record<string, unknown>) => ({ serverId: server.id, spec: { type: 'http', config }, retries: 0, confirmAfter: 1 });

describe('HTTP check credentials', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('refuses credentials in free-form headers or in the URL, and the audit log never holds them', async () => {
    const header = await call(
      'POST',
      'api/v1/checks',
      httpCheck({ url: 'http://127.0.0.1/health', headers: { Authorization: 'Bearer s3cr3t-header' } }),
      keys.operator,
    );
    expect(header.status).toBe(400);
    expect(header.error.code).toBe('VALIDATION_FAILED');
    expect(header.error.issues).toContainEqual({
      path: ['spec', 'config', 'headers', 'Authorization'],
      message: 'Authorization carries a credential: store it in the vault and choose it under Authentication',
    });
    for (const headers of [
      { Cookie: 'sid=s3cr3t-cookie' },
      { 'X-Api-Key': 's3cr3t-apikey' },
      { 'X-Auth-Token': 's3cr3t-token' },
      { 'X-Anything': 'Bearer s3cr3t-value' },
    ]) {
      expect((await call('POST', 'api/v1/checks', httpCheck({ url: 'http://127.0.0.1/health', headers }), keys.operator)).status).toBe(400);
    }
    const url = await call('POST', 'api/v1/checks', httpCheck({ url: 'http://monitor:s3cr3t-url@127.0.0.1/health' }), keys.operator);
    expect(url.status).toBe(400);
    expect(url.error.issues?.[0]?.message).toMatch(/^A URL may not hold a user name or password: store it in the vault/);
    expect(header.text + url.text).not.toMatch(/s3cr3t/);

    const audit = await call<{ items: AuditEvent[] }>('GET', 'api/v1/audit?action=checks.create');
    expect(audit.body.items.length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(audit.body.items)).not.toMatch(/s3cr3t/);
  });

  it('sends the vault credential to the check’s server and drops it on a redirect to another origin', async () => {
    const away = await startPeer(() => ({ status: 200 }));
    const home = await startPeer((path) =>
      path === '/start' ? { status: 302, location: '/same' } : path === '/same' ? { status: 302, location: `${away.origin}/landed` } : { status: 200 },
    );
    const token = (await call<Secret>('POST', 'api/v1/secrets', { name: 'api token', serverIds: [server.id], value: { kind: 'api_token', token: TOKEN } }))
      .body;
    const created = await call<Check>(
      'POST',
      'api/v1/checks',
      httpCheck({ url: `${home.origin}/start`, auth: { kind: 'bearer', credentialId: token.id } }),
      keys.operator,
    );
    expect(created.status).toBe(200);
    const ran = await call<{ status: string; message: string }>('POST', `api/v1/checks/${created.body.id}/run`, {}, keys.operator);
    expect(ran.body.status).toBe('up');

    expect(home.seen.map((hop) => [hop.path, hop.headers.authorization])).toEqual([
      ['/start', `Bearer ${TOKEN}`],
      ['/same', `Bearer ${TOKEN}`],
    ]);
    expect(away.seen).toHaveLength(1);
    expect(away.seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(away.seen[0]?.headers)).not.toContain(TOKEN);

    // Listed to a viewer: the config names the secret, never its value.
    const listed = await call<{ items: Check[] }>('GET', 'api/v1/checks', undefined, keys.viewer);
    expect(listed.text).not.toContain(TOKEN);
    expect(listed.body.items.find((check) => check.id === created.body.id)?.config.auth).toEqual({ kind: 'bearer', credentialId: token.id });
  });

  it('sends basic auth with the user name stored with a password secret, and a named header from a token', async () => {
    const peer = await startPeer(() => ({ status: 200 }));
    const password = (
      await call<Secret>('POST', 'api/v1/secrets', {
        name: 'basic',
        username: 'monitor',
        serverIds: [server.id],
        value: { kind: 'password', password: 'pa55-word' },
      })
    ).body;
    const token = (await call<Secret>('POST', 'api/v1/secrets', { name: 'header', serverIds: [server.id], value: { kind: 'api_token', token: 'k-42' } })).body;
    const basic = await call<{ status: string }>(
      'POST',
      'api/v1/checks/test',
      { serverId: server.id, spec: { type: 'http', config: { url: `${peer.origin}/b`, auth: { kind: 'basic', credentialId: password.id } } } },
      keys.operator,
    );
    expect(basic.body.status).toBe('up');
    const named = await call<{ status: string }>(
      'POST',
      'api/v1/checks/test',
      {
        serverId: server.id,
        spec: { type: 'http', config: { url: `${peer.origin}/h`, auth: { kind: 'header', headerName: 'X-Api-Key', credentialId: token.id } } },
      },
      keys.operator,
    );
    expect(named.body.status).toBe('up');
    expect(peer.seen.map((hop) => [hop.path, hop.headers.authorization, hop.headers['x-api-key']])).toEqual([
      ['/b', `Basic ${Buffer.from('monitor:pa55-word').toString('base64')}`, undefined],
      ['/h', undefined, 'k-42'],
    ]);
  });

  it('refuses auth from a secret not linked to the server, or for a URL on another host', async () => {
    const peer = await startPeer(() => ({ status: 200 }));
    const other = (await call<Server>('POST', 'api/v1/servers', { name: 'other', host: '127.0.0.5', port: 80 })).body;
    const elsewhere = (
      await call<Secret>('POST', 'api/v1/secrets', { name: 'elsewhere', serverIds: [other.id], value: { kind: 'api_token', token: 'never-sent-1' } })
    ).body;
    const here = (await call<Secret>('POST', 'api/v1/secrets', { name: 'here', serverIds: [server.id], value: { kind: 'api_token', token: 'never-sent-2' } }))
      .body;

    const unlinked = await call(
      'POST',
      'api/v1/checks',
      httpCheck({ url: `${peer.origin}/`, auth: { kind: 'bearer', credentialId: elsewhere.id } }),
      keys.operator,
    );
    expect(unlinked.status).toBe(403);
    expect(unlinked.error.hint).toMatch(/Vault page/);
    const otherHost = await call(
      'POST',
      'api/v1/checks/test',
      { serverId: server.id, spec: { type: 'http', config: { url: `http://localhost:${peer.port}/`, auth: { kind: 'bearer', credentialId: here.id } } } },
      keys.operator,
    );
    expect(otherHost.status).toBe(403);
    expect(peer.seen).toEqual([]);
  });

  it('removes credentials an older version stored in a check, from the list and from the database file', async () => {
    const listed = await call<{ items: Check[] }>('GET', 'api/v1/checks', undefined, keys.viewer);
    const legacy = listed.body.items.find((check) => check.id === legacyCheckId);
    expect(legacy?.config).toMatchObject({ url: 'http://127.0.0.9/health', headers: { Accept: 'text/plain' } });
    expect(listed.text).not.toContain(LEGACY.header);
    expect(listed.text).not.toContain(LEGACY.url);
    expect(guardian.stderr()).toContain('credentials stored in clear in an http check were removed');

    for (const name of readdirSync(guardian.dataDir, { recursive: true, encoding: 'utf8' })) {
      const file = join(guardian.dataDir, name);
      if (!statSync(file).isFile() || name.startsWith('backups')) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(LEGACY.header), file).toBe(false);
      expect(bytes.includes(LEGACY.url), file).toBe(false);
    }
  });
});
