import { randomUUID } from 'node:crypto';
import { Alerts, type AlertsDeps, type IncidentChange } from './alerts';
import { createAlertHandlers } from './alerts/handlers';
import { apiKeyCreatedAlert, jobEndAlert, lockoutAlert, signInBurstAlert } from './alerts/sources';
import { createHandlers } from './api/handlers';
import { Router } from './api/router';
import { createAuditHandlers } from './audit/handlers';
import { chainUnhashedEvents, jobEndEvent } from './audit/log';
import { AuditStore } from './audit/store';
import { AuditService } from './audit/service';
import { AccountStore } from './auth/accounts';
import { ApiKeyStore } from './auth/apikeys';
import type { Argon2Cost } from './auth/passwords';
import { DEFAULT_SESSIONS, SessionStore, type SessionPolicy } from './auth/sessions';
import { SignInService } from './auth/signin';
import { AuthStore } from './auth/store';
import { DEFAULT_LOCKOUT, LoginThrottle, type LockoutPolicy, type ThrottleAlerts } from './auth/throttle';
import { systemClock, type Clock } from './clock';
import { locationOf, openCoreDatabase, type CoreDatabase } from './db/connect';
import { parseDatabaseUrl, type DatabaseUrlSource } from './db/database-url';
import { stamper, type AsyncDatabase } from './db/engine';
import { EventBus } from './events/bus';
import { prepareDataFolder } from './file-modes';
import { readMonitoringSettings } from './health/monitoring-settings';
import type { CheckRuntime } from './health/registry';
import { HealthService, type HealthDeps } from './health/service';
import { createHealthHandlers } from './health/handlers';
import { Artifacts } from './jobs/artifacts';
import { principalAllows, roleAllows } from '@shared/permissions';
import { createOperationHandlers } from './operations/handlers';
import { createTerminalHandlers } from './operations/terminal-handlers';
import { TerminalService, type TerminalDeps } from './operations/terminal';
import { OperationsService, type OperationsDeps } from './operations/service';
import { RunbookService } from './operations/runbooks';
import { JobService } from './jobs/service';
import type { Logger } from './logging/logger';
import { createMetrics, type Metrics } from './metrics/registry';
import { dataPaths, packageInfo, type DataPaths } from './paths';
import { createReportHandlers } from './reports/handlers';
import { ReportService, reportTask } from './reports/service';
import { createScheduleHandlers } from './schedules/handlers';
import { OutputFolderPolicy } from './schedules/output-folders';
import { scheduleOwners } from './schedules/owners';
import { ScheduleService, type ScheduleDeps } from './schedules/service';
import { NO_PARAMS, TaskRegistry } from './schedules/tasks';
import { ServerDirectory } from './servers/directory';
import { ServerProbe } from './servers/probe';
import { ServerService } from './servers/service';
import { createUpdateHandlers, type UpdatesControl } from './updates/handlers';
import { SettingsStore } from './settings/store';
import { SecretClipboard, type SystemClipboard } from './vault/clipboard';
import { DEFAULT_SCRYPT } from './vault/crypto';
import { VaultGuesses } from './vault/guesses';
import { NO_KEY_FILE, type KeyFileSource } from './vault/keyfile';
import { DEFAULT_AUTO_LOCK_MS, Keyring } from './vault/keyring';
import { SecretStore } from './vault/secrets';
import { VaultService } from './vault/service';
import { VaultStore } from './vault/store';
import { NO_OS_KEYCHAIN, type OsKeyProtector } from './vault/slots';

export interface CoreOptions {
  dataDir: string;
  /**
   * The database: `sqlite:<path>` or a postgres:// URL, as `--database` or GUARDIAN_DATABASE_URL
   * (`source`) gave it; the SQLite file in the data folder when left out (always, for the desktop app).
   */
  database?: { url: string | undefined; source: DatabaseUrlSource };
  logger: Logger;
  mode: 'desktop' | 'headless';
  clock?: Clock;
  newId?: () => string;
  lockout?: LockoutPolicy;
  sessions?: SessionPolicy;
  /** The OS keychain (desktop only); headless has none. */
  osKeys?: OsKeyProtector;
  /** The vault key file: the one `guardian serve` was given, or the desktop's file dialog; none unless given. */
  vaultKeyFile?: KeyFileSource;
  /** How long the unlocked vault waits unused before it locks itself; null for never (serve with its key file). */
  vaultAutoLockMs?: number | null;
  /** The system clipboard (desktop only) for copying secrets without showing them. */
  clipboard?: SystemClipboard;
  /** Health engine tuning for tests and benches (timers, randomness, tick and backoff). */
  health?: Pick<HealthDeps, 'timers' | 'random' | 'tickMs' | 'backoffMs' | 'maxConcurrent' | 'maxPerHost'>;
  /** The alert delivery worker's timers, jitter and poll interval (tests and benches). */
  alerts?: Pick<AlertsDeps, 'timers' | 'random' | 'pollMs'>;
  /** Operations' SSH keepalives and the agent forwarded to servers that ask for it (tests). */
  operations?: Pick<OperationsDeps, 'sshKeepalive' | 'agentSocket'>;
  /** The terminals' SSH keepalives and, for tests, their idle limit, sweep and batching. */
  terminals?: Pick<TerminalDeps, 'sshKeepalive' | 'idleMs' | 'sweepMs' | 'flushMs'>;
  /** Scheduler timers (tests pass FakeTime) and the zone new schedules default to. */
  schedules?: Pick<ScheduleDeps, 'timers' | 'localZone' | 'recheckMs'>;
  /** The desktop app's save dialog: asks where to save a job's file and copies it there (null: cancelled). */
  saveFile?: (suggestedName: string, sourcePath: string) => Promise<string | null>;
  /** scrypt cost vault passphrases are written with and the only one read (tests pass a cheap one); DEFAULT_SCRYPT unless given. */
  vaultScryptCost?: { N: number; r: number; p: number };
  /** argon2id cost of account passwords (tests pass a cheap one); DEFAULT_ARGON2 unless given. */
  passwordCost?: Argon2Cost;
  /** The desktop app's updater; without it `updates.status` says updates are not supported here. */
  updates?: UpdatesControl;
}

export interface Core {
  paths: DataPaths;
  /** The database it runs on: its engine and version, and on SQLite the file's own connection. */
  database: CoreDatabase;
  /** The async data layer every domain reads and writes through (docs/architecture.md §4). */
  data: AsyncDatabase;
  router: Router;
  events: EventBus;
  jobs: JobService;
  /** Files jobs produce (exports, reports). */
  artifacts: Artifacts;
  servers: ServerService;
  accounts: AccountStore;
  apiKeys: ApiKeyStore;
  signIn: SignInService;
  vault: VaultService;
  secrets: SecretStore;
  /** The health engine; polling starts with `health.start()` (serve, desktop), not in the CLI. */
  health: HealthService;
  /** Scheduled jobs; they run once `schedules.start()` is called (serve, desktop), not in the CLI. */
  schedules: ScheduleService;
  /** Alert channels, rules and the outbox; notifications are delivered once `alerts.start()` is called (serve, desktop), not in the CLI. */
  alerts: Alerts;
  /** Ad-hoc commands on servers over SSH, as jobs (docs/operations.md); pruning old runs starts with `operations.startRetention()` (serve, desktop). */
  operations: OperationsService;
  /** Interactive shells on servers, recorded (docs/operations.md, "Terminal"). */
  terminals: TerminalService;
  metrics: Metrics;
  logger: Logger;
  /** Stops running jobs at a safe point and closes the database. */
  close(): Promise<void>;
}

/** Files jobs produced are kept a week. */
const ARTIFACT_MAX_AGE_MS = 7 * 86_400_000;

/** Builds the application from its parts. Everything a transport needs hangs off the result. */
export async function createCore(options: CoreOptions): Promise<Core> {
  const clock = options.clock ?? systemClock;
  const newId = options.newId ?? randomUUID;
  const { logger } = options;
  const paths = dataPaths(options.dataDir);
  prepareDataFolder(paths, logger);

  const choice = parseDatabaseUrl(options.database?.url, {
    dataDir: paths.root,
    cwd: process.cwd(),
    env: process.env,
    source: options.database?.source ?? 'flag',
  });
  const database = await openCoreDatabase(choice, {
    logger,
    now: clock.now,
    backupsDir: paths.backups,
    onStrayWrite: (statement) => logger.error({ statement: statement.slice(0, 80) }, 'a write ran while another writer held the database'),
    onAfterCommitFailed: (error) => logger.error({ err: error }, 'work to run after a commit failed'),
  });
  const { data } = database;
  const sqlite = database.sqlite?.sqlite ?? null;
  const metrics = createMetrics();
  metrics.databaseInfo.set(database.engine, 1);
  const events = new EventBus((send) => data.afterCommit(send));
  // Events an older Guardian wrote before the chain existed: only a SQLite file can hold them.
  if (sqlite) chainUnhashedEvents(sqlite);
  const audit = new AuditStore(data, clock);
  // A failed job, or a verification that found the audit chain broken, is told in the transaction storing its end.
  const jobs = new JobService({
    data,
    events,
    clock,
    logger,
    metrics,
    newId,
    onFinished: (job) => audit.append([jobEndEvent(job)]),
    onEnd: async (job) => {
      const told = jobEndAlert(job);
      if (told) await alerts.notifyEvent(told);
    },
  });
  const artifacts = new Artifacts(paths.artifacts);
  artifacts.prune(clock.now(), ARTIFACT_MAX_AGE_MS);
  // A secret linked to a server goes to its host (SecretStore.use): a new host has to be linked again.
  const servers = new ServerService({ data, clock, events, newId, onHostChanged: (serverId) => secrets.unlinkServer(serverId, 'system:server-host-changed') });
  const startedAt = clock.now();
  const authStore = new AuthStore(data);
  const stamp = stamper(data, (what, error) => logger.warn({ err: error, what }, 'could not record a last-used time'));
  const sessions = new SessionStore(authStore, stamp, clock, options.sessions ?? DEFAULT_SESSIONS, newId);
  const accounts = new AccountStore(authStore, clock, sessions, newId, options.passwordCost);
  const apiKeys = new ApiKeyStore(authStore, stamp, clock, newId, (key) => alerts.notifyEvent(apiKeyCreatedAlert(key)));
  const lockout = options.lockout ?? DEFAULT_LOCKOUT;
  const settings = new SettingsStore(data);
  // Lockouts and bursts of failures are told in the transaction that counts the failure causing them.
  const signInAlerts: ThrottleAlerts = {
    burst: () => alerts.signInBurst(),
    counting: () => alerts.hearsSecurity(),
    locked: async (keys, until) => {
      const name = keys.find((key) => key.startsWith('account:'))?.slice('account:'.length);
      const user = name === undefined ? undefined : await accounts.findByUsername(name);
      const origin = keys.find((key) => key.startsWith('origin:'))?.slice('origin:'.length) ?? null;
      const account = user ? { id: user.id, username: user.username } : null;
      await alerts.notifyEvent(lockoutAlert({ account, unknownName: name !== undefined && !user, origin, until }));
    },
    burstReached: (failures, windowMs) => alerts.notifyEvent(signInBurstAlert(failures, windowMs, clock.now())),
  };
  const signIn = new SignInService({
    store: authStore,
    clock,
    accounts,
    sessions,
    lockout,
    throttle: new LoginThrottle(authStore, data, clock, lockout, signInAlerts),
    settings,
    passwordCost: options.passwordCost,
  });

  const keyring = new Keyring(clock, options.vaultAutoLockMs === undefined ? DEFAULT_AUTO_LOCK_MS : options.vaultAutoLockMs);
  const vaultScryptCost = options.vaultScryptCost ?? DEFAULT_SCRYPT;
  const vaultStore = new VaultStore(data);
  const vault = new VaultService({
    store: vaultStore,
    data,
    stamp,
    clock,
    newId,
    jobs,
    keyring,
    osKeys: options.osKeys ?? NO_OS_KEYCHAIN,
    keyFile: options.vaultKeyFile ?? NO_KEY_FILE,
    scryptCost: vaultScryptCost,
  });
  const directory = new ServerDirectory(data);
  const secrets = new SecretStore({ store: vaultStore, data, stamp, directory, clock, newId, vault });
  const monitoring = await readMonitoringSettings(settings);
  const alerts: Alerts = new Alerts({
    data,
    settings,
    secrets,
    clock,
    newId,
    logger,
    events,
    // Asked only once the core is open (a silence ending), by when the health engine below exists.
    openIncidents: async (ids): Promise<Set<string>> => {
      const open = new Set([...(await health.incidents.openByServer()).values()].map((incident) => incident.id));
      return new Set(ids.filter((id) => open.has(id)));
    },
    open: async (): Promise<Omit<IncidentChange, 'source'>[]> => {
      const servers = health.registry.servers();
      return [...(await health.incidents.openByServer()).values()].flatMap((row) => {
        const server = servers.get(row.serverId);
        return server ? [{ incident: health.incidents.view(row, server.name), server }] : [];
      });
    },
    servers: () => health.registry.servers(),
    checkTypesOf: (serverId): string[] => health.registry.checksOf(serverId).map((check: CheckRuntime) => check.spec.type),
    ...options.alerts,
  });
  // The rules the health engine's first tick routes incidents by.
  await alerts.load();
  // Once the rules are read: a job a previous stop interrupted is a failed job, told as one.
  const interrupted = await jobs.recoverInterrupted();
  if (interrupted) logger.warn({ interrupted }, 'jobs left running by a previous stop were marked interrupted');
  const health = new HealthService({
    data,
    directory,
    sqlite,
    clock,
    newId,
    events,
    logger,
    metrics,
    settings,
    monitoring,
    secrets,
    jobs,
    notify: (changes) => alerts.notify(changes),
    ...options.health,
  });
  // The checks, caps and maintenance windows the engine and every call read from memory.
  await health.load();
  // What schedules can run: one registerTask line per kind, anywhere after its service (schedules/tasks.ts).
  const tasks = new TaskRegistry();
  const reports = new ReportService({
    database: locationOf(choice, options.database?.url, paths.root),
    servers,
    registry: health.registry,
    jobs,
    artifacts,
    clock,
  });
  tasks.registerTask({
    kind: 'health.retention',
    summary: 'Prune health results and rollups older than the monitoring retention settings.',
    params: NO_PARAMS,
    permission: 'servers:write',
    start: (_params, createdBy) => health.runRetention(createdBy),
  });
  const auditService = new AuditService({ data, clock, settings, artifacts, jobs });
  tasks.registerTask({
    kind: 'audit.verify',
    summary: 'Walk the audit log’s hash chain and report whether it is intact.',
    params: NO_PARAMS,
    permission: 'audit:read',
    start: (_params, createdBy) => auditService.startVerify(createdBy),
  });
  tasks.registerTask({
    kind: 'audit.prune',
    summary: 'Remove audit events older than the retention period, at a checkpoint.',
    params: NO_PARAMS,
    permission: 'audit:admin',
    start: (_params, createdBy) => auditService.startPrune(createdBy),
  });
  const outputFolders = new OutputFolderPolicy(settings, paths.reports);
  tasks.registerTask(reportTask(reports, outputFolders));
  const owners = scheduleOwners({ accounts, apiKeys, clock });
  const schedules = new ScheduleService({ data, clock, jobs, tasks, owners, logger, newId, ...options.schedules });

  const runbooks = new RunbookService({ data, clock, newId });
  // What acting on servers over SSH needs, the same for runs and terminals: one set of connection rules.
  const overSsh = {
    data,
    events,
    clock,
    newId,
    logger,
    servers,
    secrets,
    hostKeys: health.hostKeys,
    audit,
    allowMetadata: () => health.monitoring.get().allowMetadataAddresses,
  };
  const operations = new OperationsService({ ...overSsh, runbooks, jobs, settings, ...options.operations });
  tasks.registerTask({
    kind: 'operations.retention',
    summary: 'Remove finished operation runs, with their output, older than the retention period.',
    params: NO_PARAMS,
    permission: 'operations:run',
    start: (_params, createdBy) => operations.runRetention(createdBy),
  });
  const terminals = new TerminalService({
    ...overSsh,
    stillAllowed: async (principal) => {
      const now = clock.now();
      if (principal.kind === 'system') return true;
      if (principal.kind === 'apiKey') {
        const key = (await apiKeys.list()).find((each) => each.id === principal.id);
        if (!key || key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) return false;
        if (key.owner && !roleAllows(key.owner.role, 'terminal:open')) return false;
        return principalAllows({ role: key.role, permissions: key.permissions ?? undefined }, 'terminal:open');
      }
      const user = await accounts.row(principal.id).catch(() => null);
      if (!user || user.disabled || !roleAllows(user.role, 'terminal:open')) return false;
      if (!principal.sessionId) return true;
      const session = await sessions.get(principal.sessionId);
      return session !== undefined && session.revokedAt === null && now < session.expiresAt && now - session.lastSeenAt < sessions.policy.idleMs;
    },
    ...options.terminals,
  });
  terminals.start();
  // After the jobs: a run whose job was marked interrupted above ends with it.
  const orphanRuns = await operations.recoverInterrupted();
  if (orphanRuns) logger.warn({ runs: orphanRuns }, 'operation runs left running by a previous stop were ended');

  const handlers = createHandlers({
    servers,
    probe: new ServerProbe({ clock, allowMetadata: () => health.monitoring.get().allowMetadataAddresses }),
    jobs,
    clock,
    importDeps: {
      data,
      servers,
      events,
      checks: { assertAllowed: (spec) => health.assertDefaultCheckAllowed(spec), add: (server, spec) => health.addDefaultCheck(server, spec) },
    },
    auth: { signIn, accounts, sessions, apiKeys, settings, events },
    vault: {
      vault,
      secrets,
      signIn,
      backup: { store: vaultStore, data, directory, clock, keyring, vault, scryptCost: vaultScryptCost },
      clipboard: new SecretClipboard(options.clipboard, clock),
      guesses: new VaultGuesses(new LoginThrottle(authStore, data, clock, lockout), clock),
      events,
    },
    health: createHealthHandlers(health, events),
    schedules: createScheduleHandlers(schedules, outputFolders, events),
    audit: createAuditHandlers(auditService, events),
    alerts: createAlertHandlers(alerts, events),
    operations: { ...createOperationHandlers(operations, runbooks, events), ...createTerminalHandlers(terminals) },
    terminals,
    reports: createReportHandlers(reports),
    updates: createUpdateHandlers(options.updates),
    artifacts,
    saveFile: options.saveFile,
    info: () => ({
      name: packageInfo.productName,
      version: packageInfo.version,
      dataDir: paths.root,
      startedAt,
      mode: options.mode,
      database: database.engine,
    }),
  });
  const router = new Router({ handlers, data, audit, logger, metrics });
  const stopUpdateEvents = options.updates?.onChange((status) => events.emit('update.status', status));

  let closed = false;
  return {
    paths,
    database,
    data,
    router,
    events,
    jobs,
    artifacts,
    servers,
    accounts,
    apiKeys,
    signIn,
    vault,
    secrets,
    health,
    schedules,
    alerts,
    operations,
    terminals,
    metrics,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      stopUpdateEvents?.();
      health.stop();
      operations.stopRetention();
      // Each open terminal's recording is stored before the database closes.
      await terminals.stop();
      schedules.stop();
      // A server's status derived after its checks changed, a tick being written: done before the database closes.
      await health.engine.settled();
      // Sends under way are recorded before the database closes; what is left is sent at the next start.
      await alerts.stop();
      await jobs.shutdown();
      await schedules.idle();
      keyring.lock();
      // Last-used times recorded just before the stop (a session's last seen, a key's last use).
      await stamp.settled();
      await database.close();
    },
  };
}
