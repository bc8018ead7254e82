import { beforeAll, describe, expect, it } from 'vitest';
import { events as eventDefs, methods, type EventName } from '@shared/api';
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../app';
import { CHEAP_COSTS, failure, success, useTempCore, type TempCore } from '../testing/harness';

/**
 * Every change through the contract is announced on the event bus with its domain's change event
 * (docs/architecture.md §3): a second window or a second admin sees it without reading again on
 * a timer, and the caller's own window updates from the same event. The payloads say what kind
 * of change and which ids, never the data (no secret, no token, no password).
 */

let env: TempCore;
const CALL = { origin: 'test' };
const PASSPHRASE = 'correct horse battery staple';
const SECRET = 'canary-secret-value-7f3a9c';
const PASSWORD = 'a long sentence for the new account 9';

interface Heard {
  name: EventName;
  payload: unknown;
}

/** Calls `name` as the local owner and answers what it returned and the change events it caused. */
async function change<T = { id: string }>(core: Core, name: string, input: unknown): Promise<{ value: T; heard: Heard[] }> {
  const heard: Heard[] = [];
  const off = core.events.subscribe((event, payload) => {
    if (event.endsWith('.changed') || event.endsWith('Changed')) heard.push({ name: event, payload });
  });
  try {
    const value = success<T>(await core.router.call(LOCAL_OWNER, name, input, CALL));
    return { value, heard };
  } finally {
    off();
  }
}

const one = (name: EventName, change: string, ids: string[]) => [{ name, payload: { change, ids } }];

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-change-events-', ...CHEAP_COSTS, engine });
  beforeAll(() => {
    env = onEngine;
  });

  describe('change events', () => {
    it('announces every change to checks, maintenance windows and the monitoring settings', async () => {
      const core = env.core;
      const server = success<{ id: string }>(await core.router.call(LOCAL_OWNER, 'servers.create', { name: 'web-1', host: '10.0.0.1', monitor: false }, CALL));
      const spec = { type: 'tcp', config: { host: '10.0.0.1', port: 22 } };

      const created = await change(core, 'checks.create', { serverId: server.id, spec, paused: true });
      expect(created.heard).toEqual(one('checks.changed', 'created', [created.value.id]));
      const id = created.value.id;
      expect((await change(core, 'checks.update', { id, name: 'ssh port' })).heard).toEqual(one('checks.changed', 'updated', [id]));
      expect((await change(core, 'checks.resume', { id })).heard).toEqual(one('checks.changed', 'resumed', [id]));
      expect((await change(core, 'checks.pause', { serverId: server.id })).heard).toEqual(one('checks.changed', 'paused', [id]));
      // Pausing what is paused changes nothing, and says nothing.
      expect((await change(core, 'checks.pause', { id })).heard).toEqual([]);
      expect((await change(core, 'checks.delete', { id })).heard).toEqual(one('checks.changed', 'deleted', [id]));

      const window = await change(core, 'maintenance.create', {
        name: 'patching',
        scope: { serverIds: [server.id] },
        schedule: { kind: 'once', startsAt: Date.now() + 60_000, endsAt: Date.now() + 120_000 },
      });
      expect(window.heard).toEqual(one('maintenance.changed', 'created', [window.value.id]));
      expect((await change(core, 'maintenance.update', { id: window.value.id, name: 'kernel patching' })).heard).toEqual(
        one('maintenance.changed', 'updated', [window.value.id]),
      );
      expect((await change(core, 'maintenance.delete', { id: window.value.id })).heard).toEqual(one('maintenance.changed', 'deleted', [window.value.id]));

      expect((await change(core, 'monitoring.updateSettings', { rawRetentionDays: 3 })).heard).toEqual(one('monitoring.changed', 'updated', []));
    });

    it('announces nothing when a change is refused', async () => {
      const core = env.core;
      const heard: string[] = [];
      const off = core.events.subscribe((name) => heard.push(name));
      const missing = '00000000-0000-4000-8000-000000000000';
      expect(failure(await core.router.call(LOCAL_OWNER, 'checks.update', { id: missing, name: 'x' }, CALL)).code).toBe('NOT_FOUND');
      expect(failure(await core.router.call(LOCAL_OWNER, 'maintenance.delete', { id: missing }, CALL)).code).toBe('NOT_FOUND');
      expect(failure(await core.router.call(LOCAL_OWNER, 'schedules.run', { id: missing }, CALL)).code).toBe('NOT_FOUND');
      expect(failure(await core.router.call(LOCAL_OWNER, 'users.disable', { id: missing }, CALL)).code).toBe('NOT_FOUND');
      off();
      expect(heard).toEqual([]);
    });

    it('announces every change to schedules and their output folders', async () => {
      const core = env.core;
      const created = await change(core, 'schedules.create', { name: 'nightly prune', task: 'audit.prune', cron: '@daily', timezone: 'UTC' });
      const id = created.value.id;
      expect(created.heard).toEqual(one('schedules.changed', 'created', [id]));
      expect((await change(core, 'schedules.update', { id, name: 'prune at night' })).heard).toEqual(one('schedules.changed', 'updated', [id]));
      expect((await change(core, 'schedules.run', { id })).heard).toEqual(one('schedules.changed', 'ran', [id]));
      expect((await change(core, 'schedules.delete', { id })).heard).toEqual(one('schedules.changed', 'deleted', [id]));
      expect((await change(core, 'schedules.setOutputFolders', { folders: [] })).heard).toEqual(one('schedules.changed', 'outputFolders', []));
    });

    it('announces every change to accounts, API keys and the security settings, without a password or token', async () => {
      const core = env.core;
      const user = await change(core, 'users.create', { username: 'victor', role: 'viewer', password: PASSWORD });
      const id = user.value.id;
      expect(user.heard).toEqual(one('users.changed', 'created', [id]));
      expect((await change(core, 'users.update', { id, displayName: 'Victor' })).heard).toEqual(one('users.changed', 'updated', [id]));
      expect((await change(core, 'users.disable', { id })).heard).toEqual(one('users.changed', 'disabled', [id]));
      expect((await change(core, 'users.enable', { id })).heard).toEqual(one('users.changed', 'enabled', [id]));
      const reset = await change(core, 'users.resetPassword', { id, password: `${PASSWORD} again` });
      expect(reset.heard).toEqual(one('users.changed', 'passwordReset', [id]));
      expect((await change(core, 'users.resetMfa', { id })).heard).toEqual(one('users.changed', 'mfaReset', [id]));

      const key = await change<{ key: { id: string }; token: string }>(core, 'apikeys.create', { name: 'ci', role: 'viewer' });
      expect(key.heard).toEqual(one('apikeys.changed', 'created', [key.value.key.id]));
      expect(JSON.stringify(key.heard)).not.toContain(key.value.token);
      expect((await change(core, 'apikeys.revoke', { id: key.value.key.id })).heard).toEqual(one('apikeys.changed', 'revoked', [key.value.key.id]));

      expect((await change(core, 'security.updateSettings', { apiKeysMayManageAccess: true })).heard).toEqual(one('security.changed', 'updated', []));
      expect((await change(core, 'users.delete', { id })).heard).toEqual(one('users.changed', 'deleted', [id]));
      expect(JSON.stringify([user.heard, reset.heard])).not.toContain(PASSWORD);
    });

    it('announces every change to the vault and its secrets, never a value', async () => {
      const core = env.core;
      const init = await change<{ slots: { id: string }[] }>(core, 'vault.init', { slot: { kind: 'passphrase', passphrase: PASSPHRASE } });
      expect(init.heard).toEqual(one('vault.changed', 'initialized', []));
      const added = await change<{ slots: { id: string }[] }>(core, 'vault.addSlot', {
        slot: { kind: 'passphrase', passphrase: `${PASSPHRASE} two`, label: 'ops' },
      });
      expect(added.heard).toEqual(one('vault.changed', 'slotAdded', []));
      const second = added.value.slots.find((slot) => !init.value.slots.some((first) => first.id === slot.id))?.id ?? '';
      expect((await change(core, 'vault.removeSlot', { id: second })).heard).toEqual(one('vault.changed', 'slotRemoved', [second]));

      const secret = await change(core, 'secrets.create', { name: 'db root', value: { kind: 'password', password: SECRET } });
      const id = secret.value.id;
      expect(secret.heard).toEqual(one('secrets.changed', 'created', [id]));
      const updated = await change(core, 'secrets.update', { id, value: { kind: 'password', password: `${SECRET}-2` } });
      expect(updated.heard).toEqual(one('secrets.changed', 'updated', [id]));
      expect(JSON.stringify([secret.heard, updated.heard])).not.toContain(SECRET);
      expect((await change(core, 'secrets.delete', { id })).heard).toEqual(one('secrets.changed', 'deleted', [id]));

      expect((await change(core, 'vault.lock', {})).heard).toEqual(one('vault.changed', 'locked', []));
      const unlock = await change(core, 'vault.unlock', { with: { kind: 'passphrase', passphrase: PASSPHRASE } });
      expect(unlock.heard).toEqual(one('vault.changed', 'unlocked', []));
      expect(JSON.stringify(unlock.heard)).not.toContain(PASSPHRASE);
    });

    it('announces a change to the audit settings', async () => {
      const core = env.core;
      const current = success<{ retentionDays: number | null }>(await core.router.call(LOCAL_OWNER, 'audit.settings', {}, CALL));
      const { heard } = await change(core, 'audit.updateSettings', { retentionDays: current.retentionDays === 400 ? 500 : 400 });
      expect(heard).toEqual(one('audit.settingsChanged', 'updated', []));
    });

    it('sends each change event only to whoever may read what changed', () => {
      // The event's permission is the one its domain's reads need: ids never reach a role that
      // could not list them (the transports filter by it: main/desktop/ipc.ts, main/headless/http/sse.ts).
      const readOf: Record<string, keyof typeof methods> = {
        'checks.changed': 'checks.list',
        'maintenance.changed': 'maintenance.list',
        'monitoring.changed': 'monitoring.settings',
        'schedules.changed': 'schedules.list',
        'users.changed': 'users.list',
        'apikeys.changed': 'apikeys.list',
        'security.changed': 'security.settings',
        'secrets.changed': 'secrets.list',
        'vault.changed': 'vault.status',
        'audit.settingsChanged': 'audit.settings',
        'servers.changed': 'servers.list',
        'alerts.changed': 'alerts.channels',
        'runbooks.changed': 'runbooks.list',
        'operations.settingsChanged': 'operations.settings',
      };
      const changeEvents = Object.keys(eventDefs).filter((name) => name.endsWith('.changed') || name.endsWith('Changed'));
      expect(changeEvents.sort()).toEqual(Object.keys(readOf).sort());
      for (const [event, read] of Object.entries(readOf)) {
        expect({ event, permission: eventDefs[event as EventName].permission }).toEqual({ event, permission: methods[read].permission });
      }
    });
  });
});
