import type { Database } from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { AppError } from '../../../shared/api/errors';
import type { Check, CheckSpec, CheckStatus } from '../../../shared/api/checks';
import { CheckSpec as CheckSpecSchema } from '../../../shared/api/checks';
import type { MonitoringSettings } from '../../../shared/api/monitoring';
import { DEFAULT_MONITORING, MonitoringSettings as MonitoringSettingsSchema } from '../../../shared/api/monitoring';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { serversTable } from '../servers/table';
import type { SettingsStore } from '../settings/store';
import { initialCheckState, pauseCheckState, resumeCheckState, type CheckState, type CheckStateRecord } from './state';
import { checksTable, checkStatesTable, type CheckRow } from './table';
import { checkTarget, defaultCheckName } from './target';

/**
 * The checks and where each stands, in memory and on disk. The database is the truth; this
 * keeps a copy so a tick, the scheduler and the dashboards never query per check. Anything that
 * changes a check goes through here, which writes it and tells the engine.
 */

export interface CheckRuntime {
  seq: number;
  id: string;
  serverId: string;
  name: string;
  spec: CheckSpec;
  host: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  confirmAfter: number;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
  record: CheckStateRecord;
  stateSince: number | null;
  lastAt: number | null;
  lastStatus: CheckStatus | null;
  lastLatencyMs: number | null;
  lastMessage: string | null;
  lastData: Record<string, unknown> | null;
  avgLatencyMs: number | null;
}

export interface ServerInfo {
  id: string;
  name: string;
  host: string;
  port: number;
  environment: string;
  tags: string[];
}

export type RegistryChange = { kind: 'upsert'; check: CheckRuntime } | { kind: 'remove'; check: CheckRuntime } | { kind: 'reload' };

export interface NewCheck {
  serverId: string;
  name?: string | undefined;
  spec: CheckSpec;
  intervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  confirmAfter?: number | undefined;
  paused: boolean;
}

export interface CheckPatch {
  id: string;
  name?: string | undefined;
  spec?: CheckSpec | undefined;
  intervalMs?: number | undefined;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
  confirmAfter?: number | undefined;
}

const SETTINGS_KEY = 'monitoring';

interface LoadedRow extends CheckRow {
  state: string | null;
  pending_status: string | null;
  pending_count: number | null;
  state_since: number | null;
  last_at: number | null;
  last_status: string | null;
  last_latency_ms: number | null;
  last_message: string | null;
  last_data: string | null;
  avg_latency_ms: number | null;
}

export class CheckRegistry {
  private loaded = false;
  private readonly byId = new Map<string, CheckRuntime>();
  private readonly bySeq = new Map<number, CheckRuntime>();
  /** Each server's checks, oldest first. */
  private readonly byServer = new Map<string, CheckRuntime[]>();
  private serverMap = new Map<string, ServerInfo>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  constructor(
    private readonly deps: { db: Db; sqlite: Database; clock: Clock; newId: () => string; settings: SettingsStore },
  ) {}

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  settings(): MonitoringSettings {
    return this.deps.settings.get(SETTINGS_KEY, MonitoringSettingsSchema, DEFAULT_MONITORING);
  }

  updateSettings(patch: {
    defaults?: Partial<MonitoringSettings['defaults']> | undefined;
    rawRetentionDays?: number | undefined;
    rollupRetentionDays?: number | undefined;
    allowMetadataAddresses?: boolean | undefined;
  }): MonitoringSettings {
    const current = this.settings();
    const next: MonitoringSettings = {
      defaults: { ...current.defaults, ...stripUndefined(patch.defaults ?? {}) },
      rawRetentionDays: patch.rawRetentionDays ?? current.rawRetentionDays,
      rollupRetentionDays: patch.rollupRetentionDays ?? current.rollupRetentionDays,
      allowMetadataAddresses: patch.allowMetadataAddresses ?? current.allowMetadataAddresses,
    };
    this.deps.settings.set(SETTINGS_KEY, next);
    return next;
  }

  /** Reads every check, its state and every server afresh (at start, or after another process wrote). */
  reload(): void {
    this.byId.clear();
    this.bySeq.clear();
    this.byServer.clear();
    this.serverMap = new Map(
      this.deps.db
        .select({ id: serversTable.id, name: serversTable.name, host: serversTable.host, port: serversTable.port, environment: serversTable.environment, tags: serversTable.tags })
        .from(serversTable)
        .all()
        .map((server) => [server.id, server]),
    );
    const rows = this.deps.sqlite
      .prepare<[], LoadedRow>(
        `SELECT c.seq, c.id, c.server_id AS serverId, c.name, c.type, c.config, c.interval_ms AS intervalMs, c.timeout_ms AS timeoutMs,
                c.retries, c.confirm_after AS confirmAfter, c.paused, c.created_at AS createdAt, c.updated_at AS updatedAt,
                s.state, s.pending_status, s.pending_count, s.state_since, s.last_at, s.last_status, s.last_latency_ms,
                s.last_message, s.last_data, s.avg_latency_ms
           FROM checks c LEFT JOIN check_states s ON s.check_seq = c.seq`,
      )
      .all();
    for (const row of rows) {
      const spec = { type: row.type, config: JSON.parse(row.config as unknown as string) } as CheckSpec;
      const paused = Boolean(row.paused);
      const record: CheckStateRecord =
        row.state === null
          ? paused
            ? pauseCheckState()
            : { ...initialCheckState }
          : {
              state: row.state as CheckState,
              pending: row.pending_status ? { status: row.pending_status as CheckStatus, count: row.pending_count ?? 0 } : null,
            };
      this.index({
        seq: row.seq,
        id: row.id,
        serverId: row.serverId,
        name: row.name,
        spec,
        host: checkTarget(spec, this.serverMap.get(row.serverId)?.host).host,
        intervalMs: row.intervalMs,
        timeoutMs: row.timeoutMs,
        retries: row.retries,
        confirmAfter: row.confirmAfter,
        paused,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        record,
        stateSince: row.state_since,
        lastAt: row.last_at,
        lastStatus: row.last_status as CheckStatus | null,
        lastLatencyMs: row.last_latency_ms,
        lastMessage: row.last_message,
        lastData: row.last_data ? (JSON.parse(row.last_data) as Record<string, unknown>) : null,
        avgLatencyMs: row.avg_latency_ms,
      });
    }
    this.loaded = true;
    this.emit({ kind: 'reload' });
  }

  private ensure(): void {
    if (!this.loaded) this.reload();
  }

  all(): Iterable<CheckRuntime> {
    this.ensure();
    return this.bySeq.values();
  }

  servers(): ReadonlyMap<string, ServerInfo> {
    this.ensure();
    return this.serverMap;
  }

  server(id: string): ServerInfo {
    const server = this.servers().get(id);
    if (!server) throw new AppError('NOT_FOUND', `There is no server with id ${id}.`, { hint: 'It may have been deleted; refresh the list.' });
    return server;
  }

  /**
   * A server written inside a transaction that has not told everyone yet (an import batch emits
   * servers.changed once, at its end): known from now on, so a check can be added to it.
   */
  serverAdded(server: ServerInfo): void {
    if (this.loaded) this.serverMap.set(server.id, server);
  }

  checksOf(serverId: string): readonly CheckRuntime[] {
    this.ensure();
    return this.byServer.get(serverId) ?? [];
  }

  find(id: string): CheckRuntime | undefined {
    this.ensure();
    return this.byId.get(id);
  }

  bySequence(seq: number): CheckRuntime | undefined {
    this.ensure();
    return this.bySeq.get(seq);
  }

  get(id: string): CheckRuntime {
    const check = this.find(id);
    if (!check) throw new AppError('NOT_FOUND', `There is no check ${id}.`, { hint: 'It may have been deleted; list the server’s checks to see their ids.' });
    return check;
  }

  list(serverId?: string): Check[] {
    this.ensure();
    const checks = serverId ? this.checksOf(serverId) : [...this.bySeq.values()];
    return checks.map(toCheck);
  }

  create(input: NewCheck): CheckRuntime {
    const server = this.server(input.serverId);
    const defaults = this.settings().defaults;
    const now = this.deps.clock.now();
    const spec = input.spec;
    const target = checkTarget(spec, server.host);
    const row = {
      id: this.deps.newId(),
      serverId: server.id,
      name: input.name ?? defaultCheckName(spec, server.host),
      type: spec.type,
      config: spec.config as Record<string, unknown>,
      intervalMs: input.intervalMs ?? defaults.intervalMs,
      timeoutMs: input.timeoutMs ?? defaults.timeoutMs,
      retries: input.retries ?? defaults.retries,
      confirmAfter: input.confirmAfter ?? defaults.confirmAfter,
      paused: input.paused,
      createdAt: now,
      updatedAt: now,
    };
    const record = input.paused ? pauseCheckState() : { ...initialCheckState };
    const seq = this.deps.db.transaction((tx) => {
      const inserted = tx.insert(checksTable).values(row).returning({ seq: checksTable.seq }).get();
      tx.insert(checkStatesTable).values({ checkSeq: inserted.seq, state: record.state, pendingCount: 0, stateSince: now }).run();
      return inserted.seq;
    });
    const check: CheckRuntime = {
      ...row,
      seq,
      spec,
      host: target.host,
      record,
      stateSince: now,
      lastAt: null,
      lastStatus: null,
      lastLatencyMs: null,
      lastMessage: null,
      lastData: null,
      avgLatencyMs: null,
    };
    this.index(check);
    this.emit({ kind: 'upsert', check });
    return check;
  }

  update(patch: CheckPatch): CheckRuntime {
    const check = this.get(patch.id);
    if (patch.spec && patch.spec.type !== check.spec.type) {
      throw new AppError('VALIDATION_FAILED', `A ${check.spec.type} check cannot become a ${patch.spec.type} check.`, {
        hint: 'Add a new check of the other type and delete this one.',
        issues: [{ path: ['spec', 'type'], message: `Must stay ${check.spec.type}` }],
      });
    }
    const now = this.deps.clock.now();
    const next = { ...check };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.spec !== undefined) {
      next.spec = patch.spec;
      next.host = checkTarget(patch.spec, this.servers().get(check.serverId)?.host).host;
    }
    if (patch.intervalMs !== undefined) next.intervalMs = patch.intervalMs;
    if (patch.timeoutMs !== undefined) next.timeoutMs = patch.timeoutMs;
    if (patch.retries !== undefined) next.retries = patch.retries;
    if (patch.confirmAfter !== undefined) next.confirmAfter = patch.confirmAfter;
    next.updatedAt = now;
    this.deps.db
      .update(checksTable)
      .set({
        name: next.name,
        config: next.spec.config as Record<string, unknown>,
        intervalMs: next.intervalMs,
        timeoutMs: next.timeoutMs,
        retries: next.retries,
        confirmAfter: next.confirmAfter,
        updatedAt: now,
      })
      .where(eq(checksTable.id, check.id))
      .run();
    Object.assign(check, next);
    this.emit({ kind: 'upsert', check });
    return check;
  }

  delete(id: string): { id: string } {
    const check = this.get(id);
    // Results, rollups and the state go with it (ON DELETE CASCADE).
    this.deps.db.delete(checksTable).where(eq(checksTable.id, id)).run();
    this.unindex(check);
    this.emit({ kind: 'remove', check });
    return { id };
  }

  /** Pauses or resumes checks; answers the ids that changed. */
  setPaused(target: { id?: string | undefined; serverId?: string | undefined }, paused: boolean): string[] {
    const checks = target.id ? [this.get(target.id)] : (this.server(target.serverId ?? ''), this.checksOf(target.serverId ?? ''));
    const changed = checks.filter((check) => check.paused !== paused);
    if (changed.length === 0) return [];
    const now = this.deps.clock.now();
    const setChecks = this.deps.sqlite.prepare('UPDATE checks SET paused = ?, updated_at = ? WHERE seq = ?');
    const setState = this.deps.sqlite.prepare('UPDATE check_states SET state = ?, pending_status = NULL, pending_count = 0, state_since = ? WHERE check_seq = ?');
    this.deps.sqlite.transaction(() => {
      for (const check of changed) {
        check.paused = paused;
        check.updatedAt = now;
        check.record = paused ? pauseCheckState() : resumeCheckState();
        check.stateSince = now;
        setChecks.run(paused ? 1 : 0, now, check.seq);
        setState.run(check.record.state, now, check.seq);
      }
    })();
    for (const check of changed) this.emit({ kind: 'upsert', check });
    return changed.map((check) => check.id);
  }

  /** Parses a spec the contract already validated (or a stored one) with defaults filled. */
  static parseSpec(spec: unknown): CheckSpec {
    return CheckSpecSchema.parse(spec) as CheckSpec;
  }

  private index(check: CheckRuntime): void {
    this.byId.set(check.id, check);
    this.bySeq.set(check.seq, check);
    const list = this.byServer.get(check.serverId) ?? [];
    list.push(check);
    list.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
    this.byServer.set(check.serverId, list);
  }

  private unindex(check: CheckRuntime): void {
    this.byId.delete(check.id);
    this.bySeq.delete(check.seq);
    const rest = (this.byServer.get(check.serverId) ?? []).filter((other) => other !== check);
    if (rest.length > 0) this.byServer.set(check.serverId, rest);
    else this.byServer.delete(check.serverId);
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

export function toCheck(check: CheckRuntime): Check {
  return {
    id: check.id,
    serverId: check.serverId,
    name: check.name,
    type: check.spec.type,
    config: check.spec.config as Record<string, unknown>,
    intervalMs: check.intervalMs,
    timeoutMs: check.timeoutMs,
    retries: check.retries,
    confirmAfter: check.confirmAfter,
    paused: check.paused,
    state: check.paused ? 'paused' : check.record.state,
    stateSince: check.stateSince,
    lastAt: check.lastAt,
    lastStatus: check.lastStatus,
    lastLatencyMs: check.lastLatencyMs,
    lastMessage: check.lastMessage,
    createdAt: check.createdAt,
    updatedAt: check.updatedAt,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
