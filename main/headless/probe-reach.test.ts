import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@shared/api/audit';
import type { AppErrorShape } from '@shared/api/errors';
import type { Check } from '@shared/api/checks';
import type { ProbeResult, Server } from '@shared/api/servers';
import { cleanUp, CLI_TEST_TIMEOUT_MS, type Guardian, runCli, startGuardian } from './testing/guardian';

// Issue 14 #13: servers.probe connected anywhere, unaudited and unlimited: a TCP port scanner of
// the network Guardian runs in. It is now audited and limited per caller, and probes and checks
// stay away from cloud metadata addresses (as written, and as resolved at connect time) unless an
// admin allows them.

let guardian: Guardian;
let keys: { operator: string; scanner: string };
let closedPort: number;
let server: Server;

async function call<T>(verb: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(guardian.at(path), {
    method: verb,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : guardian.auth()), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json()) as T & { error: AppErrorShape };
  return { status: response.status, body: parsed, error: parsed.error };
}

async function apiKey(role: string, name: string): Promise<string> {
  const made = await runCli(['apikey', 'create', '--name', name, '--role', role, '--json', '--data-dir', guardian.dataDir], { timeoutMs: 120_000 });
  if (made.code !== 0) throw new Error(made.stderr);
  return (JSON.parse(made.stdout) as { token: string }).token;
}

beforeAll(async () => {
  guardian = await startGuardian({ timeoutMs: 120_000 });
  keys = { operator: await apiKey('operator', 'operator'), scanner: await apiKey('operator', 'scanner') };
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  closedPort = (listener.address() as AddressInfo).port;
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  server = (await call<Server>('POST', 'api/v1/servers', { name: 'web', host: '127.0.0.1', port: closedPort })).body;
}, 300_000);

afterAll(cleanUp);

const probe = (host: string, token?: string, port = closedPort) => call<ProbeResult>('POST', 'api/v1/servers/probe', { host, port, timeoutMs: 1000 }, token);
const auditOf = async (action: string) => (await call<{ items: AuditEvent[] }>('GET', `api/v1/audit?action=${action}`)).body.items;

describe('servers.probe', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('is audited: who probed which host and port, and what came of it', async () => {
    const answer = await probe('127.0.0.1', keys.operator);
    expect(answer.status).toBe(200);
    expect(answer.body.reachable).toBe(false);
    const events = await auditOf('servers.probe');
    expect(events[0]).toMatchObject({ target: `probe:127.0.0.1:${closedPort}`, outcome: 'ok', details: { host: '127.0.0.1', port: closedPort } });
    expect(events[0]?.actor).toMatch(/^apiKey:/);
  });

  it('allows 30 probes a minute per caller, then answers RATE_LIMITED (recorded too) while others may still probe', async () => {
    for (let i = 0; i < 30; i += 1) expect((await probe('127.0.0.1', keys.scanner)).status, `probe ${i + 1}`).toBe(200);
    const refused = await probe('127.0.0.1', keys.scanner);
    expect(refused.status).toBe(429);
    expect(refused.error).toMatchObject({ code: 'RATE_LIMITED', message: 'Too many connection tests: at most 30 a minute.', retryable: true });
    expect(refused.error.hint).toMatch(/^Wait \d+ s and try again/);
    expect((await auditOf('servers.probe')).filter((event) => event.outcome === 'RATE_LIMITED')).toHaveLength(1);
    expect((await probe('127.0.0.1', keys.operator)).status).toBe(200);
  });

  it('refuses a cloud metadata address, as written or as a name that resolves to one', async () => {
    const literal = await probe('169.254.169.254', keys.operator, 80);
    expect(literal.status).toBe(400);
    expect(literal.error.message).toBe(
      "refused to connect to 169.254.169.254: it is a cloud metadata address, which hands out this machine's cloud credentials.",
    );
    expect((await probe('metadata.google.internal', keys.operator, 80)).status).toBe(400);
    // 0xa9fea9fe is 169.254.169.254 to the system resolver: refused when it resolves, before connecting.
    const resolved = await probe('0xa9fea9fe', keys.operator, 80);
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      reachable: false,
      message: "refused to connect to 0xa9fea9fe: it is a cloud metadata address, which hands out this machine's cloud credentials",
    });
  });
});

describe('checks and cloud metadata addresses', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('refuses a check on a metadata address, and one whose name resolves to it is down when it runs', async () => {
    for (const spec of [
      { type: 'tcp', config: { host: '169.254.169.254', port: 80 } },
      { type: 'http', config: { url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' } },
      { type: 'http', config: { url: 'http://[fd00:ec2::254]/' } },
      { type: 'tls', config: { host: '100.100.100.200' } },
      { type: 'tcp', config: { host: 'metadata.google.internal.', port: 80 } },
    ]) {
      const created = await call('POST', 'api/v1/checks', { serverId: server.id, spec }, keys.operator);
      expect(created.status, JSON.stringify(spec)).toBe(400);
      expect(created.error.message).toMatch(/it is a cloud metadata address/);
    }
    // Numeric forms of the address get past the name: the connect-time lookup stops them.
    const check = await call<Check>(
      'POST',
      'api/v1/checks',
      { serverId: server.id, spec: { type: 'tcp', config: { host: '2852039166', port: 80 } } },
      keys.operator,
    );
    expect(check.status).toBe(200);
    const ran = await call<{ status: string; message: string }>('POST', `api/v1/checks/${check.body.id}/run`, {}, keys.operator);
    expect(ran.body).toMatchObject({
      status: 'down',
      message: "refused to connect to 2852039166: it is a cloud metadata address, which hands out this machine's cloud credentials",
    });
    // A URL's host is read the way the request will read it (http://0xa9fea9fe/ is 169.254.169.254).
    const hexUrl = await call('POST', 'api/v1/checks/test', { spec: { type: 'http', config: { url: 'http://0xa9fea9fe/' } } }, keys.operator);
    expect(hexUrl.status).toBe(400);
    expect(hexUrl.error.message).toMatch(/cloud metadata address/);
  });

  it('lets only an admin allow metadata addresses, and then checks may try them', async () => {
    const denied = await call('PATCH', 'api/v1/monitoring/settings', { allowMetadataAddresses: true }, keys.operator);
    expect(denied.status).toBe(403);
    expect(denied.error.code).toBe('PERMISSION_DENIED');
    const allowed = await call<{ allowMetadataAddresses: boolean }>('PATCH', 'api/v1/monitoring/settings', { allowMetadataAddresses: true });
    expect(allowed.body.allowMetadataAddresses).toBe(true);
    const created = await call(
      'POST',
      'api/v1/checks',
      { serverId: server.id, spec: { type: 'tcp', config: { host: '169.254.169.254', port: 80 } } },
      keys.operator,
    );
    expect(created.status).toBe(200);
    const tried = await probe('169.254.169.254', keys.operator, 80);
    expect(tried.status).toBe(200);
    expect(tried.body.message).not.toMatch(/metadata/);
    await call('PATCH', 'api/v1/monitoring/settings', { allowMetadataAddresses: false });
  });
});
