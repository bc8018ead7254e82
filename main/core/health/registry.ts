import { AppError } from '@shared/api/errors';
import type { Check, CheckSpec } from '@shared/api/checks';
import { CheckSpec as CheckSpecSchema } from '@shared/api/checks';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { ServerDirectory, ServerInfo } from '../servers';
import { initialCheckState, pauseCheckState, resumeCheckState, type CheckStateRecord } from './state';
import { checkRuntime } from './check-loader';
import type { MonitoringSettingsStore } from './monitoring-settings';
import { CheckConfigStore, type StoredCheck, type StoredCheckState } from './store/checks';
import { checkTarget, defaultCheckName } from './target';

/**
 * The checks and where each stands, in memory and in the database. The database is the truth;
 * this keeps a copy so a tick, the scheduler and the dashboards never query per check. Anything
 * that changes a check goes through here, which writes it (joining the caller's transaction) and,
 * once that has committed, updates the copy and tells the engine: a call that rolls back leaves
 * the copy as it was (docs/architecture.md §4).
 */

/** A check as the engine runs it: its stored row with the spec parsed and its target's host, and where it stands. */
export interface CheckRuntime extends Omit<StoredCheck, 'type' | 'config'>, Omit<StoredCheckState, 'state' | 'pendingStatus' | 'pendingCount'> {
  spec: CheckSpec;
  host: string;
  record: CheckStateRecord;
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
  private readonly store: CheckConfigStore;
  /** Changes applied to the copy so far: a load that saw one land while it read reads again. */
  private changes = 0;
  /** The load running, if any: loads take turns. */
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: { data: AsyncDatabase; directory: ServerDirectory; clock: Clock; newId: () => string; monitoring: MonitoringSettingsStore },
  ) {
    this.store = new CheckConfigStore(deps.data);
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads every check, its state and every server afresh: when the core opens, and after another
   * process wrote or an import added servers. A change committed here while it reads makes it read again.
   */
  load(): Promise<void> {
    const next = this.loading.then(() => this.read());
    this.loading = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<void> {
    let servers: ServerInfo[];
    let rows: Awaited<ReturnType<CheckConfigStore['loaded']>>;
    for (;;) {
      const seen = this.changes;
      [servers, rows] = await Promise.all([this.deps.directory.all(), this.store.loaded()]);
      if (seen === this.changes) break;
    }
    const before = new Map(this.byId);
    this.byId.clear();
    this.bySeq.clear();
    this.byServer.clear();
    this.serverMap = new Map(servers.map((server) => [server.id, server]));
    for (const { check, state } of rows) {
      const loaded = checkRuntime(check, state, this.serverMap.get(check.serverId)?.host);
      // Results recorded while this read keep what they changed: the copy they updated is the newer.
      const kept = before.get(loaded.id);
      if (kept && kept.seq === loaded.seq && (kept.lastAt ?? -Infinity) > (loaded.lastAt ?? -Infinity)) Object.assign(loaded, standing(kept));
      this.index(loaded);
    }
    this.loaded = true;
    this.emit({ kind: 'reload' });
  }

  /**
   * Follows a change to the inventory by reading only the servers it names, so adding the 5,000th
   * server costs what the first did (a load reads every server and check). A deleted server's
   * checks leave the schedule; a moved one's checks follow its new host. An import says no ids:
   * everything is read again. Called inside the transaction that changed them, it reads them there
   * and applies what it read once that has committed; settles then (never, when it rolls back).
   */
  serversChanged(ids: readonly string[]): Promise<void> {
    if (!this.loaded) return Promise.resolve();
    if (ids.length === 0) {
      return new Promise((resolve, reject) =>
        this.deps.data.afterCommit(() => {
          this.load().then(resolve, reject);
        }),
      );
    }
    const reading = Promise.all(ids.map((id) => this.deps.directory.get(id)));
    // Read inside the caller's transaction, before it commits; a failure is the promise below's to report.
    reading.catch(() => undefined);
    return new Promise((resolve, reject) =>
      this.deps.data.afterCommit(() => {
        reading.then((servers) => {
          ids.forEach((id, i) => this.serverRead(id, servers[i]));
          resolve();
        }, reject);
      }),
    );
  }

  private serverRead(id: string, server: ServerInfo | undefined): void {
    this.changes++;
    if (!server) {
      this.serverMap.delete(id);
      for (const check of [...(this.byServer.get(id) ?? [])]) {
        this.unindex(check);
        this.emit({ kind: 'remove', check });
      }
      return;
    }
    this.serverMap.set(id, server);
    for (const check of this.byServer.get(id) ?? []) {
      const host = checkTarget(check.spec, server.host).host;
      if (host === check.host) continue;
      check.host = host;
      this.emit({ kind: 'upsert', check });
    }
  }

  /** The copy is read before the core opens (load): one read earlier is a bug. */
  private ensure(): void {
    if (!this.loaded) {
      throw new AppError('INTERNAL', 'The checks were read before they were loaded.', {
        hint: 'This is a bug in Guardian: report it with the log file.',
        retryable: false,
      });
    }
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
    if (!server) throw serverNotFound(id);
    return server;
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

  /**
   * Adds a check. `server`: its server when the caller has it (a server written in the same
   * transaction, not yet known here); otherwise it is looked up.
   */
  async create(input: NewCheck, known?: ServerInfo): Promise<CheckRuntime> {
    this.ensure();
    const server = known ?? this.serverMap.get(input.serverId) ?? (await this.deps.directory.get(input.serverId));
    if (!server || server.id !== input.serverId) throw serverNotFound(input.serverId);
    const defaults = this.deps.monitoring.get().defaults;
    const now = this.deps.clock.now();
    const spec = input.spec;
    const target = checkTarget(spec, server.host);
    const row = {
      id: this.deps.newId(),
      serverId: server.id,
      name: input.name ?? defaultCheckName(spec, server.host),
      type: spec.type,
      config: configOf(spec),
      intervalMs: input.intervalMs ?? defaults.intervalMs,
      timeoutMs: input.timeoutMs ?? defaults.timeoutMs,
      retries: input.retries ?? defaults.retries,
      confirmAfter: input.confirmAfter ?? defaults.confirmAfter,
      paused: input.paused,
      createdAt: now,
      updatedAt: now,
    };
    const record = input.paused ? pauseCheckState() : { ...initialCheckState };
    const seq = await this.store.insertCheck(row, { state: record.state, since: now });
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
    this.committed(() => {
      // A server written in the same transaction: known from now on (its servers.changed may come later, an import's at its end).
      if (!this.serverMap.has(server.id)) {
        const { id, name, host, port, environment, tags, user, jumpHostId, dependsOnId } = server;
        this.serverMap.set(id, { id, name, host, port, environment, tags, user, jumpHostId, dependsOnId });
      }
      this.index(check);
      return [check];
    });
    return check;
  }

  /** Changes a check; answers it as it is once the change has committed. */
  async update(patch: CheckPatch): Promise<CheckRuntime> {
    const check = this.get(patch.id);
    if (patch.spec && patch.spec.type !== check.spec.type) {
      throw new AppError('VALIDATION_FAILED', `A ${check.spec.type} check cannot become a ${patch.spec.type} check.`, {
        hint: 'Add a new check of the other type and delete this one.',
        issues: [{ path: ['spec', 'type'], message: `Must stay ${check.spec.type}` }],
      });
    }
    const spec = patch.spec ?? check.spec;
    const fields = {
      name: patch.name ?? check.name,
      spec,
      host: patch.spec ? checkTarget(patch.spec, this.serverMap.get(check.serverId)?.host).host : check.host,
      intervalMs: patch.intervalMs ?? check.intervalMs,
      timeoutMs: patch.timeoutMs ?? check.timeoutMs,
      retries: patch.retries ?? check.retries,
      confirmAfter: patch.confirmAfter ?? check.confirmAfter,
      updatedAt: this.deps.clock.now(),
    };
    await this.store.updateCheck({ id: check.id, ...fields, config: configOf(spec) });
    this.committed(() => {
      const current = this.byId.get(check.id);
      if (!current) return [];
      Object.assign(current, fields);
      return [current];
    });
    return { ...check, ...fields };
  }

  async delete(id: string): Promise<{ id: string }> {
    this.get(id);
    // Results, rollups and the state go with it (ON DELETE CASCADE).
    await this.store.deleteCheck(id);
    this.deps.data.afterCommit(() => {
      const current = this.byId.get(id);
      if (!current) return;
      this.changes++;
      this.unindex(current);
      this.emit({ kind: 'remove', check: current });
    });
    return { id };
  }

  /** Pauses or resumes checks (one, or a server's all together, in one transaction); answers the ids that changed. */
  async setPaused(target: { id?: string | undefined; serverId?: string | undefined }, paused: boolean): Promise<string[]> {
    const checks = target.id ? [this.get(target.id)] : (this.server(target.serverId ?? ''), this.checksOf(target.serverId ?? ''));
    const changed = checks.filter((check) => check.paused !== paused);
    if (changed.length === 0) return [];
    const now = this.deps.clock.now();
    const fresh = () => (paused ? pauseCheckState() : resumeCheckState());
    await this.store.setPaused(
      changed.map((check) => check.seq),
      paused,
      fresh().state,
      now,
    );
    const ids = changed.map((check) => check.id);
    this.committed(() =>
      ids.flatMap((id) => {
        const current = this.byId.get(id);
        if (!current) return [];
        Object.assign(current, { paused, updatedAt: now, record: fresh(), stateSince: now });
        return [current];
      }),
    );
    return ids;
  }

  /** Runs `apply` on the copy once the caller's transaction has committed, and tells the engine about the checks it answers. */
  private committed(apply: () => CheckRuntime[]): void {
    this.deps.data.afterCommit(() => {
      this.changes++;
      for (const check of apply()) this.emit({ kind: 'upsert', check });
    });
  }

  /** Parses a spec the contract already validated (or a stored one) with defaults filled. */
  static parseSpec(spec: unknown): CheckSpec {
    return CheckSpecSchema.parse(spec) as CheckSpec;
  }

  private index(check: CheckRuntime): void {
    const before = this.byId.get(check.id);
    if (before) this.unindex(before);
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

/** Where a check stands, as results change it. */
function standing(check: CheckRuntime): Partial<CheckRuntime> {
  const { record, stateSince, lastAt, lastStatus, lastLatencyMs, lastMessage, lastData, avgLatencyMs } = check;
  return { record, stateSince, lastAt, lastStatus, lastLatencyMs, lastMessage, lastData, avgLatencyMs };
}

function serverNotFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no server with id ${id}.`, { hint: 'It may have been deleted; refresh the list.' });
}

/** A spec's config as the store writes it. */
function configOf(spec: CheckSpec): Record<string, unknown> {
  return { ...spec.config };
}
