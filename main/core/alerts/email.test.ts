import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertChannel, Notification } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../app';
import { makeTestCerts, type TestCerts } from '../health/checks/testing/certs';
import { FakeTime } from '../testing/fake-time';
import { freePort } from '../testing/free-port';
import { CHEAP_SCRYPT, failure, success, useTempCore } from '../testing/harness';
import { ed25519Key } from '../testing/ssh-keys';
import { parseMail, smtpPeer, type SmtpPeer } from './testing/smtp';
import { BASE_BACKOFF_MS } from './worker';

/**
 * The email channel against a real SMTP server on 127.0.0.1 (`smtp-server`, STARTTLS with a
 * self-signed certificate made for the test), on the engine the run picks (SQLite, then
 * PostgreSQL): what arrives (envelope, headers, the text and the escaped HTML body, the login
 * over TLS), a 4xx retried with the same Message-ID, a 5xx failed at once and said plainly, and
 * who may point a password at a mail server.
 */

const env = useTempCore({ prefix: 'guardian-alerts-email-', lazy: true });
const CALL = { origin: 'test' };
const PASSWORD = 'smtp-pass-Correct-Horse-42';
const operator: Principal = { kind: 'user', id: 'op', name: 'an operator', role: 'operator' };

let certs: TestCerts;
let peer: SmtpPeer;
let time: FakeTime;

beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => certs.dispose());
beforeEach(async () => {
  time = new FakeTime(Date.now());
  peer = await smtpPeer({ ...certs.valid, password: PASSWORD });
});
afterEach(async () => {
  await peer.close();
});

const call = async <T>(core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) => success<T>(await core.router.call(as, name, input, CALL));
const refused = async (core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) => failure(await core.router.call(as, name, input, CALL));
const deliveries = async (core: Core) => (await call<{ items: Notification[] }>(core, 'alerts.deliveries', {})).items;

async function start(): Promise<Core> {
  const core = await env.start({
    clock: time,
    vaultScryptCost: CHEAP_SCRYPT,
    health: { timers: time, random: () => 0 },
    alerts: { timers: time, random: () => 0.5 },
  });
  await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
  await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
  return core;
}

const mailConfig = (overrides: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: peer.port,
  security: 'starttls',
  username: 'guardian@example.net',
  from: 'guardian@example.net',
  to: ['oncall@example.net', 'lead@example.net'],
  verifyTls: false,
  timeoutMs: 3000,
  ...overrides,
});

async function emailChannel(core: Core, overrides: Record<string, unknown> = {}): Promise<AlertChannel> {
  const secret = await call<{ id: string }>(core, 'secrets.create', { name: 'smtp login', value: { kind: 'password', password: PASSWORD } });
  const channel = await call<AlertChannel>(core, 'alerts.createChannel', { name: 'mail', type: 'email', config: mailConfig(overrides), secretId: secret.id });
  await call(core, 'alerts.createRule', { name: 'all', channelIds: [channel.id] });
  return channel;
}

/** A server whose check goes down with `message`, recorded by the health engine's own recorder. */
async function incident(core: Core, name: string, message: string): Promise<void> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, tags: ['prod'], monitor: false });
  const check = await call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
  const at = time.now();
  await core.health.recorder.record([
    {
      checkId: check.id,
      serverId: server.id,
      result: { status: 'down', latencyMs: null, message },
      attempts: 1,
      dueAt: at,
      startedAt: at,
      finishedAt: at,
      lagMs: 0,
    },
  ]);
}

describe('the email channel', () => {
  it('mails an incident over STARTTLS with the login from the vault, as plain text and escaped HTML', async () => {
    const core = await start();
    await emailChannel(core);
    await incident(core, 'web-1', 'refused <script>alert("x")</script> & more');
    expect(await core.alerts.worker.runOnce()).toBe(1);

    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'delivered', log: [{ outcome: 'delivered', statusCode: 250, error: null }] });
    expect(peer.received).toHaveLength(1);
    const [mail] = peer.received;
    expect(mail?.secure).toBe(true);
    expect(mail?.login).toEqual({ method: 'PLAIN', username: 'guardian@example.net', password: PASSWORD });
    expect(mail?.from).toBe('guardian@example.net');
    expect(mail?.to).toEqual(['oncall@example.net', 'lead@example.net']);

    const parsed = parseMail(mail?.raw ?? '');
    expect(parsed.headers.get('subject')).toBe('[Guardian] web-1 is down');
    expect(parsed.headers.get('message-id')).toBe(`<${notification?.id}@example.net>`);
    expect(parsed.headers.get('x-guardian-event')).toBe('incident.opened');
    expect(parsed.headers.get('x-guardian-incident')).toBe(notification?.incidentId);
    expect(parsed.headers.get('references')).toBe(`<incident-${notification?.incidentId}@example.net>`);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(parsed.text).toContain('web-1 is down\n\n');
    expect(parsed.text).toContain('refused <script>alert("x")</script> & more');
    expect(parsed.text).toContain('Server: web-1\n');
    expect(parsed.text).toContain('Tags: prod\n');
    expect(parsed.text).toContain(`Notification ${notification?.id}`);
    expect(parsed.html).toContain('<h2>web-1 is down</h2>');
    expect(parsed.html).toContain('refused &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain('<th align="left" style="padding-right:12px">Server</th><td>web-1</td>');
  });

  it('retries a 4xx with the same Message-ID, and fails a 5xx at once, saying the server refused it', async () => {
    const core = await start();
    await emailChannel(core);
    await incident(core, 'web-2', 'refused');
    peer.script({ code: 451, message: 'Greylisted, try again later' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    let [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', attempts: 1 });
    expect(notification?.log[0]).toMatchObject({ outcome: 'retry', statusCode: 451, error: expect.stringContaining('Greylisted') });
    await time.advance(BASE_BACKOFF_MS);
    expect(await core.alerts.worker.runOnce()).toBe(1);
    [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'delivered', attempts: 2 });
    const ids = peer.received.map((mail) => parseMail(mail.raw).headers.get('message-id'));
    expect(ids).toEqual([`<${notification?.id}@example.net>`, `<${notification?.id}@example.net>`]);

    await incident(core, 'web-3', 'refused');
    peer.script({ code: 550, message: 'No such user here' });
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [failed] = await deliveries(core);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, log: [{ outcome: 'failed', statusCode: 550 }] });
    expect(failed?.lastError).toMatch(/^the SMTP server 127\.0\.0\.1:\d+ refused the message: 550 No such user here \(permanent: not retried\)$/);
    await time.advance(60 * 60_000);
    expect(await core.alerts.worker.runOnce()).toBe(0);
    expect(peer.received).toHaveLength(3);
  });

  it('says why a login, a certificate or a server without STARTTLS stops it, and sends nothing in clear', async () => {
    const core = await start();
    const channel = await emailChannel(core, { verifyTls: true });
    // The certificate is self-signed: refused when it is checked.
    let result = await call<{ delivered: boolean; error: string | null }>(core, 'alerts.testChannel', { id: channel.id });
    expect(result).toMatchObject({ delivered: false, error: expect.stringContaining('TLS certificate was not accepted') });
    expect(peer.logins).toEqual([]);

    // A wrong password: the server's 535, permanent.
    const wrong = await call<{ id: string }>(core, 'secrets.create', { name: 'wrong', value: { kind: 'password', password: 'not-it' } });
    await call(core, 'alerts.updateChannel', { id: channel.id, type: 'email', config: mailConfig(), secretId: wrong.id });
    result = await call(core, 'alerts.testChannel', { id: channel.id });
    expect(result.error).toMatch(/refused the login: 535 Authentication credentials invalid/);

    // A server that offers no STARTTLS: nothing is sent, the password least of all.
    const plain = await smtpPeer({ ...certs.valid, noStartTls: true });
    try {
      await call(core, 'alerts.updateChannel', { id: channel.id, type: 'email', config: mailConfig({ port: plain.port }) });
      result = await call(core, 'alerts.testChannel', { id: channel.id });
      expect(result).toMatchObject({ delivered: false });
      expect(result.error).toContain('STARTTLS');
      expect(plain.logins).toEqual([]);
      expect(plain.received).toEqual([]);
    } finally {
      await plain.close();
    }
    // No login over a connection without TLS.
    expect(await refused(core, 'alerts.updateChannel', { id: channel.id, type: 'email', config: mailConfig({ security: 'none' }) })).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('retries a mail server that is not there, saying so', async () => {
    const core = await start();
    const port = await freePort();
    await emailChannel(core, { port });
    await incident(core, 'web-4', 'refused');
    expect(await core.alerts.worker.runOnce()).toBe(1);
    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ state: 'pending', attempts: 1 });
    expect(notification?.log[0]).toMatchObject({ outcome: 'retry', statusCode: null, error: `127.0.0.1:${port} refused the connection` });
  });

  it('sends without a login when none is set, and the test says it worked', async () => {
    const core = await start();
    const open = await smtpPeer({ ...certs.valid });
    try {
      const channel = await call<AlertChannel>(core, 'alerts.createChannel', {
        name: 'relay',
        type: 'email',
        config: mailConfig({ port: open.port, username: null, security: 'none' }),
      });
      expect(channel).toMatchObject({ type: 'email', secretId: null, config: { security: 'none', username: null, maxConcurrent: 2 } });
      const result = await call(core, 'alerts.testChannel', { id: channel.id });
      expect(result).toMatchObject({ delivered: true, statusCode: 250, error: null });
      expect(open.received.map((mail) => [mail.secure, mail.login])).toEqual([[false, null]]);
      expect(parseMail(open.received[0]?.raw ?? '').headers.get('subject')).toBe('[Guardian] Test notification for "relay"');
    } finally {
      await open.close();
    }
  });

  it('lets only someone who may read a password choose the mail server it goes to, and never a server credential or an SSH key', async () => {
    const core = await start();
    const password = await call<{ id: string }>(core, 'secrets.create', { name: 'smtp', value: { kind: 'password', password: PASSWORD } });
    const input = { name: 'mail', type: 'email', config: mailConfig(), secretId: password.id };
    // An operator manages credentials without seeing them: pointing one at a mail server would show it to that server.
    expect(await refused(core, 'alerts.createChannel', input, operator)).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('may reveal the secret "smtp"'),
    });
    const channel = await call<AlertChannel>(core, 'alerts.createChannel', input);
    // Renaming or disabling does not move the password; another host does.
    await call(core, 'alerts.updateChannel', { id: channel.id, name: 'mail (renamed)' }, operator);
    expect(
      await refused(core, 'alerts.updateChannel', { id: channel.id, type: 'email', config: mailConfig({ host: 'mail.attacker.example' }) }, operator),
    ).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    // A webhook's type cannot be given to an email channel.
    expect(await refused(core, 'alerts.updateChannel', { id: channel.id, type: 'webhook', config: { url: 'https://hooks.example.net/x' } })).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('its type cannot change'),
    });

    const server = await call<{ id: string }>(core, 'servers.create', { name: 'db-1', host: 'db-1.example', monitor: false });
    const linked = await call<{ id: string }>(core, 'secrets.create', {
      name: 'db root',
      serverIds: [server.id],
      value: { kind: 'password', password: 'db-root-pw' },
    });
    expect(await refused(core, 'alerts.createChannel', { ...input, name: 'x', secretId: linked.id })).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('linked to servers'),
    });
    const key = await call<{ id: string }>(core, 'secrets.create', { name: 'deploy key', value: { kind: 'ssh_key', privateKey: ed25519Key().private } });
    expect(await refused(core, 'alerts.createChannel', { ...input, name: 'y', secretId: key.id })).toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('is an SSH key'),
    });
    // A password needs a username, and a private host an admin's leave.
    expect((await refused(core, 'alerts.createChannel', { ...input, name: 'z', config: mailConfig({ username: null }) })).code).toBe('VALIDATION_FAILED');
    await call(core, 'alerts.updateSettings', { allowedTargets: [] });
    expect(await refused(core, 'alerts.createChannel', { ...input, name: 'w' })).toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [{ path: ['config', 'host'] }],
    });
    expect(peer.received).toEqual([]);
  });
});
