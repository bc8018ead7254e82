import { randomBytes } from 'node:crypto';
import type { AlertChannel, AlertRule, Notification } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core, CoreOptions } from '../../app';
import type { CheckStatus } from '../../health/check';
import type { FakeTime } from '../../testing/fake-time';
import { CHEAP_SCRYPT, failure, success, type TempCore } from '../../testing/harness';

/**
 * What the alerts tests do to a core: through its router, as the owner unless told, a webhook
 * channel to a receiver with a rule sending every incident to it, servers with a TCP check, and
 * ticks of results recorded by the health engine's own recorder at a fake clock's time.
 */

const CALL = { origin: 'test' };
export const call = async <T>(core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) =>
  success<T>(await core.router.call(as, name, input, CALL));
export const refused = async (core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) => failure(await core.router.call(as, name, input, CALL));

export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * A core on the fake clock, its worker on the fake timers (moved by runOnce), with a vault to keep
 * the channel's secret that never locks itself, as `guardian serve` runs with its key file: the
 * fake clock's hours would otherwise lock it.
 */
export async function startAlertsCore(env: TempCore, time: FakeTime, jitter = 0.5, more: Pick<CoreOptions, 'lockout'> = {}): Promise<Core> {
  const core = await env.start({ ...alertsCoreOptions(time, jitter), ...more });
  await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: VAULT_PASSPHRASE } });
  return core;
}

/** The same core opened again, as after a crash or a restart, its vault unlocked again. */
export async function restartAlertsCore(env: TempCore, time: FakeTime, jitter = 0.5): Promise<Core> {
  const core = await env.restart(alertsCoreOptions(time, jitter));
  await call(core, 'vault.unlock', { with: { kind: 'passphrase', passphrase: VAULT_PASSPHRASE } });
  return core;
}

const VAULT_PASSPHRASE = 'a vault passphrase long enough';
const alertsCoreOptions = (time: FakeTime, jitter: number) => ({
  clock: time,
  health: { timers: time, random: () => 0 },
  alerts: { timers: time, random: () => jitter },
  vaultScryptCost: CHEAP_SCRYPT,
  vaultAutoLockMs: null,
});

export async function storeSigningSecret(core: Core, name: string): Promise<{ id: string; value: string }> {
  const value = newSigningSecret();
  const secret = await call<{ id: string }>(core, 'secrets.create', { name, value: { kind: 'api_token', token: value } });
  return { id: secret.id, value };
}

/** A webhook channel to `url` (loopback allowed, as only a test does) and a rule sending every incident to it; its secret joins `secrets`. */
export async function channelAndRule(
  core: Core,
  url: string,
  secrets: string[],
  config: Record<string, unknown> = {},
): Promise<{ channel: AlertChannel; rule: AlertRule; secret: string }> {
  const secret = await storeSigningSecret(core, 'receiver signing secret');
  secrets.push(secret.value);
  await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
  const channel = await call<AlertChannel>(core, 'alerts.createChannel', {
    name: 'on-call hook',
    type: 'webhook',
    config: { url, timeoutMs: 500, ...config },
    secretId: secret.id,
  });
  const rule = await call<AlertRule>(core, 'alerts.createRule', { name: 'everything', channelIds: [channel.id] });
  return { channel, rule, secret: secret.value };
}

export async function serverWithCheck(core: Core, name: string, tags: string[] = []): Promise<Check> {
  const server = await call<{ id: string }>(core, 'servers.create', { name, host: `${name}.example`, tags, monitor: false });
  return call<Check>(core, 'checks.create', {
    serverId: server.id,
    spec: { type: 'tcp', config: { host: `${name}.example`, port: 443 } },
    confirmAfter: 1,
    retries: 0,
  });
}

/** One tick of results, recorded by the health engine's own recorder at the clock's time. */
export function tick(core: Core, time: FakeTime, results: [Check, CheckStatus][]) {
  const at = time.now();
  return core.health.recorder.record(
    results.map(([check, status]) => ({
      checkId: check.id,
      serverId: check.serverId,
      result: { status, latencyMs: status === 'down' ? null : 3, message: status === 'down' ? 'connection refused' : 'connected' },
      attempts: 1,
      dueAt: at,
      startedAt: at,
      finishedAt: at,
      lagMs: 0,
    })),
  );
}

export const deliveries = async (core: Core, filter: Record<string, unknown> = {}) =>
  (await call<{ items: Notification[]; total: number }>(core, 'alerts.deliveries', filter)).items;
