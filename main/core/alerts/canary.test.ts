import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AlertChannel } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { createLogger } from '../logging/logger';
import { dataPaths } from '../paths';
import { FakeTime } from '../testing/fake-time';
import { CHEAP_SCRYPT, success, useTempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { makeTestCerts } from '../health/checks/testing/certs';
import { httpPeer, type HttpPeer } from './testing/http-peer';
import { smtpPeer, type SmtpPeer } from './testing/smtp';
import { webhookReceiver, type Receiver } from './testing/receiver';

/**
 * The alerts' canary (docs/architecture.md §5): a webhook channel signs with a vault secret that
 * is a canary. It is tested, used for a delivery that fails (500), is told to wait (429), fails
 * with the vault locked and ends disabled (410), with logging at its most verbose. An email
 * channel logs in to a real SMTP server with a canary password, is turned away (451), then
 * delivers. A Slack channel (its webhook URL the secret) and a PagerDuty channel (a routing key)
 * fail once and deliver. Then every row of every table, every byte in the data dir (database,
 * WAL, logs), every event, every audit event and every answer is searched for the secret, its key
 * bytes, the password, the URL's secret path, the routing key and their hex and base64 forms
 * (AUTH PLAIN's too). None may appear, on either engine.
 */

const env = useTempCore({ prefix: 'guardian-alerts-canary-', lazy: true });
const CALL = { origin: 'test' };
const PASSPHRASE = 'a vault passphrase long enough';

const key = Buffer.concat([Buffer.from('CANARY-alerts-'), randomBytes(18)]);
const secret = `whsec_${key.toString('base64')}`;

const password = `CANARY-smtp-${randomBytes(12).toString('hex')}`;
const SMTP_USER = 'guardian@example.net';

/** A chat webhook URL's secret part, and a paging service's routing key. */
const hookPath = `CANARY-hook-${randomBytes(12).toString('hex')}`;
const routingKey = `CANARY-route-${randomBytes(10).toString('hex')}`;

/** Each secret as written; the signing key's bytes in clear, hex and base64 (standard and URL-safe); the others' hex or base64 too. */
const needles = [
  { what: 'webhook URL', bytes: Buffer.from(hookPath) },
  { what: 'routing key', bytes: Buffer.from(routingKey) },
  { what: 'routing key (base64)', bytes: Buffer.from(Buffer.from(routingKey).toString('base64').slice(0, 24)) },
  { what: 'password', bytes: Buffer.from(password) },
  { what: 'password (hex)', bytes: Buffer.from(Buffer.from(password).toString('hex')) },
  { what: 'password (base64)', bytes: Buffer.from(Buffer.from(password).toString('base64').slice(0, 24)) },
  { what: 'AUTH PLAIN', bytes: Buffer.from(Buffer.from(`\0${SMTP_USER}\0${password}`).toString('base64').slice(0, 40)) },
  { what: 'secret', bytes: Buffer.from(secret) },
  { what: 'key', bytes: key },
  { what: 'key (hex)', bytes: Buffer.from(key.toString('hex')) },
  { what: 'key (HEX)', bytes: Buffer.from(key.toString('hex').toUpperCase()) },
  { what: 'key (base64)', bytes: Buffer.from(key.toString('base64').slice(0, 32)) },
  { what: 'key (base64url)', bytes: Buffer.from(key.toString('base64url').slice(0, 32)) },
];

const hits = (haystacks: { where: string; bytes: Buffer }[]) =>
  haystacks.flatMap(({ where, bytes }) => needles.filter((needle) => bytes.includes(needle.bytes)).map((needle) => `${needle.what} in ${where}`));

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((file) => ({ where: file, bytes: readFileSync(file) }));

const TABLES = {
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  postgres: 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
};

/** Every row of every table, as text: the database's dump, on either engine. */
async function dump(core: Core): Promise<{ where: string; bytes: Buffer }[]> {
  const rows = rowsOf(core);
  const tables = await rows.all<{ name: string }>(TABLES[core.data.dialect]);
  const out: { where: string; bytes: Buffer }[] = [];
  for (const { name } of tables) {
    const all = await rows.all(`SELECT * FROM "${name}"`);
    out.push({ where: `table ${name}`, bytes: Buffer.from(JSON.stringify(all, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) });
  }
  return out;
}

let receiver: Receiver | undefined;
let peer: SmtpPeer | undefined;
let service: HttpPeer | undefined;
const certs = makeTestCerts();
afterEach(async () => {
  await receiver?.close();
  await peer?.close();
  await service?.close();
});
afterAll(() => certs.dispose());

describe('alert channels and vault secrets', () => {
  it('never writes, logs, audits or answers the secret a webhook signs with or the password an email channel logs in with', async () => {
    const time = new FakeTime(Date.now());
    const paths = dataPaths(env.dataDir);
    const logger = createLogger('trace', pino.destination({ dest: paths.logFile, sync: true, mkdir: true }));
    const core = await env.start({ logger, clock: time, vaultScryptCost: CHEAP_SCRYPT, health: { timers: time }, alerts: { timers: time, random: () => 0.5 } });
    receiver = await webhookReceiver(() => [secret]);
    const sent: { where: string; bytes: Buffer }[] = [];
    core.events.subscribe((name, payload) => sent.push({ where: `event ${name}`, bytes: Buffer.from(JSON.stringify(payload) ?? '') }));
    const answers: { where: string; bytes: Buffer }[] = [];
    const answer = async <T>(name: string, input: unknown): Promise<T> => {
      const result = await core.router.call(LOCAL_OWNER, name, input, CALL);
      answers.push({ where: `answer to ${name}`, bytes: Buffer.from(JSON.stringify(result) ?? '') });
      return success<T>(result);
    };

    await answer('vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
    const stored = await answer<{ id: string }>('secrets.create', { name: 'hook secret', value: { kind: 'api_token', token: secret } });
    await answer('alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
    const channel = await answer<AlertChannel>('alerts.createChannel', {
      name: 'hook',
      type: 'webhook',
      config: { url: receiver.url, timeoutMs: 500 },
      secretId: stored.id,
    });
    await answer('alerts.createRule', { name: 'all', channelIds: [channel.id] });
    expect(await answer<{ delivered: boolean }>('alerts.testChannel', { id: channel.id })).toMatchObject({ delivered: true });

    const server = await answer<{ id: string }>('servers.create', { name: 'web-1', host: 'web-1.example', monitor: false });
    const check = await answer<Check>('checks.create', {
      serverId: server.id,
      spec: { type: 'tcp', config: { host: 'web-1.example', port: 443 } },
      confirmAfter: 1,
      retries: 0,
    });
    const at = time.now();
    await core.health.recorder.record([
      {
        checkId: check.id,
        serverId: server.id,
        result: { status: 'down', latencyMs: null, message: 'refused' },
        attempts: 1,
        dueAt: at,
        startedAt: at,
        finishedAt: at,
        lagMs: 0,
      },
    ]);
    receiver.script(500, { status: 429, retryAfter: '30' }, 410);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await time.advance(10_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    // With the vault locked the secret cannot be read: the attempt says so.
    await answer('vault.lock', {});
    await time.advance(30_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await answer('vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } });
    await time.advance(60_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const log = await answer<{ items: { state: string; log: { outcome: string; error: string | null }[] }[] }>('alerts.deliveries', {});
    expect(log.items[0]?.log.map((a) => a.outcome)).toEqual(['retry', 'retry', 'retry', 'failed']);
    expect(log.items[0]?.log[2]?.error).toMatch(/locked/i);
    expect((await answer<{ items: AlertChannel[] }>('alerts.channels', {})).items[0]?.enabled).toBe(false);
    // The receiver verified what it got with the secret: it was really used.
    expect(receiver.received.every((r) => r.verified.ok)).toBe(true);

    // The email channel: a login with the canary password, turned away once, then delivered.
    peer = await smtpPeer({ ...certs.valid, password });
    const login = await answer<{ id: string }>('secrets.create', { name: 'smtp login', value: { kind: 'password', password } });
    const mail = await answer<AlertChannel>('alerts.createChannel', {
      name: 'mail',
      type: 'email',
      config: { host: '127.0.0.1', port: peer.port, username: SMTP_USER, from: SMTP_USER, to: ['oncall@example.net'], verifyTls: false, timeoutMs: 3000 },
      secretId: login.id,
    });
    await answer('alerts.createRule', { name: 'mail all', channelIds: [mail.id] });
    expect(await answer<{ delivered: boolean }>('alerts.testChannel', { id: mail.id })).toMatchObject({ delivered: true });
    await core.health.recorder.record([
      {
        checkId: check.id,
        serverId: server.id,
        result: { status: 'up', latencyMs: 3, message: 'connected' },
        attempts: 1,
        dueAt: time.now(),
        startedAt: time.now(),
        finishedAt: time.now(),
        lagMs: 0,
      },
    ]);
    peer.script({ code: 451, message: 'Try again later' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    await time.advance(60_000);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const mailLog = await answer<{ items: { state: string; log: { outcome: string }[] }[] }>('alerts.deliveries', { channelId: mail.id });
    expect(mailLog.items.map((n) => [n.state, n.log.map((a) => a.outcome)])).toEqual([['delivered', ['retry', 'delivered']]]);
    // The server really got the password, over TLS.
    expect(peer.received.map((m) => [m.secure, m.login?.password === password])).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ]);

    // A Slack channel whose URL is the secret, and PagerDuty with a routing key: refused once (a 404, a 500), then delivered.
    service = await httpPeer();
    const hook = await answer<{ id: string }>('secrets.create', {
      name: 'slack hook',
      value: { kind: 'api_token', token: `${service.origin}/services/${hookPath}` },
    });
    const slack = await answer<AlertChannel>('alerts.createChannel', { name: 'slack', type: 'slack', secretId: hook.id });
    const routing = await answer<{ id: string }>('secrets.create', { name: 'pagerduty key', value: { kind: 'api_token', token: routingKey } });
    const pagerduty = await answer<AlertChannel>('alerts.createChannel', {
      name: 'pagerduty',
      type: 'pagerduty',
      config: { eventsUrl: `${service.origin}/v2/enqueue` },
      secretId: routing.id,
    });
    service.script({ status: 404, body: 'no_service' }, { status: 500, body: 'oops' });
    for (const id of [slack.id, pagerduty.id]) expect(await answer<{ delivered: boolean }>('alerts.testChannel', { id })).toMatchObject({ delivered: false });
    await answer('alerts.createRule', { name: 'chat all', channelIds: [slack.id, pagerduty.id] });
    await core.health.recorder.record([
      {
        checkId: check.id,
        serverId: server.id,
        result: { status: 'down', latencyMs: null, message: 'refused again' },
        attempts: 1,
        dueAt: time.now(),
        startedAt: time.now(),
        finishedAt: time.now(),
        lagMs: 0,
      },
    ]);
    expect(await core.alerts.worker.runOnce()).toBeGreaterThanOrEqual(2);
    // Both were really used: the service saw the URL's path and the routing key.
    expect(service.requests.map((r) => r.path)).toContain(`/services/${hookPath}`);
    expect(service.requests.some((r) => r.body.includes(routingKey))).toBe(true);
    await answer('alerts.deliveries', {});
    await answer('alerts.channels', {});
    await answer('audit.list', { limit: 500 });

    // The search finds what it looks for (a control, not a file).
    expect(hits([{ where: 'control', bytes: Buffer.from(`x${key.toString('hex')}y`) }])).toEqual(['key (hex) in control']);
    const audit = await rowsOf(core).all('SELECT * FROM audit_events');
    expect(audit.length).toBeGreaterThan(5);
    expect(readFileSync(paths.logFile, 'utf8')).toContain('alert');
    expect(hits([...(await dump(core)), ...filesUnder(env.dataDir), ...sent, ...answers])).toEqual([]);

    await env.stop();
    expect(hits(filesUnder(env.dataDir))).toEqual([]);
  });
});
