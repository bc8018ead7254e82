import { afterAll, describe, expect, it } from 'vitest';
import { eventList, methodList, methods, type MethodName } from '@shared/api';
import type { UpdateChannel, UpdatesStatus } from '@shared/api/updates';
import {
  LOCAL_OWNER,
  PERMISSIONS,
  principalAllows,
  ROLE_DESCRIPTIONS,
  roleAllows,
  ROLES,
  type Permission,
  type Principal,
  type Role,
} from '@shared/permissions';
import { hashPassword } from '../auth/passwords';
import { totpCode as codeFor } from '../auth/totp';
import type { Core } from '../app';
import { CHEAP_ARGON2, ON_POSTGRES, RecordingSink, tempCore, useTempCore, type TempCore, type TestCoreOptions } from '../testing/harness';
import { ed25519Key } from '../testing/ssh-keys';
import { rowsOf } from '../testing/rows';

/**
 * Who may call what, written out by hand from the issue: the router's answers must match it for
 * every method and every role. A new method fails this file until it has a row here.
 */
const EVERYONE = ROLES;
const WRITERS = ['owner', 'admin', 'operator'] as const;
const MANAGERS = ['owner', 'admin'] as const;
const READERS_OF_ACCOUNTS = ['owner', 'admin', 'auditor'] as const;
const VAULT_READERS = ['owner', 'admin', 'operator', 'auditor'] as const;
/** What commands printed (issue 21): viewers see runs, auditors see runs and output. */
const OUTPUT_READERS = ['owner', 'admin', 'auditor'] as const;
/** Who may run runbooks (each runbook may narrow it to admins; the planted one is open to operators). */
const RUNBOOK_RUNNERS = ['owner', 'admin', 'operator'] as const;

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
  'monitoring.serverLimits': EVERYONE,
  'monitoring.setServerLimit': WRITERS,
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
  'alerts.channels': EVERYONE,
  'alerts.createChannel': WRITERS,
  'alerts.updateChannel': WRITERS,
  'alerts.deleteChannel': WRITERS,
  'alerts.testChannel': WRITERS,
  'alerts.rules': EVERYONE,
  'alerts.previewMatch': EVERYONE,
  'alerts.createRule': WRITERS,
  'alerts.updateRule': WRITERS,
  'alerts.deleteRule': WRITERS,
  'alerts.deliveries': EVERYONE,
  'alerts.silences': EVERYONE,
  'alerts.addSilence': WRITERS,
  'alerts.expireSilence': WRITERS,
  'alerts.settings': EVERYONE,
  // Which private addresses Guardian may post to is the installation's to decide, as metadata addresses are.
  'alerts.updateSettings': MANAGERS,
  // Only owners and admins run ad-hoc commands (issue 21).
  'operations.run': MANAGERS,
  // Pushing a file writes on the servers as a command does (operations.push in push.test.ts).
  'operations.push': MANAGERS,
  'operations.runs': EVERYONE,
  'operations.get': EVERYONE,
  'operations.output': OUTPUT_READERS,
  'operations.cancel': MANAGERS,
  // The planted run is a runbook's, open to operators; an ad-hoc run's re-run needs operations:run (operations.test.ts).
  'operations.rerun': RUNBOOK_RUNNERS,
  'operations.searchOutput': OUTPUT_READERS,
  'operations.settings': EVERYONE,
  'operations.updateSettings': MANAGERS,
  'runbooks.list': EVERYONE,
  'runbooks.get': EVERYONE,
  'runbooks.versions': EVERYONE,
  'runbooks.export': EVERYONE,
  // Only owners and admins edit runbooks (issue 21).
  'runbooks.create': MANAGERS,
  'runbooks.update': MANAGERS,
  'runbooks.delete': MANAGERS,
  'runbooks.import': MANAGERS,
  'runbooks.run': RUNBOOK_RUNNERS,
  // Issue 21: only admins and owners open terminals; recordings are read by whoever reads output.
  'terminal.open': MANAGERS,
  'terminal.input': MANAGERS,
  'terminal.resize': MANAGERS,
  'terminal.close': MANAGERS,
  'terminal.recordings': OUTPUT_READERS,
  'terminal.recording': OUTPUT_READERS,
};

/** What a call may aim at: made afresh for every call, so every call finds it as planted. */
interface Seed {
  serverId: string;
  userId: string;
  apiKeyId: string;
  /** A session of the caller's own account. */
  sessionId: string;
  checkId: string;
  jobId: string;
  incidentId: string;
  maintenanceId: string;
  /** A silence of the seeded server, in force for a day. */
  silenceId: string;
  scheduleId: string;
  secretId: string;
  /** An API token of the form whsec_… a webhook channel signs with, the channel (posting to a closed port of 127.0.0.1) and a rule sending to it. */
  signingSecretId: string;
  channelId: string;
  ruleId: string;
  /** The vault's first slot (a passphrase) and a second one that may be removed. */
  slotId: string;
  spareSlotId: string;
  /** The caller's current TOTP code, for `auth.totpConfirm` (enrolment begun). */
  totpCode: string;
  /** A finished run of `true` on the seeded server (which has no credential, so its one target failed without a connection); for operations.rerun, a run of the runbook. */
  runId: string;
  /** A runbook open to operators, its default target the seeded server. */
  runbookId: string;
}

const GOOD_PASSWORD = 'violet tulips at dawn';
const VAULT_PASSPHRASE = 'a vault passphrase long enough';
const SSH_KEY = ed25519Key().private;

/**
 * An input each method accepts, aimed at something that exists, so a permitted call really acts
 * (and succeeds, but for the few in {@link FAILS_AFTER_AUTHORIZATION}) and a refused one would have
 * had something to change. Methods not listed take `{}`.
 */
function inputFor(name: MethodName, seed: Seed): unknown {
  switch (name) {
    case 'servers.get':
    case 'servers.delete':
      return { id: seed.serverId };
    case 'servers.create':
      return { name: 'matrix-web', host: 'matrix-web.example.net' };
    case 'servers.update':
      return { id: seed.serverId, name: 'renamed' };
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
      return { id: seed.jobId };
    case 'checks.get':
    case 'checks.delete':
    case 'checks.run':
      return { id: seed.checkId };
    case 'checks.update':
      return { id: seed.checkId, name: 'renamed check' };
    case 'checks.create':
      // Nothing listens on port 1 of this machine: the check fails at once when it runs.
      return { serverId: seed.serverId, spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } } };
    case 'checks.pause':
    case 'checks.resume':
      return { serverId: seed.serverId };
    case 'health.server':
      return { id: seed.serverId };
    case 'health.series':
      return { serverId: seed.serverId, range: '24h' };
    case 'checks.test':
      return { spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } }, timeoutMs: 500 };
    case 'incidents.get':
    case 'incidents.acknowledge':
      return { id: seed.incidentId };
    case 'maintenance.create':
      return { name: 'patch night', scope: { serverIds: [seed.serverId] }, schedule: { kind: 'once', startsAt: 1, endsAt: 2 } };
    case 'maintenance.update':
      return { id: seed.maintenanceId, name: 'patch morning' };
    case 'maintenance.delete':
      return { id: seed.maintenanceId };
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
    case 'monitoring.setServerLimit':
      return { serverId: seed.serverId, maxChecks: 16 };
    case 'schedules.create':
      return { name: 'matrix-schedule', task: 'health.retention', cron: '30 2 * * *', timezone: 'UTC' };
    case 'schedules.setOutputFolders':
      return { folders: ['/srv/guardian-reports'] };
    case 'schedules.update':
      return { id: seed.scheduleId, name: 'renamed schedule' };
    case 'schedules.delete':
    case 'schedules.run':
    case 'schedules.runs':
      return { id: seed.scheduleId };
    case 'auth.checkPassword':
      return { username: 'someone', password: GOOD_PASSWORD };
    case 'auth.setup':
      return { username: 'first-owner', password: GOOD_PASSWORD };
    case 'auth.login':
      return { username: 'the-viewer', password: GOOD_PASSWORD };
    case 'auth.changePassword':
      return { currentPassword: GOOD_PASSWORD, newPassword: 'amber rivers at noon' };
    case 'auth.totpConfirm':
      return { code: seed.totpCode };
    case 'auth.totpDisable':
    case 'auth.reauth':
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
    case 'vault.init':
    case 'vault.addSlot':
      return { slot: { kind: 'passphrase', passphrase: name === 'vault.init' ? VAULT_PASSPHRASE : 'a second passphrase, also long' } };
    case 'vault.unlock':
      return { with: { kind: 'passphrase', passphrase: VAULT_PASSPHRASE } };
    case 'vault.removeSlot':
      return { id: seed.spareSlotId };
    case 'vault.changePassphrase':
      return { id: seed.slotId, current: VAULT_PASSPHRASE, next: 'a new vault passphrase, long' };
    case 'vault.export':
      return { passphrase: 'an export passphrase, long' };
    case 'vault.import':
      return { passphrase: VAULT_PASSPHRASE, content: '{"not":"a vault export"}' };
    case 'secrets.create':
      return { name: 'matrix-secret', value: { kind: 'password', password: 'hunter2-matrix' } };
    case 'secrets.update':
      return { id: seed.secretId, name: 'renamed-secret' };
    case 'secrets.delete':
    case 'secrets.reveal':
    case 'secrets.copy':
      return { id: seed.secretId };
    case 'secrets.inspectKey':
      return { privateKey: SSH_KEY };
    case 'alerts.createChannel':
      // Nothing listens on port 1 of this machine (allowed in the planted alert settings): a test send is refused at once.
      return { name: 'matrix-channel', type: 'webhook', config: { url: 'http://127.0.0.1:1/hook', timeoutMs: 500 }, secretId: seed.signingSecretId };
    case 'alerts.updateChannel':
      return { id: seed.channelId, name: 'renamed channel' };
    case 'alerts.deleteChannel':
    case 'alerts.testChannel':
      return { id: seed.channelId };
    case 'alerts.createRule':
      return { name: 'matrix-rule', channelIds: [seed.channelId] };
    case 'alerts.updateRule':
      return { id: seed.ruleId, name: 'renamed rule' };
    case 'alerts.deleteRule':
      return { id: seed.ruleId };
    case 'alerts.updateSettings':
      return { giveUpAfterMinutes: 60 };
    case 'alerts.addSilence':
      return { match: { serverIds: [seed.serverId] }, durationMinutes: 60, reason: 'replacing a disk' };
    case 'alerts.expireSilence':
      return { id: seed.silenceId, reason: 'the disk is in' };
    case 'operations.run':
      // The seeded server has no credential linked: its target fails before any connection.
      return { command: 'true', targets: { serverIds: [seed.serverId] }, timeoutSeconds: 5 };
    case 'operations.push':
      // As operations.run: the seeded server has no credential, so its target fails before any connection.
      return { targets: { serverIds: [seed.serverId] }, path: '/tmp/guardian-permissions', content: 'aGk=', timeoutSeconds: 5 };
    case 'operations.searchOutput':
      return { text: 'anything' };
    case 'operations.updateSettings':
      return { runRetentionDays: 90 };
    case 'operations.get':
    case 'operations.rerun':
      return { id: seed.runId };
    case 'runbooks.get':
    case 'runbooks.versions':
    case 'runbooks.export':
    case 'runbooks.delete':
    case 'runbooks.run':
      return { id: seed.runbookId };
    case 'terminal.open':
      return { serverId: seed.serverId, cols: 80, rows: 24 };
    case 'terminal.input':
      return { id: NO_TERMINAL, data: 'ls\n' };
    case 'terminal.resize':
      return { id: NO_TERMINAL, cols: 100, rows: 30 };
    case 'terminal.close':
    case 'terminal.recording':
      return { id: NO_TERMINAL };
    case 'runbooks.update':
      return { id: seed.runbookId, description: 'changed' };
    case 'runbooks.create':
      return { name: 'matrix-runbook', script: 'true' };
    case 'runbooks.import':
      return {
        content: JSON.stringify({
          format: 'guardian-runbook/1',
          version: 1,
          exportedAt: '2026-12-07T00:00:00.000Z',
          runbook: { name: 'imported', script: 'true' },
        }),
      };
    case 'operations.output':
    case 'operations.cancel':
      return { id: seed.runId, serverId: seed.serverId };
    default:
      return {};
  }
}

/**
 * The only permitted calls that do not succeed here, each refused by its service (after the
 * router let the caller through) for a reason that has nothing to do with who calls. Every other
 * permitted call must succeed.
 */
const FAILS_AFTER_AUTHORIZATION: Partial<Record<MethodName, { code: string; why: string }>> = {
  'auth.setup': { code: 'CONFLICT', why: 'the callers’ accounts exist, and setup is only for the first one' },
  'vault.import': { code: 'VALIDATION_FAILED', why: 'the content is not a vault export (the schema takes any text; the reader refuses it)' },
  'operations.cancel': { code: 'CONFLICT', why: 'the planted run has ended (it is waited for, so the answer does not depend on timing)' },
  'terminal.open': { code: 'UNREACHABLE', why: 'the seeded server has no credential linked, so no shell can be opened' },
  'terminal.input': { code: 'NOT_FOUND', why: 'no terminal is open (the real ones are in terminal.test.ts)' },
  'terminal.resize': { code: 'NOT_FOUND', why: 'no terminal is open' },
  'terminal.close': { code: 'NOT_FOUND', why: 'no terminal is open' },
  'terminal.recording': { code: 'NOT_FOUND', why: 'nothing was recorded' },
};
/** A terminal id no terminal has. */
const NO_TERMINAL = '00000000-0000-4000-8000-000000007e57';

/** Codes the router answers with before a handler runs: none may be the expected answer of a permitted call. */
const AUTHORIZATION_CODES = ['PERMISSION_DENIED', 'UNAUTHENTICATED', 'PASSWORD_CHANGE_REQUIRED'];

const principalOf = (role: Role): Principal => ({ kind: 'user', id: `${role}-1`, name: `the ${role}`, role, sessionId: `${role}-session` });

/**
 * What the desktop app adds to its core, as small stand-ins, so its methods run here too: the save
 * dialog (answered "cancelled"), the clipboard, and an updater with an update downloaded.
 */
const desktopParts = (): TestCoreOptions => {
  let clipboard = '';
  let channel: UpdateChannel = 'stable';
  const status = (): UpdatesStatus => ({ supported: true, reason: null, channel, state: { kind: 'downloaded', version: '9.9.9' } });
  return {
    saveFile: () => Promise.resolve(null),
    clipboard: { writeText: (text) => (clipboard = text), readText: () => clipboard },
    updates: { status, check: () => undefined, setChannel: (next) => (channel = next), install: () => true, onChange: () => () => undefined },
  };
};
const env = useTempCore({ prefix: 'guardian-permissions-', lazy: true });
const CALL = { origin: 'test' } as const;
let passwordHash: string;

let planted = 0;
const insertUser = (core: Core, id: string, username: string, role: Role) =>
  rowsOf(core).run(
    `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, disabled, totp_enabled, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, false, false, false, 0, 0)`,
    id,
    username,
    username,
    role,
    passwordHash,
  );
const insertSession = (core: Core, id: string, userId: string) =>
  rowsOf(core).run(
    `INSERT INTO sessions (id, user_id, token_hash, csrf_token, origin, user_agent, created_at, last_seen_at, expires_at)
     VALUES (?, ?, ?, 'csrf', 'test', 'test', ?, ?, ?)`,
    id,
    userId,
    `hash-${id}`,
    Date.now(),
    Date.now(),
    Date.now() + 3_600_000,
  );

/**
 * What a call finds stored before it: the same for every role, so it is made once per file in a
 * data dir of its own (a planted data dir) and copied into each call's own data dir (see
 * {@link plant}). The vault's methods find an unlocked vault with two slots and a secret, and
 * `jobs.saveArtifact` a finished job with a file; the others neither (the vault's key derivation
 * and the report's worker thread, once per call, added up).
 */
type Planting = 'plain' | 'vault' | 'artifact';
const plantingFor = (name: MethodName): Planting =>
  name === 'jobs.saveArtifact' ? 'artifact' : /^(vault|secrets|alerts)\./.test(name) && name !== 'vault.init' ? 'vault' : 'plain';
type Stored = Omit<Seed, 'sessionId' | 'jobId' | 'totpCode' | 'runId'> & { finishedJobId: string };
const plantings = new Map<Planting, { dir: TempCore; stored: Stored }>();

/**
 * The callers' accounts (with a password and a session each), a server with a check, an open
 * incident, a maintenance window, a schedule, and what `planting` adds, in a data dir that no core
 * holds open once this returns.
 */
async function plantDataDir(planting: Planting): Promise<{ dir: TempCore; stored: Stored }> {
  const dir = await tempCore({ prefix: `guardian-permissions-${planting}-`, ...desktopParts() });
  const { core } = dir;
  const owner = LOCAL_OWNER;
  for (const each of ROLES) {
    await insertUser(core, principalOf(each).id, `the-${each}`, each);
    await insertSession(core, `${each}-session`, principalOf(each).id);
  }
  const server = await core.router.invoke(owner, 'servers.create', { name: 'seeded', host: 'seeded.example.net' }, CALL);
  const userId = '00000000-0000-4000-8000-000000000001';
  await insertUser(core, userId, 'seeded', 'viewer');
  const { key } = await core.apiKeys.create({ name: 'seeded', role: 'viewer', createdBy: 'system:test', grantor: owner });
  const check = await core.router.invoke(owner, 'checks.create', { serverId: server.id, spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } } }, CALL);
  const incidentId = '00000000-0000-4000-8000-000000000002';
  await rowsOf(core).run(
    "INSERT INTO incidents (id, server_id, severity, started_at, cause) VALUES (?, ?, 'down', ?, 'seeded outage')",
    incidentId,
    server.id,
    Date.now() - 60_000,
  );
  const maintenance = await core.router.invoke(owner, 'maintenance.create', inputFor('maintenance.create', { serverId: server.id } as Seed), CALL);
  const silence = await core.router.invoke(owner, 'alerts.addSilence', inputFor('alerts.addSilence', { serverId: server.id } as Seed), CALL);
  const schedule = await core.router.invoke(owner, 'schedules.create', { name: 'seeded', task: 'health.retention', cron: '0 3 * * *', timezone: 'UTC' }, CALL);
  const runbookInput = { name: 'seeded', script: 'true', runnableBy: 'operator', defaultTargets: { serverIds: [server.id] }, timeoutSeconds: 5 };
  const runbook = await core.router.invoke(owner, 'runbooks.create', runbookInput, CALL);

  let vault = { slotId: '', spareSlotId: '', secretId: '', signingSecretId: '', channelId: '', ruleId: '' };
  if (planting === 'vault') {
    const status = await core.router.invoke(owner, 'vault.init', { slot: { kind: 'passphrase', passphrase: VAULT_PASSPHRASE } }, CALL);
    const more = await core.router.invoke(owner, 'vault.addSlot', { slot: { kind: 'passphrase', passphrase: 'a spare passphrase, long' } }, CALL);
    const secret = await core.router.invoke(owner, 'secrets.create', { name: 'seeded', value: { kind: 'password', password: 'hunter2-seeded' } }, CALL);
    const [slot] = status.slots;
    const spare = more.slots.find((each) => each.id !== slot?.id);
    if (!slot || !spare) throw new Error('the vault has not two slots');
    const signing = await core.router.invoke(
      owner,
      'secrets.create',
      { name: 'seeded-webhook', value: { kind: 'api_token', token: `whsec_${'c2VlZGVk'.repeat(4)}` } },
      CALL,
    );
    await core.router.invoke(owner, 'alerts.updateSettings', { allowedTargets: ['127.0.0.1'] }, CALL);
    const channelInput = { ...(inputFor('alerts.createChannel', { signingSecretId: signing.id } as Seed) as object), name: 'seeded' };
    const channel = await core.router.invoke(owner, 'alerts.createChannel', channelInput, CALL);
    const rule = await core.router.invoke(owner, 'alerts.createRule', { name: 'seeded', channelIds: [channel.id] }, CALL);
    vault = { slotId: slot.id, spareSlotId: spare.id, secretId: secret.id, signingSecretId: signing.id, channelId: channel.id, ruleId: rule.id };
  }
  let finishedJobId = '';
  if (planting === 'artifact') {
    const job = await core.router.invoke(owner, 'reports.generate', inputFor('reports.generate', {} as Seed), CALL);
    const finished = await core.jobs.waitFor(job.id);
    expect(finished.status).toBe('succeeded');
    finishedJobId = finished.id;
  }
  await dir.stop();
  return {
    dir,
    stored: {
      serverId: server.id,
      userId,
      apiKeyId: key.id,
      checkId: check.id,
      incidentId,
      maintenanceId: maintenance.id,
      silenceId: silence.id,
      scheduleId: schedule.id,
      runbookId: runbook.id,
      secretId: vault.secretId,
      signingSecretId: vault.signingSecretId,
      channelId: vault.channelId,
      ruleId: vault.ruleId,
      slotId: vault.slotId,
      spareSlotId: vault.spareSlotId,
      finishedJobId,
    },
  };
}

let plantedOnce: Promise<void> | undefined;

/**
 * Plants the three data dirs every call's copy starts from, once, on the first call's need rather
 * than in a hook: planting goes through the router, so a broken role table breaks it, and a
 * failing hook only skips the tests, which Stryker (`npm run mutation`) counted as a mutant no test
 * noticed. Here it fails every test that plants.
 */
function plantAll(): Promise<void> {
  plantedOnce ??= (async () => {
    passwordHash = await hashPassword(GOOD_PASSWORD, CHEAP_ARGON2);
    for (const planting of ['plain', 'vault', 'artifact'] as const) plantings.set(planting, await plantDataDir(planting));
  })();
  return plantedOnce;
}

afterAll(async () => {
  for (const { dir } of plantings.values()) await dir.close();
});

/**
 * Everything a call of `name` by `role` may aim at, in the state the call needs: a copy of the
 * planted data dir ({@link plantDataDir}) with a core of its own open over it, for the vault's
 * methods the vault unlocked (locked for `vault.unlock`), a caller who has just re-authenticated,
 * and a running job (a finished one with a file for `jobs.saveArtifact`).
 */
async function plant(name: MethodName, role: Role): Promise<Seed> {
  await plantAll();
  const planting = plantingFor(name);
  const source = plantings.get(planting);
  if (!source) throw new Error(`no ${planting} data dir was planted`);
  await env.seedFrom(source.dir);
  const core = await env.start(desktopParts());
  const owner = LOCAL_OWNER;
  // A vault opens locked; the one planted was unlocked when made.
  if (planting === 'vault' && name !== 'vault.unlock') await core.router.invoke(owner, 'vault.unlock', inputFor('vault.unlock', {} as Seed), CALL);

  await core.router.invoke(principalOf(role), 'auth.reauth', { password: GOOD_PASSWORD }, CALL);
  let totpCode = '';
  if (name === 'auth.totpConfirm') {
    const { secret } = await core.router.invoke(principalOf(role), 'auth.totpBegin', {}, CALL);
    totpCode = codeFor(secret, Date.now());
  }
  if (name === 'auth.totpDisable') {
    const { secret } = await core.router.invoke(principalOf(role), 'auth.totpBegin', {}, CALL);
    await core.router.invoke(principalOf(role), 'auth.totpConfirm', { code: codeFor(secret, Date.now()) }, CALL);
  }

  let runId = '';
  if (name.startsWith('operations.')) {
    const run =
      name === 'operations.rerun'
        ? await core.router.invoke(owner, 'runbooks.run', { id: source.stored.runbookId }, CALL)
        : await core.router.invoke(owner, 'operations.run', inputFor('operations.run', { serverId: source.stored.serverId } as Seed), CALL);
    runId = (await core.operations.waitFor(run.id)).id;
  }

  let jobId = source.stored.finishedJobId;
  if (planting !== 'artifact') {
    // Last and without a pause after it: the job starts on the next turn of the event loop, so the call finds it still running.
    const job = await core.router.invoke(owner, 'servers.import', { format: 'csv', content: `name,host\nqueued-${++planted},queued.example.net\n` }, CALL);
    jobId = job.id;
  }
  const { finishedJobId: _finished, ...stored } = source.stored;
  return { ...stored, sessionId: principalOf(role).sessionId ?? '', jobId, totpCode, runId };
}

/** The tables of the core's database, on either engine. */
const TABLES = {
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  postgres: 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
};

/**
 * Every row of every table except the audit log (and its full-text index), as text, each table's
 * rows in one order whatever order the engine returns them in: equal snapshots mean nothing changed.
 */
async function state(): Promise<string> {
  const rows = rowsOf(env.core);
  const tables = (await rows.all<{ name: string }>(TABLES[env.core.data.dialect])).filter(
    ({ name }) => name !== 'audit_events' && !name.startsWith('audit_search'),
  );
  const snapshot: [string, string[]][] = [];
  for (const { name } of tables) snapshot.push([name, (await rows.all(`SELECT * FROM "${name}"`)).map((row) => JSON.stringify(row)).sort()]);
  return JSON.stringify(snapshot);
}

/**
 * Waits for the job planted for `jobs.cancel` to end on its own: it writes in the background (its
 * servers, its progress), which is not the call's doing, and on PostgreSQL it ends while a snapshot
 * is being read. A refused call is refused before its handler, whatever state the job is in.
 */
const settled = async (seed: Seed) => {
  await env.core.jobs.waitFor(seed.jobId);
};

const auditSince = (seq: number) =>
  rowsOf(env.core).all<{ action: string; outcome: string }>('SELECT action, outcome FROM audit_events WHERE seq > ? ORDER BY seq', seq);
const lastSeq = async () => (await rowsOf(env.core).value<number>('SELECT coalesce(max(seq), 0) AS seq FROM audit_events')) ?? 0;

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

/** How much a role may: its number of permissions. */
const reach = (role: Role) => PERMISSIONS.filter((permission) => roleAllows(role, permission)).length;

/**
 * The roles each method is called as. On SQLite, every role: the whole table. On PostgreSQL, the
 * two on its edge: the role with the least reach that may call it (its handler runs, on this
 * engine) and the one with the most reach that may not (refused, and nothing on this engine
 * changed). Who may call what is decided before any query, the same on both engines; the rest of
 * the table on PostgreSQL took 60 % of the whole unit run's time and proved nothing more.
 */
function rolesToCall(name: MethodName): readonly Role[] {
  if (!ON_POSTGRES) return ROLES;
  const byReach = [...ROLES].sort((a, b) => reach(a) - reach(b));
  const weakestAllowed = byReach.find((role) => mayCall(name, role));
  const strongestRefused = byReach.findLast((role) => !mayCall(name, role));
  return [weakestAllowed, strongestRefused].filter((role): role is Role => role !== undefined);
}

describe('calling every method as every role (on PostgreSQL, the two on its edge)', () => {
  // The planted input's schema, and an anonymous caller's refusal, are the router's alone: one engine proves them.
  it.each(methodList.filter(() => !ON_POSTGRES).map((def) => [def.name as MethodName]))(
    '%s: the planted input passes its schema, so only the router or the service can refuse it',
    async (name) => {
      const seed = await plant(name, 'owner');
      const parsed = methods[name].input.safeParse(inputFor(name, seed));
      expect(parsed.error?.issues ?? []).toEqual([]);
    },
  );

  it('expects no authorization code from a permitted call', () => {
    for (const expected of Object.values(FAILS_AFTER_AUTHORIZATION)) expect(AUTHORIZATION_CODES).not.toContain(expected.code);
  });

  const pairs = methodList.flatMap((def) => rolesToCall(def.name as MethodName).map((role) => [def.name as MethodName, role] as const));
  it.each(pairs)('%s as %s: refused with PERMISSION_DENIED changing nothing if the table leaves the role out, else done', async (name, role) => {
    const seed = await plant(name, role);
    if (!mayCall(name, role)) await settled(seed);
    const before = mayCall(name, role) ? '' : await state();
    const seq = await lastSeq();

    const result = await env.core.router.call(principalOf(role), name, inputFor(name, seed), { ...CALL, session: new RecordingSink() });
    const code = result.ok ? 'ok' : result.error.code;
    const detail = result.ok ? '' : `: ${result.error.message}`;

    // Every audited method writes exactly one event per call, whatever the outcome (docs/architecture.md §9).
    const events = (await auditSince(seq)).filter((row) => row.action === name);
    expect(events, `${role} calling ${name}: its audit events`).toHaveLength(methods[name].audit === false ? 0 : 1);
    if (events[0]) expect(events[0].outcome).toBe(code);
    if (mayCall(name, role)) {
      expect(`${code}${code === (FAILS_AFTER_AUTHORIZATION[name]?.code ?? 'ok') ? '' : detail}`, `${role} calling ${name}`).toBe(
        FAILS_AFTER_AUTHORIZATION[name]?.code ?? 'ok',
      );
    } else {
      expect(code, `${role} calling ${name}`).toBe('PERMISSION_DENIED');
      expect(await state(), `${role} calling ${name} changed something`).toBe(before);
      expect((await auditSince(seq)).filter((row) => row.outcome === 'ok')).toEqual([]);
    }
  });

  const anonymous = methodList.filter((def) => !ON_POSTGRES || def.permission === 'public').map((def) => [def.name as MethodName]);
  it.each(anonymous)('%s: an anonymous caller is refused unless the method is public', async (name) => {
    const seed = await plant(name, 'viewer');
    await settled(seed);
    const before = await state();
    const seq = await lastSeq();

    const result = await env.core.router.call(null, name, inputFor(name, seed), { ...CALL, session: new RecordingSink() });

    if (methods[name].permission === 'public') {
      expect(result.ok ? 'ok' : result.error.code).toBe(FAILS_AFTER_AUTHORIZATION[name]?.code ?? 'ok');
    } else {
      expect(result.ok || result.error.code).toBe('UNAUTHENTICATED');
      expect(await state()).toBe(before);
      expect((await auditSince(seq)).filter((row) => row.outcome === 'ok')).toEqual([]);
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

  it('lets every role but viewers read /metrics (no contract method needs it, so the matrix above cannot tell)', () => {
    expect(ROLES.filter((role) => roleAllows(role, 'metrics:read'))).toEqual(['owner', 'admin', 'operator', 'auditor']);
  });

  it('describes every role in words of its own, for whoever picks one', () => {
    const descriptions = ROLES.map((role) => ROLE_DESCRIPTIONS[role]);
    for (const description of descriptions) expect(description).toMatch(/^[A-Z].{15,}\.$/);
    expect(new Set(descriptions).size).toBe(ROLES.length);
  });

  it('names the local owner (the CLI on its own data dir) as the audit log shows it: a system principal with every right', () => {
    expect(LOCAL_OWNER).toEqual({ kind: 'system', id: 'local-owner', name: 'local owner', role: 'owner' });
    for (const permission of PERMISSIONS) expect(principalAllows(LOCAL_OWNER, permission)).toBe(true);
  });
});
