import type { Database } from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import type { Check, CheckSpec, CheckStatus } from '@shared/api/checks';
import { CheckSpec as CheckSpecSchema } from '@shared/api/checks';
import type { Clock } from '../clock';
import type { Db } from '../db/open';
import { allServerInfo, serverInfo, type ServerInfo } from '../servers';
import { initialCheckState, pauseCheckState, resumeCheckState, type CheckStateRecord } from './state';
import { checksTable, checkStatesTable } from './table';
import { readChecks } from './check-loader';
import type { MonitoringSettingsStore } from './monitoring-settings';
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

export type { ServerInfo };

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

export class CheckRegistry {
  private loaded = false;
  private readonly byId = new Map<string, CheckRuntime>();
  private readonly bySeq = new Map<number, CheckRuntime>();
  /** Each server's checks, oldest first. */
  private readonly byServer = new Map<string, CheckRuntime[]>();
  private serverMap = new Map<string, ServerInfo>();
  private readonly listeners = new Set<(change: RegistryChange) => void>();

  constructor(private readonly deps: { db: Db; sqlite: Database; clock: Clock; newId: () => string; monitoring: MonitoringSettingsStore }) {}

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads every check, its state and every server afresh (at start, or after another process wrote). */
  reload(): void {
    this.byId.clear();
    this.bySeq.clear();
    this.byServer.clear();
    this.serverMap = new Map(allServerInfo(this.deps.db).map((server) => [server.id, server]));
    for (const check of readChecks(this.deps.sqlite, (serverId) => this.serverMap.get(serverId)?.host)) this.index(check);
    this.loaded = true;
    this.emit({ kind: 'reload' });
  }

  /**
   * Applies a change to the inventory by re-reading only the servers it names, so adding the
   * 5,000th server costs what the first did (a reload reads every server and check). A deleted
   * server's checks leave the schedule; a moved one's checks follow its new host. An import says
   * no ids: everything is read again.
   */
  serversChanged(ids: readonly string[]): void {
    if (!this.loaded) return;
    if (ids.length === 0) {
      this.reload();
      return;
    }
    for (const id of ids) {
      const server = serverInfo(this.deps.db, id);
      if (!server) {
        this.serverMap.delete(id);
        for (const check of [...(this.byServer.get(id) ?? [])]) {
          this.unindex(check);
          this.emit({ kind: 'remove', check });
        }
        continue;
      }
      this.serverMap.set(id, server);
      for (const check of this.byServer.get(id) ?? []) {
        const host = checkTarget(check.spec, server.host).host;
        if (host === check.host) continue;
        check.host = host;
        this.emit({ kind: 'upsert', check });
      }
    }
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
    const defaults = this.deps.monitoring.get().defaults;
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
    const setState = this.deps.sqlite.prepare(
      'UPDATE check_states SET state = ?, pending_status = NULL, pending_count = 0, state_since = ? WHERE check_seq = ?',
    );
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
