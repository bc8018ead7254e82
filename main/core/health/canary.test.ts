import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Check } from '@shared/api/checks';
import type { ServerHealth } from '@shared/api/health';
import type { Secret } from '@shared/api/vault';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { createLogger } from '../logging/logger';
import { dataPaths } from '../paths';
import { CHEAP_SCRYPT, success, useTempCore } from '../testing/harness';
import { closedPort } from './checks/testing/peers';

/**
 * The health engine's canary (docs/architecture.md §5): an ssh-metrics check logs in with a vault password
 * that is a canary string. The check is created, run directly, through the running scheduler and
 * as an unsaved test, against a port nothing listens on, with logging at its most verbose; then
 * every byte in the data dir (database, WAL, logs) and every event sent is searched for the canary
 * in clear, hex and base64. It must appear nowhere.
 */

const env = useTempCore({ prefix: 'guardian-health-canary-', lazy: true });

const CALL = { origin: 'test' };
const call = async <T>(core: Core, name: string, input: unknown) => success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));

const tag = () => randomBytes(6).toString('hex');
const canary = { password: `CANARY-ssh-password-${tag()}`, token: `CANARY-http-token-${tag()}`, passphrase: `CANARY-vault-passphrase-${tag()} violet tulips` };

/** `value` in clear, in hex (both cases) and in base64 (standard and URL-safe) at each of the three alignments. */
function forms(value: string): { form: string; bytes: Buffer }[] {
  const bytes = Buffer.from(value, 'utf8');
  const found = [
    { form: 'clear', bytes },
    { form: 'hex', bytes: Buffer.from(bytes.toString('hex')) },
    { form: 'HEX', bytes: Buffer.from(bytes.toString('hex').toUpperCase()) },
  ];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const inner = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    found.push(
      { form: `base64@${offset}`, bytes: Buffer.from(inner) },
      { form: `base64url@${offset}`, bytes: Buffer.from(inner.replace(/\+/g, '-').replace(/\//g, '_')) },
    );
  }
  return found;
}

const needles = Object.entries(canary).flatMap(([what, value]) => forms(value).map(({ form, bytes }) => ({ what: `${what} (${form})`, bytes })));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Every "needle in where" found among `haystacks`. */
function hits(haystacks: { where: string; bytes: Buffer }[]): string[] {
  return haystacks.flatMap(({ where, bytes }) => needles.filter((needle) => bytes.includes(needle.bytes)).map((needle) => `${needle.what} in ${where}`));
}

const readAll = (dir: string) => filesUnder(dir).map((file) => ({ where: file, bytes: readFileSync(file) }));

describe('the health engine and vault credentials', () => {
  it('never writes or sends the password an ssh-metrics check logs in with', async () => {
    const paths = dataPaths(env.dataDir);
    const logger = createLogger('trace', pino.destination({ dest: paths.logFile, sync: true, mkdir: true }));
    const core = await env.start({ logger, vaultScryptCost: CHEAP_SCRYPT, health: { tickMs: 20, backoffMs: 10 } });
    const sent: { where: string; bytes: Buffer }[] = [];
    core.events.subscribe((name, payload) => sent.push({ where: `event ${name}`, bytes: Buffer.from(JSON.stringify(payload) ?? '') }));
    const answers: { where: string; bytes: Buffer }[] = [];
    const answer = async <T>(name: string, input: unknown): Promise<T> => {
      const value = await call<T>(core, name, input);
      answers.push({ where: `answer to ${name}`, bytes: Buffer.from(JSON.stringify(value) ?? '') });
      return value;
    };

    await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: canary.passphrase } });
    const port = await closedPort();
    const server = await answer<{ id: string }>('servers.create', { name: 'web-1', host: '127.0.0.1', port, monitor: false });
    // Linked to the server: a saved check only gets a credential for the servers it is linked to.
    const secret = await call<Secret>(core, 'secrets.create', {
      name: 'monitor login',
      username: 'monitor',
      serverIds: [server.id],
      value: { kind: 'password', password: canary.password },
    });
    const token = await call<Secret>(core, 'secrets.create', {
      name: 'status token',
      serverIds: [server.id],
      value: { kind: 'api_token', token: canary.token },
    });
    const httpSpec = { type: 'http', config: { url: `http://127.0.0.1:${port}/health`, auth: { kind: 'bearer', credentialId: token.id } } };
    const http = await answer<Check>('checks.create', { serverId: server.id, spec: httpSpec, retries: 0, confirmAfter: 1 });
    const metricsSpec = { type: 'ssh-metrics', config: { port, user: 'monitor', credentialId: secret.id } };
    const metrics = await answer<Check>('checks.create', { serverId: server.id, spec: metricsSpec, retries: 0, confirmAfter: 1, timeoutMs: 2_000 });

    // Directly, as the CLI runs a check.
    const first = await answer<{ status: string; message: string }>('checks.run', { id: metrics.id });
    expect(first).toMatchObject({ status: 'down' });
    expect(first.message).toContain(`127.0.0.1:${port}`);
    expect((await answer<{ status: string }>('checks.run', { id: http.id })).status).toBe('down');
    // An unsaved test of the same spec.
    expect((await answer<{ status: string }>('checks.test', { spec: metricsSpec, serverId: server.id, timeoutMs: 2_000 })).status).toBe('down');
    // Through the running scheduler.
    core.health.start();
    expect((await answer<{ status: string }>('checks.run', { id: metrics.id })).status).toBe('down');
    core.health.stop();

    // The credential was really read from the vault each time, not skipped.
    const used = (await call<{ items: Secret[] }>(core, 'secrets.list', {})).items.find((s) => s.id === secret.id);
    expect(used?.lastUsedBy).toMatch(/^check/);
    const health = await answer<ServerHealth>('health.server', { id: server.id });
    expect(health.status).toBe('down');
    await answer('incidents.list', {});
    await answer('checks.list', {});

    // The search finds what it looks for (a control, not a file).
    expect(hits([{ where: 'control', bytes: Buffer.from(`{"x":"${Buffer.from(`:${canary.password}`).toString('base64')}"}`) }])).toContain(
      'password (base64@1) in control',
    );
    const whileOpen = readAll(env.dataDir);
    expect(whileOpen.map((f) => f.where)).toContain(paths.logFile);
    expect(readFileSync(paths.logFile, 'utf8')).toContain('health engine started');
    expect(hits([...whileOpen, ...sent, ...answers])).toEqual([]);

    // And once the WAL is folded into the database at close.
    await env.stop();
    expect(hits(readAll(env.dataDir))).toEqual([]);
  });
});
