import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppErrorShape } from '@shared/api/errors';
import type { Check } from '@shared/api/checks';
import type { Server } from '@shared/api/servers';
import type { Secret } from '@shared/api/vault';
import { ed25519Key } from '@core/testing/ssh-keys';
import { type KeyPair, TestSshd } from '@core/testing/sshd';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian } from './testing/guardian';

// Issue 14 #2: an operator API key (vault:write, not vault:reveal) must not be able to send a
// vault credential to a host of its choosing through a check. A credential goes only to the
// servers its secret is linked to, at that server's own host; the rule holds for saved checks,
// for `checks.test`, and again when a saved check runs.

let guardian: Guardian;
let sshd: TestSshd;
let key: KeyPair;
let operator: string;
/** A rogue SSH server on another loopback address: records every connection and login attempt. */
let rogue: { port: number; connections: number; attempts: string[]; close(): Promise<void> };
let serverA: Server;
let serverB: Server;
/** The same working key, stored twice: once linked to A, once linked only to B. */
let linkedToA: Secret;
let linkedToB: Secret;

const ROGUE_HOST = '127.0.0.2';
const PASSWORD = 'rogue-bait-password-do-not-send';

async function call<T>(verb: string, path: string, body: unknown, token: string | null): Promise<{ status: number; body: T; error: AppErrorShape }> {
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : guardian.auth()), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as T & { error: AppErrorShape };
  return { status: response.status, body: parsed, error: parsed.error };
}
const asOwner = <T>(verb: string, path: string, body?: unknown) => call<T>(verb, path, body, null);
const asOperator = <T>(verb: string, path: string, body?: unknown) => call<T>(verb, path, body, operator);

async function startRogue(): Promise<typeof rogue> {
  const privateKey = ed25519Key().private;
  const state = { connections: 0, attempts: [] as string[] };
  const server = new ssh2.Server({ hostKeys: [privateKey] }, (client) => {
    state.connections += 1;
    client.on('authentication', (context) => {
      state.attempts.push(`${context.method}:${context.username}:${context.method === 'password' ? context.password : ''}`);
      context.reject();
    });
    client.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, ROGUE_HOST, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    attempts: state.attempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const metricsSpec = (credentialId: string, over: Record<string, unknown> = {}) => ({
  type: 'ssh-metrics',
  config: { port: sshd.port, user: sshd.user, credentialId, thresholds: { loadPerCore: { degraded: 1000, down: 2000 } }, ...over },
});

beforeAll(async () => {
  [guardian, sshd, rogue] = await Promise.all([startGuardian({ timeoutMs: 120_000 }), TestSshd.start(), startRogue()]);
  key = sshd.clientKey();
  const made = await runCli(['apikey', 'create', '--name', 'operator', '--role', 'operator', '--json', '--data-dir', guardian.dataDir], { timeoutMs: 120_000 });
  if (made.code !== 0) throw new Error(made.stderr);
  operator = (JSON.parse(made.stdout) as { token: string }).token;

  expect((await asOwner('POST', 'api/v1/vault/init', { slot: { kind: 'passphrase', passphrase: 'correct horse battery staple' } })).status).toBe(200);
  serverA = (await asOwner<Server>('POST', 'api/v1/servers', { name: 'a', host: '127.0.0.1', port: sshd.port })).body;
  serverB = (await asOwner<Server>('POST', 'api/v1/servers', { name: 'b', host: '127.0.0.3', port: 22 })).body;
  const secret = (name: string, serverIds: string[], value: unknown) => asOwner<Secret>('POST', 'api/v1/secrets', { name, serverIds, value });
  linkedToA = (await secret('key for a', [serverA.id], { kind: 'ssh_key', privateKey: key.privateKey })).body;
  linkedToB = (await secret('key for b', [serverB.id], { kind: 'ssh_key', privateKey: key.privateKey })).body;
}, 300_000);

afterAll(async () => {
  await rogue?.close();
  await sshd?.dispose();
  await cleanUp();
});

describe('a vault credential goes only to the servers it is linked to', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('refuses an operator’s check on server A with a secret linked only to B, saved or tested', async () => {
    const created = await asOperator('POST', 'api/v1/checks', { serverId: serverA.id, spec: metricsSpec(linkedToB.id) });
    expect(created.status).toBe(403);
    expect(created.error).toMatchObject({ code: 'PERMISSION_DENIED', message: 'The secret "key for b" is not linked to the server "a".' });
    expect(created.error.hint).toMatch(/Link the secret to this server on the Vault page/);

    const tested = await asOperator('POST', 'api/v1/checks/test', { serverId: serverA.id, spec: metricsSpec(linkedToB.id) });
    expect(tested.status).toBe(403);
    expect(tested.error.code).toBe('PERMISSION_DENIED');
    // Nor with no server at all.
    const unbound = await asOperator('POST', 'api/v1/checks/test', { spec: metricsSpec(linkedToB.id, { host: '127.0.0.1' }) });
    expect(unbound.status).toBe(403);
    expect(sshd.output()).not.toMatch(/Accepted publickey/);
  });

  it('refuses a check with a secret linked to A but pointed at another host, and the rogue host hears nothing', async () => {
    const pointed = metricsSpec(linkedToA.id, { host: ROGUE_HOST, port: rogue.port });
    const created = await asOperator('POST', 'api/v1/checks', { serverId: serverA.id, spec: pointed });
    expect(created.status).toBe(403);
    expect(created.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: `The secret "key for a" may only be sent to the host of "a" (127.0.0.1), not to ${ROGUE_HOST}.`,
    });
    const tested = await asOperator('POST', 'api/v1/checks/test', { serverId: serverA.id, spec: pointed });
    expect(tested.status).toBe(403);
    expect(rogue.connections).toBe(0);
    expect(rogue.attempts).toEqual([]);
  });

  it('refuses a password secret pointed at the rogue host before any connection is made', async () => {
    const password = (
      await asOwner<Secret>('POST', 'api/v1/secrets', { name: 'bait', serverIds: [serverA.id], value: { kind: 'password', password: PASSWORD } })
    ).body;
    const tested = await asOperator('POST', 'api/v1/checks/test', {
      serverId: serverA.id,
      spec: metricsSpec(password.id, { host: ROGUE_HOST, port: rogue.port }),
    });
    expect(tested.status).toBe(403);
    expect(rogue.connections).toBe(0);
    expect(rogue.attempts.join()).not.toContain(PASSWORD);
  });

  it('logs in to server A’s own host with a secret linked to A: tested, saved and run', async () => {
    const tested = await asOperator<{ status: string; message: string }>('POST', 'api/v1/checks/test', {
      serverId: serverA.id,
      spec: metricsSpec(linkedToA.id),
    });
    expect(tested.status).toBe(200);
    expect(tested.body.status).toBe('up');

    const created = await asOperator<Check>('POST', 'api/v1/checks', { serverId: serverA.id, spec: metricsSpec(linkedToA.id) });
    expect(created.status).toBe(200);
    const ran = await asOperator<{ status: string }>('POST', `api/v1/checks/${created.body.id}/run`, {});
    expect(ran.body.status).toBe('up');
    expect(sshd.output()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} from 127\\.0\\.0\\.1`));

    // Unlinked afterwards, the saved check no longer gets the secret when it runs.
    expect((await asOwner('PATCH', `api/v1/secrets/${linkedToA.id}`, { serverIds: [] })).status).toBe(200);
    const refused = await asOperator<{ status: string; message: string }>('POST', `api/v1/checks/${created.body.id}/run`, {});
    expect(refused.body).toMatchObject({
      status: 'down',
      message: `cannot log in to 127.0.0.1:${sshd.port}: The secret "key for a" is not linked to the server "a".`,
    });
    expect((await asOwner('PATCH', `api/v1/secrets/${linkedToA.id}`, { serverIds: [serverA.id] })).status).toBe(200);
  });

  it('lets a caller who may reveal the secret test it where it is not linked, and records who used it', async () => {
    const tested = await asOwner<{ status: string }>('POST', 'api/v1/checks/test', { serverId: serverA.id, spec: metricsSpec(linkedToB.id) });
    expect(tested.status).toBe(200);
    expect(tested.body.status).toBe('up');
    const secrets = await asOwner<{ items: Secret[] }>('GET', 'api/v1/secrets');
    expect(secrets.body.items.find((secret) => secret.id === linkedToB.id)?.lastUsedBy).toMatch(/^check-test:apiKey:/);
    // A saved check runs later, with no one's rights: it must follow the links, whoever saves it.
    const saved = await asOwner('POST', 'api/v1/checks', { serverId: serverA.id, spec: metricsSpec(linkedToB.id) });
    expect(saved.status).toBe(403);
  });

  it('does not let an operator move a credential by linking it to a server of theirs, or by moving its server', async () => {
    const theirs = (await asOperator<Server>('POST', 'api/v1/servers', { name: 'theirs', host: ROGUE_HOST, port: rogue.port })).body;
    const relinked = await asOperator('PATCH', `api/v1/secrets/${linkedToA.id}`, { serverIds: [serverA.id, theirs.id] });
    expect(relinked.status).toBe(403);
    expect(relinked.error.message).toBe('Linking "key for a" to another server would let that server receive it; that needs the "vault:reveal" permission.');
    // Unlinking needs no more than vault:write.
    expect((await asOperator('PATCH', `api/v1/secrets/${linkedToB.id}`, { serverIds: [] })).status).toBe(200);

    // A server moved to another host loses its links: the old credential does not follow it.
    const moved = (await asOwner<Server>('POST', 'api/v1/servers', { name: 'moved', host: '127.0.0.1', port: sshd.port })).body;
    const secret = (
      await asOwner<Secret>('POST', 'api/v1/secrets', { name: 'key for moved', serverIds: [moved.id], value: { kind: 'password', password: PASSWORD } })
    ).body;
    const check = await asOperator<Check>('POST', 'api/v1/checks', { serverId: moved.id, spec: metricsSpec(secret.id, { port: rogue.port }) });
    expect(check.status).toBe(200);
    expect((await asOperator('PATCH', `api/v1/servers/${moved.id}`, { host: ROGUE_HOST })).status).toBe(200);
    const ran = await asOperator<{ status: string; message: string }>('POST', `api/v1/checks/${check.body.id}/run`, {});
    expect(ran.body).toMatchObject({
      status: 'down',
      message: `cannot log in to ${ROGUE_HOST}:${rogue.port}: The secret "key for moved" is not linked to the server "moved".`,
    });
    const after = await asOwner<{ items: Secret[] }>('GET', 'api/v1/secrets');
    expect(after.body.items.find((item) => item.id === secret.id)?.serverIds).toEqual([]);
    expect(rogue.connections).toBe(0);
    expect(rogue.attempts.join()).not.toContain(PASSWORD);
  });
});
