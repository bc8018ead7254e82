import { beforeEach, describe, expect, it } from 'vitest';
import { eventList, methodList, methods, type MethodName } from '../../../shared/api';
import { LOCAL_OWNER, PERMISSIONS, principalAllows, roleAllows, ROLES, type Permission, type Principal, type Role } from '../../../shared/permissions';
import { useTempCore } from '../testing/harness';

/**
 * Who may call what, written out by hand from the issue: the router's answers must match it for
 * every method and every role. A new method fails this file until it has a row here.
 */
const EVERYONE = ROLES;
const WRITERS = ['owner', 'admin', 'operator'] as const;
const MANAGERS = ['owner', 'admin'] as const;
const READERS_OF_ACCOUNTS = ['owner', 'admin', 'auditor'] as const;
const VAULT_READERS = ['owner', 'admin', 'operator', 'auditor'] as const;

const WHO_MAY: Record<MethodName, readonly Role[] | 'public' | 'authenticated'> = {
  'servers.list': EVERYONE,
  'servers.facets': EVERYONE,
  'servers.get': EVERYONE,
  'servers.create': WRITERS,
  'servers.update': WRITERS,
  'servers.delete': WRITERS,
  'servers.import': WRITERS,
  'servers.export': EVERYONE,
  'servers.probe': WRITERS,
  'jobs.list': EVERYONE,
  'jobs.get': EVERYONE,
  'jobs.cancel': WRITERS,
  'jobs.saveArtifact': EVERYONE,
  'system.info': EVERYONE,
  'updates.status': EVERYONE,
  'updates.check': MANAGERS,
  'updates.setChannel': MANAGERS,
  'updates.install': MANAGERS,
  'auth.status': 'public',
  'auth.checkPassword': 'public',
  'auth.setup': 'public',
  'auth.login': 'public',
  'auth.logout': 'authenticated',
  'auth.me': 'authenticated',
  'auth.changePassword': 'authenticated',
  'auth.totpBegin': 'authenticated',
  'auth.totpConfirm': 'authenticated',
  'auth.totpDisable': 'authenticated',
  'sessions.list': 'authenticated',
  'sessions.revoke': 'authenticated',
  'onboarding.update': MANAGERS,
  'users.list': READERS_OF_ACCOUNTS,
  'users.create': MANAGERS,
  'users.update': MANAGERS,
  'users.disable': MANAGERS,
  'users.enable': MANAGERS,
  'users.resetPassword': MANAGERS,
  'users.resetMfa': MANAGERS,
  'users.delete': MANAGERS,
  'apikeys.list': READERS_OF_ACCOUNTS,
  'apikeys.create': MANAGERS,
  'apikeys.revoke': MANAGERS,
  'security.settings': READERS_OF_ACCOUNTS,
  // Beyond users:write: only an owner, in person (never an admin, never a key).
  'security.updateSettings': ['owner'],
  'auth.reauth': 'authenticated',
  'vault.status': VAULT_READERS,
  'vault.init': MANAGERS,
  'vault.unlock': MANAGERS,
  'vault.lock': MANAGERS,
  'vault.addSlot': MANAGERS,
  'vault.removeSlot': MANAGERS,
  'vault.changePassphrase': MANAGERS,
  'vault.rotate': MANAGERS,
  'vault.export': MANAGERS,
  'vault.import': MANAGERS,
  'secrets.list': VAULT_READERS,
  'secrets.create': WRITERS,
  'secrets.update': WRITERS,
  'secrets.delete': WRITERS,
  'secrets.reveal': MANAGERS,
  'secrets.inspectKey': WRITERS,
  'secrets.copy': MANAGERS,
  'checks.list': EVERYONE,
  'checks.get': EVERYONE,
  'checks.create': WRITERS,
  'checks.update': WRITERS,
  'checks.delete': WRITERS,
  'checks.pause': WRITERS,
  'checks.resume': WRITERS,
  'checks.run': WRITERS,
  'checks.test': WRITERS,
  'health.overview': EVERYONE,
  'health.server': EVERYONE,
  'health.series': EVERYONE,
  'incidents.list': EVERYONE,
  'incidents.get': EVERYONE,
  'incidents.acknowledge': WRITERS,
  'maintenance.list': EVERYONE,
  'maintenance.create': WRITERS,
  'maintenance.update': WRITERS,
  'maintenance.delete': WRITERS,
  'monitoring.settings': EVERYONE,
  'monitoring.updateSettings': WRITERS,
  // audit-summary reports also need audit:read, which the service checks (main/core/reports/service.test.ts).
  'reports.generate': EVERYONE,
  'schedules.list': EVERYONE,
  'schedules.create': WRITERS,
  'schedules.update': WRITERS,
  'schedules.delete': WRITERS,
  'schedules.run': WRITERS,
  'schedules.runs': EVERYONE,
  'schedules.tasks': EVERYONE,
  'schedules.outputFolders': EVERYONE,
  // Where the machine's files may be written: the owner's call alone.
  'schedules.setOutputFolders': ['owner'],
  'audit.list': READERS_OF_ACCOUNTS,
  'audit.get': READERS_OF_ACCOUNTS,
  'audit.verify': READERS_OF_ACCOUNTS,
  'audit.export': READERS_OF_ACCOUNTS,
  'audit.settings': READERS_OF_ACCOUNTS,
  'audit.updateSettings': MANAGERS,
  'audit.prune': MANAGERS,
};

interface Seed {
  serverId: string;
  userId: string;
  apiKeyId: string;
  sessionId: string;
}

const NO_SUCH_ID = '00000000-0000-4000-8000-000000000999';
const GOOD_PASSWORD = 'violet tulips at dawn';

/**
 * An input each method accepts, aimed at something that exists, so an allowed call really acts
 * and a refused one would have had something to change. Methods not listed get `{}`.
 */
function inputFor(name: string, seed: Seed): unknown {
  switch (name) {
    case 'servers.get':
      return { id: seed.serverId };
    case 'servers.create':
      return { name: 'matrix-web', host: 'matrix-web.example.net' };
    case 'servers.update':
      return { id: seed.serverId, name: 'renamed' };
    case 'servers.delete':
      return { id: seed.serverId };
    case 'servers.import':
      return { format: 'csv', content: 'name,host\nimported-1,imported-1.example.net\n' };
    case 'servers.export':
      return { format: 'json' };
    case 'servers.probe':
      // Nothing listens on port 1: refused at once, without leaving this machine.
      return { host: '127.0.0.1', port: 1, timeoutMs: 500 };
    case 'jobs.get':
    case 'jobs.cancel':
    case 'jobs.saveArtifact':
    case 'checks.get':
    case 'checks.update':
    case 'checks.delete':
    case 'checks.run':
    case 'incidents.get':
    case 'incidents.acknowledge':
    case 'maintenance.update':
    case 'maintenance.delete':
      return { id: NO_SUCH_ID };
    case 'checks.create':
      // Nothing listens on port 1 of this machine: the check fails at once when it runs.
      return { serverId: seed.serverId, spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } } };
    case 'checks.pause':
    case 'checks.resume':
    case 'health.server':
      return name === 'health.server' ? { id: seed.serverId } : { serverId: seed.serverId };
    case 'health.series':
      return { serverId: seed.serverId, range: '24h' };
    case 'checks.test':
      return { spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } }, timeoutMs: 500 };
    case 'maintenance.create':
      return { name: 'patch night', scope: { serverIds: [seed.serverId] }, schedule: { kind: 'once', startsAt: 1, endsAt: 2 } };
    case 'audit.get':
      return { seq: 1 };
    case 'audit.export':
      return { format: 'jsonl' };
    case 'audit.updateSettings':
      return { retentionDays: 400 };
    case 'reports.generate':
      return { type: 'inventory', period: { preset: '7d' }, format: 'csv' };
    case 'monitoring.updateSettings':
      return { rawRetentionDays: 8 };
    case 'schedules.create':
      return { name: 'matrix-schedule', task: 'health.retention', cron: '30 2 * * *', timezone: 'UTC' };
    case 'schedules.setOutputFolders':
      return { folders: ['/srv/guardian-reports'] };
    case 'schedules.update':
    case 'schedules.delete':
    case 'schedules.run':
    case 'schedules.runs':
      return { id: NO_SUCH_ID };
    case 'auth.checkPassword':
      return { username: 'someone', password: GOOD_PASSWORD };
    case 'auth.setup':
    case 'auth.login':
      return { username: 'someone', password: GOOD_PASSWORD };
    case 'auth.changePassword':
      return { currentPassword: GOOD_PASSWORD, newPassword: 'amber rivers at noon' };
    case 'auth.totpConfirm':
      return { code: '123456' };
    case 'auth.totpDisable':
      return { password: GOOD_PASSWORD };
    case 'sessions.revoke':
      return { id: seed.sessionId };
    case 'onboarding.update':
      return { step: 'server' };
    case 'users.create':
      return { username: 'matrix-user', role: 'viewer', password: GOOD_PASSWORD };
    case 'users.update':
      return { id: seed.userId, displayName: 'Renamed' };
    case 'users.disable':
    case 'users.enable':
    case 'users.resetMfa':
    case 'users.delete':
      return { id: seed.userId };
    case 'users.resetPassword':
      return { id: seed.userId, password: GOOD_PASSWORD };
    case 'apikeys.create':
      return { name: 'matrix-key', role: 'viewer' };
    case 'apikeys.revoke':
      return { id: seed.apiKeyId };
    case 'security.updateSettings':
      return { apiKeysMayManageAccess: true };
    case 'updates.setChannel':
      return { channel: 'beta' };
    default:
      return {};
  }
}

const principalOf = (role: Role): Principal => ({ kind: 'user', id: `${role}-1`, name: `the ${role}`, role });

const env = useTempCore({ prefix: 'guardian-permissions-' });
let seed: Seed;

beforeEach(async () => {
  const { core } = env;
  const { sqlite } = core.database;
  const server = await core.router.invoke(LOCAL_OWNER, 'servers.create', { name: 'seeded', host: 'seeded.example.net' }, { origin: 'test' });
  // A ready-made account and session; their password hash is never checked here.
  const userId = '00000000-0000-4000-8000-000000000001';
  const sessionId = 'seeded-session';
  sqlite
    .prepare(
      `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
       VALUES (?, 'seeded', 'Seeded', 'viewer', 'unused', 0, 0, 0, 0, 0)`,
    )
    .run(userId);
  sqlite
    .prepare(
      `INSERT INTO sessions (id, user_id, token_hash, csrf_token, origin, user_agent, created_at, last_seen_at, expires_at)
       VALUES (?, ?, 'hash', 'csrf', 'test', 'test', ?, ?, ?)`,
    )
    .run(sessionId, userId, Date.now(), Date.now(), Date.now() + 3_600_000);
  // The callers' own accounts: a key made by one of them acts for it.
  for (const role of ROLES) {
    sqlite
      .prepare(
        `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'unused', 0, 0, 0, 0, 0)`,
      )
      .run(principalOf(role).id, `the-${role}`, principalOf(role).name, role);
  }
  const { key } = core.apiKeys.create({ name: 'seeded', role: 'viewer', createdBy: 'system:test', grantor: LOCAL_OWNER });
  seed = { serverId: server.id, userId, apiKeyId: key.id, sessionId };
});

/** Every row of every table except the audit log (and its full-text index), as text: equal snapshots mean nothing changed. */
function state(): string {
  const { sqlite } = env.core.database;
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'audit_events' AND name NOT LIKE 'audit_search%' ORDER BY name")
    .all() as { name: string }[];
  return JSON.stringify(tables.map(({ name }) => [name, sqlite.prepare(`SELECT * FROM "${name}"`).all()]));
}

const auditSince = (seq: number) =>
  env.core.database.sqlite.prepare('SELECT action, outcome FROM audit_events WHERE seq > ? ORDER BY seq').all(seq) as { action: string; outcome: string }[];
const lastSeq = () => (env.core.database.sqlite.prepare('SELECT coalesce(max(seq), 0) AS seq FROM audit_events').get() as { seq: number }).seq;

const mayCall = (name: MethodName, role: Role) => {
  const who = WHO_MAY[name] as (typeof WHO_MAY)[MethodName] | undefined;
  if (!who) throw new Error(`${name} has no row in WHO_MAY`);
  return typeof who === 'string' || who.includes(role);
};

describe('the permission table', () => {
  it('covers exactly the methods of the contract', () => {
    expect(Object.keys(WHO_MAY).sort()).toEqual(methodList.map((def) => def.name).sort());
    for (const [name, def] of Object.entries(methods)) expect(def.name).toBe(name);
  });

  it.each(methodList.map((def) => [def.name, def.permission]))('%s needs "public", "authenticated" or a known permission (%s)', (_name, permission) => {
    expect(['public', 'authenticated', ...PERMISSIONS]).toContain(permission);
  });

  it.each(methodList.map((def) => [def.name, def.permission]))('%s is as open as the hand-written table says (%s)', (name, permission) => {
    const who = WHO_MAY[name as MethodName];
    if (typeof who === 'string') expect(permission).toBe(who);
    else expect(permission).not.toMatch(/^(public|authenticated)$/);
  });

  it.each(eventList.map((def) => [def.name, def.permission]))('event %s needs a known permission (%s)', (_name, permission) => {
    expect(PERMISSIONS).toContain(permission);
  });
});

describe('calling every method as every role', () => {
  it.each(methodList.map((def) => [def.name as MethodName]))('%s: refused exactly for the roles the table leaves out, changing nothing', async (name) => {
    // Refused roles go first, so each finds the seeded data as it was.
    const roles = [...ROLES].sort((a, b) => Number(mayCall(name, a)) - Number(mayCall(name, b)));

    for (const role of roles) {
      const before = state();
      const seq = lastSeq();
      const result = await env.core.router.call(principalOf(role), name, inputFor(name, seed), { origin: 'test' });
      const code = result.ok ? 'ok' : result.error.code;

      // Every audited method writes exactly one event per call, whatever the outcome (docs/architecture.md §9).
      const events = auditSince(seq).filter((row) => row.action === name);
      expect(events, `${role} calling ${name}: its audit events`).toHaveLength(methods[name].audit === false ? 0 : 1);
      if (events[0]) expect(events[0].outcome).toBe(code);
      if (mayCall(name, role)) {
        expect(['PERMISSION_DENIED', 'UNAUTHENTICATED', 'PASSWORD_CHANGE_REQUIRED', 'INTERNAL'], `${role} calling ${name}`).not.toContain(code);
      } else {
        expect(code, `${role} calling ${name}`).toBe('PERMISSION_DENIED');
        expect(state(), `${role} calling ${name} changed something`).toBe(before);
        expect(auditSince(seq).filter((row) => row.outcome === 'ok')).toEqual([]);
      }
    }
  });

  it.each(methodList.map((def) => [def.name as MethodName]))('%s: an anonymous caller is refused unless the method is public', async (name) => {
    const before = state();
    const seq = lastSeq();

    const result = await env.core.router.call(null, name, inputFor(name, seed), { origin: 'test' });

    if (methods[name].permission === 'public') {
      expect(result.ok || result.error.code).not.toBe('UNAUTHENTICATED');
    } else {
      expect(result.ok || result.error.code).toBe('UNAUTHENTICATED');
      expect(state()).toBe(before);
      expect(auditSince(seq).filter((row) => row.outcome === 'ok')).toEqual([]);
    }
  });
});

describe('principalAllows', () => {
  const operator: Principal = { kind: 'user', id: 'o-1', name: 'the operator', role: 'operator' };

  it('gives a principal without a list of its own exactly its role’s permissions', () => {
    for (const role of ROLES) {
      for (const permission of PERMISSIONS) {
        expect(principalAllows({ role }, permission), `${role} / ${permission}`).toBe(roleAllows(role, permission));
      }
    }
  });

  it('limits an API key to the permissions it lists', () => {
    const key: Principal = { kind: 'apiKey', id: 'k-1', name: 'read-only key', role: 'operator', permissions: ['servers:read'] };
    expect(principalAllows(key, 'servers:read')).toBe(true);
    expect(principalAllows(key, 'servers:write')).toBe(false);
    expect(principalAllows({ ...key, permissions: [] }, 'servers:read')).toBe(false);
  });

  it('never gives a key more than its role, whatever it lists', () => {
    const key: Principal = { ...operator, kind: 'apiKey', permissions: ['servers:read', 'vault:reveal', 'users:write'] };
    expect(principalAllows(key, 'servers:read')).toBe(true);
    expect(principalAllows(key, 'vault:reveal')).toBe(false);
    expect(principalAllows(key, 'users:write')).toBe(false);
  });

  it('lets nobody but owners and admins reveal secrets, manage accounts or the audit log', () => {
    const holders = (permission: Permission) => ROLES.filter((role) => roleAllows(role, permission));
    expect(holders('vault:reveal')).toEqual(['owner', 'admin']);
    expect(holders('users:write')).toEqual(['owner', 'admin']);
    expect(holders('audit:admin')).toEqual(['owner', 'admin']);
    expect(holders('audit:read')).toEqual(['owner', 'admin', 'auditor']);
  });
});
