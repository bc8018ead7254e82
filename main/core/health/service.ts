import type { Database } from 'better-sqlite3';
import { AppError } from '@shared/api/errors';
import type { CheckSpec } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { Events, PayloadOf } from '@shared/api';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { EventBus } from '../events/bus';
import type { JobService } from '../jobs';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/registry';
import type { ServerDirectory } from '../servers';
import type { SettingsStore } from '../settings';
import type { SecretStore } from '../vault';
import { assertSpecAllowed } from './credentials';
import { HealthEngine } from './engine';
import { HostKeyStore } from './host-keys';
import { jumpRoute } from './ssh-route';
import { IncidentStore } from './incidents';
import { MaintenanceCalendar } from './maintenance';
import { HealthQueries } from './queries';
import { TickRecorder, type IncidentNotifier } from './recorder';
import { MonitoringSettingsStore } from './monitoring-settings';
import type { MonitoringSettings } from '@shared/api/monitoring';
import { CheckRegistry, type CheckRuntime, type ServerInfo } from './registry';
import { pruneHealth } from './retention';
import { ServerCheckLimits } from './server-limits';
import { RollupAccumulator } from './rollups';
import { stripStoredCredentials } from './stored-credentials';
import { CheckConfigStore } from './store/checks';
import { ResultStore } from './store/results';
import { repeatUnref, type Timers } from '../timers';
import { UptimeIndex } from './uptime-index';

/**
 * The health engine's parts, put together once per core. Polling starts only when a long-running
 * host (`guardian serve`, the desktop app) calls `start()`; the CLI reads and edits checks
 * without polling.
 */

export interface HealthDeps {
  /** The async data layer: the checks and their configuration, results, incidents and pruning are read and written through it. */
  data: AsyncDatabase;
  /** Inventory reads (the servers checks run against). */
  directory: ServerDirectory;
  /**
   * On SQLite, the file's own connection: what wipes old credentials from the file's pages; null
   * on PostgreSQL.
   */
  sqlite: Database | null;
  clock: Clock;
  newId: () => string;
  events: EventBus;
  logger: Logger;
  metrics: Metrics;
  settings: SettingsStore;
  /** The monitoring settings as stored when the core opened (readMonitoringSettings); kept and reloaded from there. */
  monitoring: MonitoringSettings;
  secrets: SecretStore;
  jobs: JobService;
  /** Where incidents opened, resolved and acknowledged are told (the alerts), in the transaction that changed them. */
  notify?: IncidentNotifier | undefined;
  timers?: Timers;
  random?: () => number;
  tickMs?: number;
  backoffMs?: number;
  maxConcurrent?: number;
  maxPerHost?: number;
}

/** Retention runs a minute after start, then every six hours. */
const RETENTION_FIRST_MS = 60_000;
const RETENTION_EVERY_MS = 6 * 3_600_000;

export class HealthService {
  readonly registry: CheckRegistry;
  /** SSH host keys pinned on first use: the one table the ssh checks and operations check a host against. */
  readonly hostKeys: HostKeyStore;
  /** The checks, maintenance windows, caps and host keys as stored. */
  private readonly checks: CheckConfigStore;
  readonly monitoring: MonitoringSettingsStore;
  /** Servers with their own cap on checks at once against their host. */
  readonly limits: ServerCheckLimits;
  readonly incidents: IncidentStore;
  readonly maintenance: MaintenanceCalendar;
  readonly queries: HealthQueries;
  readonly engine: HealthEngine;
  readonly recorder: TickRecorder;
  private readonly store: ResultStore;
  private readonly index = new UptimeIndex();
  private indexLoaded: Promise<UptimeIndex> | null = null;
  private stopRetentionTimer: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: HealthDeps) {
    const { clock, newId } = deps;
    this.checks = new CheckConfigStore(deps.data);
    this.monitoring = new MonitoringSettingsStore(deps.settings, deps.monitoring);
    this.limits = new ServerCheckLimits(this.checks, deps.data, clock);
    this.hostKeys = new HostKeyStore(this.checks, deps.data, clock, (target, error) =>
      deps.logger.warn({ err: error, target }, 'could not pin an SSH host key; it is pinned again at the next look'),
    );
    this.registry = new CheckRegistry({ data: deps.data, directory: deps.directory, clock, newId, monitoring: this.monitoring });
    this.store = new ResultStore(deps.data);
    this.incidents = new IncidentStore(this.store, clock, newId);
    this.maintenance = new MaintenanceCalendar(this.checks, deps.data, clock, newId);
    this.recorder = new TickRecorder({
      db: deps.data,
      store: this.store,
      clock,
      registry: this.registry,
      incidents: this.incidents,
      maintenance: this.maintenance,
      rollups: new RollupAccumulator(this.store),
      uptime: this.index,
      notify: deps.notify,
    });
    this.queries = new HealthQueries({
      store: this.store,
      clock,
      registry: this.registry,
      incidents: this.incidents,
      maintenance: this.maintenance,
      uptime: () => this.uptime(),
      backlog: () => this.engine.backlog,
    });
    this.engine = new HealthEngine({
      changeMark: () => deps.data.outsideChangeMark(),
      clock,
      events: deps.events,
      logger: deps.logger,
      metrics: deps.metrics,
      registry: this.registry,
      monitoring: this.monitoring,
      limits: this.limits,
      recorder: this.recorder,
      hostKeys: this.hostKeys,
      credential: (secretId, use) => deps.secrets.use(secretId, use),
      jumps: (server, usedBy) => jumpRoute(server, (id) => this.registry.servers().get(id), deps.secrets, usedBy),
      reload: () => this.reload(),
      timers: deps.timers,
      random: deps.random,
      tickMs: deps.tickMs,
      backoffMs: deps.backoffMs,
      maxConcurrent: deps.maxConcurrent,
      maxPerHost: deps.maxPerHost,
    });
    // A server renamed, retagged, deleted (its checks go with it) or imported changes what the engine knows.
    // Heard inside the call's transaction: the registry reads the servers there and applies them once it commits.
    this.unsubscribe = deps.events.subscribeInTransaction((name, payload) => {
      if (name !== 'servers.changed') return;
      const { ids } = payload as PayloadOf<Events['servers.changed']>;
      this.registry
        .serversChanged(ids)
        .catch((error: unknown) => deps.logger.error({ err: error, ids }, 'could not read changed servers for the health engine'));
    });
  }

  /**
   * Reads what the engine keeps in memory (checks and their servers, caps, maintenance windows),
   * once credentials an older version stored in clear are taken out of the checks: when the core
   * opens, before anything reads them.
   */
  async load(): Promise<void> {
    const { data, sqlite } = this.deps;
    for (const check of await stripStoredCredentials(data, this.checks, sqlite ?? undefined)) {
      this.deps.logger.warn(
        { checkId: check.id, check: check.name, removed: check.removed },
        'credentials stored in clear in an http check were removed; set its Authentication from the vault',
      );
    }
    await Promise.all([this.limits.load(), this.maintenance.load(), this.registry.load()]);
  }

  /** The uptime index, read from the rollups the first time it is needed. */
  uptime(): Promise<UptimeIndex> {
    this.indexLoaded ??= this.index
      .load(
        this.store,
        [...this.registry.all()].map((check) => check.seq),
        this.deps.clock.now(),
        (work) => this.recorder.between(work),
      )
      .then(
        () => this.index,
        (error: unknown) => {
          this.indexLoaded = null;
          throw error;
        },
      );
    return this.indexLoaded;
  }

  /** Starts polling and the retention schedule. */
  start(): void {
    // Warmed now for the first dashboard; results recorded meanwhile are in the rollups it reads.
    this.uptime().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not read the uptime of the last 30 days'));
    this.engine.start();
    this.stopRetentionTimer = repeatUnref(
      () => void this.runRetention().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not start pruning health results')),
      RETENTION_FIRST_MS,
      RETENTION_EVERY_MS,
    );
  }

  stop(): void {
    this.stopRetentionTimer?.();
    this.stopRetentionTimer = null;
    this.engine.close();
    this.unsubscribe();
  }

  /** Starts the retention job; `createdBy` is who asked (a schedule, or the engine's own timer). */
  runRetention(createdBy = 'system:health') {
    const policy = this.monitoring.get();
    return this.deps.jobs.start({ kind: 'health.retention', title: 'Prune old health results', createdBy }, (job) =>
      pruneHealth({ db: this.deps.data, store: this.store }, policy, this.deps.clock.now(), job),
    );
  }

  /**
   * Refuses a spec a check on `serverId` may not be saved with (no `principal`) or tested with
   * (the caller's): see assertSpecAllowed.
   */
  async assertSpecAllowed(spec: CheckSpec, serverId: string | null, principal?: Principal): Promise<void> {
    const server = serverId === null ? null : this.registry.server(serverId);
    await assertSpecAllowed({ secrets: this.deps.secrets, allowMetadata: this.monitoring.get().allowMetadataAddresses }, spec, server, principal);
  }

  /**
   * Refuses, before anything is written, a new server's default check that could not be saved (a
   * cloud metadata address), under `host`: that is what the person typed.
   */
  async assertDefaultCheckAllowed(spec: CheckSpec): Promise<void> {
    try {
      await this.assertSpecAllowed(spec, null);
    } catch (cause) {
      if (!(cause instanceof AppError) || cause.code !== 'VALIDATION_FAILED') throw cause;
      throw new AppError('VALIDATION_FAILED', cause.message, {
        hint: 'Add the server without a check ("monitor": false), or ask an admin to allow metadata addresses in the monitoring settings.',
        issues: [{ path: ['host'], message: 'Checks may not watch a cloud metadata address' }],
      });
    }
  }

  /** Adds the check a new server is watched with, inside the transaction that wrote the server. */
  addDefaultCheck(server: ServerInfo, spec: CheckSpec): Promise<CheckRuntime> {
    return this.registry.create({ serverId: server.id, spec, paused: false }, server);
  }

  /** Tells the alerts an incident was acknowledged, inside the call's transaction that acknowledged it. */
  async notifyAcknowledged(incident: Incident): Promise<void> {
    const server = this.registry.servers().get(incident.serverId);
    if (server && this.deps.notify) await this.deps.notify([{ source: 'incident.acknowledged', incident, server }]);
  }

  announceAcknowledged(incident: Incident): void {
    this.deps.events.emit('incident.acknowledged', incident);
  }

  private reload(): void {
    const failed = (what: string) => (error: unknown) => this.deps.logger.error({ err: error }, `could not read the ${what} again`);
    this.monitoring.reload().catch(failed('monitoring settings'));
    this.limits.load().catch(failed('per-server check caps'));
    this.maintenance.load().catch(failed('maintenance windows'));
    this.incidents.reload();
    this.registry.load().catch(failed('checks'));
  }
}
