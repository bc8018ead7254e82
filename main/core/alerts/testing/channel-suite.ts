import { afterEach, beforeEach } from 'vitest';
import type { Notification } from '@shared/api/alerts';
import type { Check } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import { LOCAL_OWNER, type Principal } from '@shared/permissions';
import type { Core } from '../../app';
import type { CheckStatus } from '../../health/check';
import { FakeTime } from '../../testing/fake-time';
import { CHEAP_SCRYPT, failure, success, type TempCore } from '../../testing/harness';
import { httpPeer, type HttpPeer } from './http-peer';

/**
 * What every channel type's suite starts from: a core on the run's engine whose clock, health and
 * alert timers the test holds, its vault open and 127.0.0.1 allowed as a target (as an admin must
 * for a test receiver), a real HTTP service on 127.0.0.1 per test, and a server that goes down
 * and up when the test says.
 */

const CALL = { origin: 'test' };

export interface ServerToBreak {
  name: string;
  host: string;
  port: number;
  environment?: string;
  tags?: string[];
}

export interface Outage {
  check: Check;
  /** Records one result of the check now; the incident it opened or resolved. */
  tick(status: CheckStatus, message?: string): Promise<{ opened: Incident[] }>;
}

/**
 * `env` is the file's own `useTempCore({ lazy: true })`, called in the test file itself: that call
 * is what puts a file in the PostgreSQL project too (vitest.config.ts).
 */
export function useChannelSuite(env: TempCore) {
  let peer: HttpPeer | undefined;
  let time: FakeTime | undefined;
  beforeEach(async () => {
    time = new FakeTime(Date.now());
    peer = await httpPeer();
  });
  afterEach(async () => {
    await peer?.close();
  });
  const now = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`no ${what} outside a test`);
    return value;
  };

  const call = async <T>(core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) => success<T>(await core.router.call(as, name, input, CALL));
  const refused = async (core: Core, name: string, input: unknown, as: Principal = LOCAL_OWNER) => failure(await core.router.call(as, name, input, CALL));

  return {
    /** This test's HTTP service on 127.0.0.1. */
    get peer(): HttpPeer {
      return now(peer, 'HTTP peer');
    },
    /** This test's clock and timers. */
    get time(): FakeTime {
      return now(time, 'clock');
    },
    call,
    refused,
    /** The delivery log, newest first. */
    deliveries: async (core: Core) => (await call<{ items: Notification[] }>(core, 'alerts.deliveries', {})).items,

    async start(): Promise<Core> {
      const clock = now(time, 'clock');
      const core = await env.start({
        clock,
        vaultScryptCost: CHEAP_SCRYPT,
        health: { timers: clock, random: () => 0 },
        alerts: { timers: clock, random: () => 0.5 },
      });
      await call(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: 'a vault passphrase long enough' } });
      await call(core, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] });
      return core;
    },

    /** `server` with one TCP check (no retries, down at the first failure), whose results the test records. */
    async outage(core: Core, server: ServerToBreak, downMessage: string): Promise<Outage> {
      const created = await call<{ id: string }>(core, 'servers.create', {
        name: server.name,
        host: server.host,
        ...(server.environment ? { environment: server.environment } : {}),
        ...(server.tags ? { tags: server.tags } : {}),
        monitor: false,
      });
      const check = await call<Check>(core, 'checks.create', {
        serverId: created.id,
        spec: { type: 'tcp', config: { host: server.host, port: server.port } },
        confirmAfter: 1,
        retries: 0,
      });
      return {
        check,
        tick(status, message = status === 'up' ? 'connected' : downMessage) {
          const at = now(time, 'clock').now();
          return core.health.recorder.record([
            {
              checkId: check.id,
              serverId: check.serverId,
              result: { status, latencyMs: status === 'up' ? 2 : null, message },
              attempts: 1,
              dueAt: at,
              startedAt: at,
              finishedAt: at,
              lagMs: 0,
            },
          ]);
        },
      };
    },
  };
}
