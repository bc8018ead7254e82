import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertChannel, AlertRule } from '@shared/api/alerts';
import type { Core } from '../app';
import { FakeTime } from '../testing/fake-time';
import { attemptSignIn, setupOwner, useTempCore, type TempCore } from '../testing/harness';
import { rowsOf } from '../testing/rows';
import { apiKeyCreatedAlert } from './sources';
import { call, deliveries, refused, restartAlertsCore, startAlertsCore, storeSigningSecret } from './testing/incidents';
import { signedEvents, webhookReceiver, type Receiver } from './testing/receiver';

/**
 * Sources about no server (docs/alerts.md, "Sources about no server"), on both engines, through
 * the real sign-in, API keys and jobs, delivered by the real worker to webhook receivers on
 * 127.0.0.1 that check every signature: a lockout, a burst of failed sign-ins, an API key created
 * and a failed job each reach a rule naming their source once, and a rule that does not name it
 * hears nothing; the notification commits with its event or not at all; a canary password and an
 * API key's token are nowhere in the outbox, the delivery log or what a receiver got.
 */

let time: FakeTime;
let env: TempCore;
let security: Receiver;
let incidentsOnly: Receiver;
let secrets: string[];

const OWNER = { username: 'alice', password: 'correct horse battery staple' };

/** What a receiver was told, each signature checked against the secrets (testing/receiver.ts). */
const told = (receiver: Receiver) => signedEvents(receiver, secrets).map((event) => event ?? { type: 'not signed', data: {} });
const types = (receiver: Receiver) => told(receiver).map((event) => event.type);

async function webhookTo(core: Core, name: string, url: string): Promise<AlertChannel> {
  const secret = await storeSigningSecret(core, `${name} signing secret`);
  secrets.push(secret.value);
  return call<AlertChannel>(core, 'alerts.createChannel', { name, type: 'webhook', config: { url, timeoutMs: 500 }, secretId: secret.id });
}

/**
 * A core with an owner, a rule for `sources` to the security receiver and a rule for incidents
 * alone (no `sources`, as every rule written before them) to the other.
 */
async function setUp(sources: string[], more: Parameters<typeof startAlertsCore>[3] = {}, severities: string[] = []) {
  const core = await startAlertsCore(env, time, 0.5, more);
  await setupOwner(core, OWNER);
  await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
  const routed = await webhookTo(core, 'security', security.url);
  const other = await webhookTo(core, 'incidents only', incidentsOnly.url);
  const rule = await call<AlertRule>(core, 'alerts.createRule', { name: 'security', sources, match: { severities }, channelIds: [routed.id] });
  const plain = await call<AlertRule>(core, 'alerts.createRule', { name: 'incidents', channelIds: [other.id] });
  return { core, rule, plain };
}

/** Signs in wrongly from `origin`; a failure is counted in a transaction of its own, after the call. */
async function failSignIn(core: Core, username: string, password: string, origin = 'test') {
  const { result } = await attemptSignIn(core, { username, password }, { origin });
  expect(result.ok).toBe(false);
}

/** Lets the failures being counted commit, then the worker deliver what they wrote. */
async function settle(core: Core, expected: number) {
  await vi.waitFor(async () => expect(await rowsOf(core).value('SELECT count(*) FROM alert_outbox')).toBe(expected), { timeout: 5_000 });
  await core.alerts.worker.runOnce();
}

/** Every text the outbox and the delivery log hold. */
async function stored(core: Core): Promise<string> {
  const rows = rowsOf(core);
  const outbox = await rows.all('SELECT * FROM alert_outbox');
  const attempts = await rows.all('SELECT * FROM alert_attempts');
  return JSON.stringify([outbox, attempts]);
}

beforeEach(() => {
  time = new FakeTime(Date.now());
  secrets = [];
});
afterEach(async () => {
  await security.close();
  await incidentsOnly.close();
});

describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-alert-sources-', lazy: true, engine });
  beforeAll(() => {
    env = onEngine;
  });
  beforeEach(async () => {
    security = await webhookReceiver(() => secrets);
    incidentsOnly = await webhookReceiver(() => secrets);
  });

  it('a lockout reaches a rule for security events once, signed, without the password tried; a rule for incidents hears nothing', async () => {
    const { core, rule, plain } = await setUp(['security']);
    expect(rule.sources).toEqual(['security']);
    expect(plain.sources).toEqual(['incidents']);
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    for (let i = 0; i < 4; i++) await failSignIn(core, OWNER.username, canary);
    await settle(core, 0);
    await failSignIn(core, OWNER.username, canary);
    await settle(core, 1);

    expect(types(security)).toEqual(['security.lockout']);
    expect(types(incidentsOnly)).toEqual([]);
    const [event] = told(security);
    expect(event?.data).toMatchObject({ severity: 'degraded', about: { kind: 'account', name: 'alice' }, page: '#/audit' });
    expect(JSON.stringify(event)).toContain('alice is locked out of signing in');
    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ source: 'security.lockout', state: 'delivered', channelId: expect.any(String) });
    expect(await stored(core)).not.toContain(canary);
    expect(security.received.map((each) => each.body).join('\n')).not.toContain(canary);

    // Locked, the next failures are refused before they are counted: no second notification.
    await failSignIn(core, OWNER.username, canary);
    await core.alerts.worker.runOnce();
    expect(types(security)).toEqual(['security.lockout']);
  });

  it('a name that is no account is never repeated: it may be a password typed in the wrong field', async () => {
    const { core } = await setUp(['security']);
    const typedIntoName = `canary-${randomBytes(12).toString('hex')}`;
    for (let i = 0; i < 5; i++) await failSignIn(core, typedIntoName, 'whatever');
    await settle(core, 1);
    expect(types(security)).toEqual(['security.lockout']);
    expect(JSON.stringify(told(security))).toContain('a name that is no account');
    expect(await stored(core)).not.toContain(typedIntoName);
    expect(JSON.stringify(told(security))).not.toContain(typedIntoName);
  });

  it('a burst is told once its failures reach the threshold within the window, once a window, by its severity', async () => {
    // Locks far off, so only the burst speaks; each guess another name from another address.
    const { core } = await setUp(['security'], { lockout: { maxFailures: 100, lockMs: 15 * 60_000 } }, ['down']);
    // An admin's threshold: at least 3 failures, within a minute to a day.
    const few = await refused(core, 'alerts.updateSettings', { signInBurst: { failures: 2, windowMinutes: 10 } });
    expect(few).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['signInBurst', 'failures'], message: 'At least 3 failures' }] });
    const operator = { kind: 'user' as const, id: 'op', name: 'an operator', role: 'operator' as const };
    expect(await refused(core, 'alerts.updateSettings', { signInBurst: { failures: 3, windowMinutes: 10 } }, operator)).toMatchObject({
      code: 'PERMISSION_DENIED',
    });
    const settings = await call<{ signInBurst: unknown }>(core, 'alerts.updateSettings', { signInBurst: { failures: 3, windowMinutes: 10 } });
    expect(settings.signInBurst).toEqual({ failures: 3, windowMinutes: 10 });
    await failSignIn(core, 'bob', 'wrong', 'origin-1');
    await failSignIn(core, 'carol', 'wrong', 'origin-2');
    await settle(core, 0);
    expect(types(security)).toEqual([]);
    await failSignIn(core, 'dave', 'wrong', 'origin-3');
    await settle(core, 1);
    expect(types(security)).toEqual(['security.signin-burst']);
    expect(told(security)[0]?.data).toMatchObject({ severity: 'down', title: '3 failed sign-ins within 10 min' });

    // The attack goes on within the window: told once.
    for (let i = 0; i < 4; i++) await failSignIn(core, `eve${i}`, 'wrong', `origin-${4 + i}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await settle(core, 1);
    // A window later, it is news again.
    await time.advance(11 * 60_000);
    for (let i = 0; i < 3; i++) await failSignIn(core, `mallory${i}`, 'wrong', `origin-${10 + i}`);
    await settle(core, 2);
    expect(types(security)).toEqual(['security.signin-burst', 'security.signin-burst']);
  });

  it('counts no burst while no rule hears of security events', async () => {
    const { core } = await setUp(['jobs'], { lockout: { maxFailures: 100, lockMs: 15 * 60_000 } });
    await call(core, 'alerts.updateSettings', { signInBurst: { failures: 3, windowMinutes: 10 } });
    for (let i = 0; i < 3; i++) await failSignIn(core, `name${i}`, 'wrong', `origin-${i}`);
    await vi.waitFor(async () => expect(await rowsOf(core).value("SELECT count(*) FROM login_throttle WHERE key LIKE 'account:%'")).toBe(3));
    expect(await rowsOf(core).value("SELECT count(*) FROM login_throttle WHERE key = 'burst:sign-in'")).toBe(0);
    await settle(core, 0);
  });

  it('a rule for down alone hears no lockout: its severity is degraded', async () => {
    const { core } = await setUp(['security'], {}, ['down']);
    for (let i = 0; i < 5; i++) await failSignIn(core, OWNER.username, 'wrong');
    await vi.waitFor(async () => expect(await rowsOf(core).value("SELECT locked_until FROM login_throttle WHERE key = 'account:alice'")).not.toBeNull());
    await settle(core, 0);
    expect(types(security)).toEqual([]);
  });

  it('an API key created is told without its token', async () => {
    const { core } = await setUp(['security']);
    const created = await call<{ key: { id: string; name: string }; token: string }>(core, 'apikeys.create', { name: 'deploy bot', role: 'operator' });
    await settle(core, 1);
    expect(types(security)).toEqual(['apikey.created']);
    expect(told(security)[0]?.data).toMatchObject({ about: { kind: 'api-key', id: created.key.id, name: 'deploy bot' }, page: '#/apikeys' });
    expect(await stored(core)).not.toContain(created.token);
    expect(security.received.map((each) => each.body).join('\n')).not.toContain(created.token);
    expect(types(incidentsOnly)).toEqual([]);
  });

  it('a failed job reaches a rule for jobs once; a rule for security events hears nothing of it', async () => {
    const { core } = await setUp(['jobs']);
    // A key created is a security event: not this rule's.
    await call(core, 'apikeys.create', { name: 'not told', role: 'viewer' });
    const job = await core.jobs.start({ kind: 'report.uptime', title: 'Monthly uptime report', createdBy: 'schedule:monthly' }, () =>
      Promise.reject(new Error('the disk is full')),
    );
    expect((await core.jobs.waitFor(job.id)).status).toBe('failed');
    const ok = await core.jobs.start({ kind: 'report.uptime', title: 'Another report', createdBy: 'schedule:monthly' }, () => Promise.resolve({}));
    expect((await core.jobs.waitFor(ok.id)).status).toBe('succeeded');
    await settle(core, 1);
    expect(types(security)).toEqual(['job.failed']);
    expect(told(security)[0]?.data).toMatchObject({ about: { kind: 'job', id: job.id, name: 'Monthly uptime report' }, page: '#/jobs' });
    expect(types(incidentsOnly)).toEqual([]);
    const [notification] = await deliveries(core);
    expect(notification).toMatchObject({ source: 'job.failed', incidentId: job.id, state: 'delivered' });
  });

  it('a verification that finds the audit chain broken is told, with the first broken event and a link to the audit page', async () => {
    const { core } = await setUp(['security']);
    const intact = await call<{ id: string }>(core, 'audit.verify', {});
    expect((await core.jobs.waitFor(intact.id)).status).toBe('succeeded');
    await settle(core, 0);
    await rowsOf(core).run("UPDATE audit_events SET outcome = 'CONFLICT' WHERE seq = 2");
    const job = await call<{ id: string }>(core, 'audit.verify', {});
    expect((await core.jobs.waitFor(job.id)).status).toBe('succeeded');
    await settle(core, 1);
    expect(types(security)).toEqual(['audit.chain-broken']);
    expect(told(security)[0]?.data).toMatchObject({
      severity: 'down',
      title: 'The audit chain is broken at event 2',
      about: { kind: 'job', id: job.id },
      page: '#/audit',
    });
  });

  it('a job a stop interrupted is told as failed when Guardian starts again', async () => {
    await setUp(['jobs']);
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const jobId = randomUUID();
    await rowsOf(env.core).run(
      "INSERT INTO jobs (id, kind, title, status, done, total, result, error, created_by, created_at, started_at, finished_at, owner) VALUES (?, 'backup.create', 'Nightly backup', 'running', 3, 10, NULL, NULL, 'schedule:nightly', ?, ?, NULL, ?)",
      jobId,
      time.now(),
      time.now(),
      `${hostname()}/${String(gone.pid)}`,
    );
    const core = await restartAlertsCore(env, time);
    await settle(core, 1);
    expect(types(security)).toEqual(['job.failed']);
    expect(told(security)[0]?.data).toMatchObject({ about: { kind: 'job', id: jobId, name: 'Nightly backup' } });
    expect(JSON.stringify(told(security)[0])).toContain('Guardian stopped while this job was running.');
    expect(await rowsOf(core).value('SELECT status FROM jobs WHERE id = ?', jobId)).toBe('failed');
  });

  it('a notification commits with its event or not at all', async () => {
    const { core } = await setUp(['security']);
    const key = { id: 'key-1', name: 'rolled back', role: 'viewer' as const, createdBy: 'user:alice', expiresAt: null, owner: null };
    await expect(
      core.database.data.transaction(async () => {
        expect(await core.alerts.notifyEvent(apiKeyCreatedAlert(key))).toBe(1);
        throw new Error('the event failed after its notification was written');
      }),
    ).rejects.toThrow('the event failed');
    expect(await rowsOf(core).value('SELECT count(*) FROM alert_outbox')).toBe(0);
    await core.database.data.transaction(() => core.alerts.notifyEvent(apiKeyCreatedAlert(key)));
    await settle(core, 1);
    expect(types(security)).toEqual(['apikey.created']);
  });

  it('refuses a source that does not exist and an empty list, naming the field', async () => {
    const { core, rule } = await setUp(['security', 'jobs']);
    expect(rule.sources).toEqual(['security', 'jobs']);
    const unknown = await refused(core, 'alerts.updateRule', { id: rule.id, sources: ['backups'] });
    expect(unknown).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['sources', 0], message: 'A source: incidents, security, jobs' }] });
    const empty = await refused(core, 'alerts.createRule', { name: 'nothing', sources: [], channelIds: rule.channelIds });
    expect(empty).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['sources'], message: 'Pick at least one source' }] });
    const changed = await call<AlertRule>(core, 'alerts.updateRule', { id: rule.id, sources: ['jobs', 'incidents'] });
    expect(changed.sources).toEqual(['incidents', 'jobs']);
  });
});
