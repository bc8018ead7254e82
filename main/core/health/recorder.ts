import type { AlertSource } from '@shared/api/alerts';
import type { Incident } from '@shared/api/incidents';
import type { Clock } from '../clock';
import type { AsyncDatabase } from '../db/engine';
import type { IncidentStore } from './incidents';
import { STATUS_CODES } from './incidents';
import type { MaintenanceCalendar } from './maintenance';
import type { CheckRegistry, CheckRuntime } from './registry';
import type { ServerInfo } from './registry';
import type { RollupAccumulator, RollupResult } from './rollups';
import type { RunReport } from './scheduler';
import { stateOf, statusOfServer, whyBad } from './server-status';
import { nextCheckState, type ServerStatus } from './state';
import type { CheckStateWrite, ResultStore, ResultWrite } from './store/results';
import type { UptimeIndex } from './uptime-index';

/**
 * Writes one tick's results (docs/architecture.md §4: one transaction per tick, never one per result): the
 * raw results, each check's new state, the open hour's and day's rollups; then derives each
 * touched server's status and opens, escalates or resolves its incident. Answers what changed,
 * for the engine to announce once the transaction has committed.
 */

export interface RecordedResult {
  check: CheckRuntime;
  report: RunReport;
}

export interface TickOutcome {
  results: RecordedResult[];
  servers: { serverId: string; from: ServerStatus; to: ServerStatus; at: number }[];
  opened: Incident[];
  resolved: Incident[];
  escalated: Incident[];
}

/** An incident opened, worsened, resolved or acknowledged, as told to the alerts (docs/alerts.md). */
export interface IncidentNotice {
  source: AlertSource;
  incident: Incident;
  server: ServerInfo;
}

/**
 * Writes the notifications for incident changes inside the transaction that made them, so an
 * incident and the word of it commit together or not at all (the alerts' outbox).
 */
export type IncidentNotifier = (notices: IncidentNotice[]) => Promise<void>;

const EWMA = 0.1;
const MESSAGE_CACHE = 10_000;

export class TickRecorder {
  private readonly messageIds = new Map<string, number>();
  private readonly serverStatus = new Map<string, ServerStatus>();
  /** The last tick's write: each waits for the one before, so ticks never overlap in memory or on disk. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: {
      db: AsyncDatabase;
      store: ResultStore;
      clock: Clock;
      registry: CheckRegistry;
      incidents: IncidentStore;
      maintenance: MaintenanceCalendar;
      rollups: RollupAccumulator;
      uptime: UptimeIndex;
      /** Where incident changes are told; none in a core without alerts. */
      notify?: IncidentNotifier | undefined;
    },
  ) {}

  /** The status the server had at the last evaluation (computed from its checks the first time). */
  lastStatus(serverId: string): ServerStatus {
    let status = this.serverStatus.get(serverId);
    if (status === undefined) {
      status = statusOfServer(this.deps.registry.checksOf(serverId)).status;
      this.serverStatus.set(serverId, status);
    }
    return status;
  }

  /** Writes a tick's results in one transaction, after the tick before; answers what changed, once it has committed. */
  record(reports: readonly RunReport[]): Promise<TickOutcome> {
    const { registry, maintenance, rollups, uptime, store } = this.deps;
    const write = async () => {
      // Counted in the uptime index once written: a tick that rolls back counts nothing.
      const counted: [seq: number, at: number, status: RunReport['result']['status'], muted: boolean][] = [];
      const recorded = await this.inTransaction(async (undo) => {
        const outcome: TickOutcome = { results: [], servers: [], opened: [], resolved: [], escalated: [] };
        const servers = registry.servers();
        const touched = new Set<string>();
        const saved = new Set<CheckRuntime>();
        // The tick's rows, written below as one statement per table (store/results.ts, PG_CHUNK).
        const rows: (Omit<ResultWrite, 'messageId'> & { message: string | null })[] = [];
        const states: CheckStateWrite[] = [];
        const rolled: RollupResult[] = [];
        for (const report of reports) {
          const check = registry.find(report.checkId);
          if (!check) continue; // deleted while it ran
          if (!touched.has(check.serverId)) {
            this.lastStatus(check.serverId);
            touched.add(check.serverId);
          }
          if (!saved.has(check)) {
            saved.add(check);
            const { record, stateSince, lastAt, lastStatus, lastLatencyMs, lastMessage, lastData, avgLatencyMs } = check;
            undo.push(() => Object.assign(check, { record, stateSince, lastAt, lastStatus, lastLatencyMs, lastMessage, lastData, avgLatencyMs }));
          }
          const { result } = report;
          const at = report.finishedAt;
          const server = servers.get(check.serverId);
          const muted = server ? maintenance.muted(server, at) : false;
          const step = nextCheckState(check.record, result, { confirmAfter: check.confirmAfter, muted });
          check.record = step.state;
          if (step.change) check.stateSince = at;
          check.lastAt = at;
          check.lastStatus = result.status;
          check.lastLatencyMs = result.latencyMs;
          check.lastMessage = result.message;
          check.lastData = result.data ?? null;
          if (result.latencyMs !== null)
            check.avgLatencyMs = check.avgLatencyMs === null ? result.latencyMs : check.avgLatencyMs * (1 - EWMA) + result.latencyMs * EWMA;
          const latency = result.latencyMs === null ? null : Math.round(result.latencyMs * 10);
          rows.push({
            seq: check.seq,
            at,
            status: STATUS_CODES[result.status],
            latency,
            message: result.status === 'up' ? null : result.message,
            muted,
          });
          states.push({
            seq: check.seq,
            state: check.record.state,
            pendingStatus: check.record.pending?.status ?? null,
            pendingCount: check.record.pending?.count ?? 0,
            stateSince: check.stateSince,
            lastAt: at,
            lastStatus: result.status,
            lastLatencyMs: result.latencyMs,
            lastMessage: result.message,
            lastData: result.data ?? null,
            avgLatencyMs: check.avgLatencyMs,
          });
          rolled.push({ seq: check.seq, at, status: result.status, latencyMs: result.latencyMs, muted });
          counted.push([check.seq, at, result.status, muted]);
          outcome.results.push({ check, report });
        }
        const messageIds = await this.idsOf(rows.flatMap((row) => (row.message === null ? [] : [row.message])));
        await store.writeResults(rows.map(({ message, ...row }) => ({ ...row, messageId: message === null ? null : (messageIds.get(message) ?? null) })));
        await store.writeStates(states);
        await rollups.addAll(rolled);
        await rollups.flush(this.deps.clock.now());
        await this.evaluateServers(touched, outcome, undo);
        await this.notify(outcome);
        return outcome;
      });
      for (const [seq, at, status, muted] of counted) uptime.add(seq, at, status, muted);
      return recorded;
    };
    const next = this.writing.then(write, write);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Re-derives servers' statuses and incidents outside a tick (a check paused, resumed or deleted),
   * once the call that changed them has committed, in a transaction of its own queued behind the
   * ticks and evaluations before it. Two at once would each find the same incident open (or none)
   * and resolve (or open) it twice: on PostgreSQL their transactions run side by side.
   */
  evaluate(serverIds: Iterable<string>): Promise<TickOutcome> {
    const ids = new Set(serverIds);
    const evaluate = () =>
      this.inTransaction(async (undo) => {
        const outcome: TickOutcome = { results: [], servers: [], opened: [], resolved: [], escalated: [] };
        await this.evaluateServers(ids, outcome, undo);
        await this.notify(outcome);
        return outcome;
      });
    const next = this.writing.then(evaluate, evaluate);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` between two writes: after the ticks and evaluations queued before it, and before any
   * queued after it, so nothing the recorder writes commits while it runs (the uptime index reads
   * its rollups so). Keep it short: ticks wait for it.
   */
  between<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writing.then(work, work);
    this.writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs `work` in one transaction. When it rolls back, what it changed in memory is put back (each
   * check's state, each server's status: `undo`, newest first), and what is kept beside the database
   * (open rollups, open incidents, message ids) is forgotten, to be read back: the same results can
   * then be recorded again, as if this attempt had never been.
   */
  private async inTransaction(work: (undo: (() => void)[]) => Promise<TickOutcome>): Promise<TickOutcome> {
    const undo: (() => void)[] = [];
    try {
      return await this.deps.db.transaction(() => work(undo));
    } catch (error) {
      for (const step of undo.reverse()) step();
      this.deps.rollups.discard();
      this.deps.incidents.reload();
      this.messageIds.clear();
      throw error;
    }
  }

  /**
   * After a reload: forgets the servers that are gone. The others keep the status they were last
   * told with, the baseline the next change is told against: a tick still being written, or an
   * evaluation queued, has changed the checks already and tells that change against it. Taking the
   * reloaded checks' status as the baseline instead swallowed such a change (on PostgreSQL, when
   * the engine still reloaded after its own writes, a new server's first "up" never reached the UI).
   */
  forgetRemoved(): void {
    const servers = this.deps.registry.servers();
    for (const serverId of this.serverStatus.keys()) if (!servers.has(serverId)) this.serverStatus.delete(serverId);
  }

  /**
   * Remembers the status of every server not remembered yet, as the baseline the next change is
   * told against. Without it, the first evaluation of a server after a start or a reload would
   * compute its "before" from checks a pause, resume or delete has already changed, and announce
   * nothing: an open overview would miss that change (docs/architecture.md §7).
   */
  prime(): void {
    for (const serverId of this.deps.registry.servers().keys()) this.lastStatus(serverId);
  }

  private async evaluateServers(serverIds: ReadonlySet<string>, outcome: TickOutcome, undo: (() => void)[]): Promise<void> {
    const { registry, incidents, maintenance } = this.deps;
    const now = this.deps.clock.now();
    const open = await incidents.openByServer();
    for (const serverId of serverIds) {
      const server = registry.servers().get(serverId);
      if (!server) continue;
      const checks = registry.checksOf(serverId);
      const from = this.lastStatus(serverId);
      const { status } = statusOfServer(checks);
      if (status !== from) {
        this.serverStatus.set(serverId, status);
        undo.push(() => this.serverStatus.set(serverId, from));
        outcome.servers.push({ serverId, from, to: status, at: now });
      }
      const incident = open.get(serverId);
      if (status === 'down' || status === 'degraded') {
        if (!incident) {
          // A maintenance window holds incidents back; one opens if the server is still bad after it.
          if (!maintenance.muted(server, now)) outcome.opened.push(incidents.view(await incidents.openFor(serverId, status, whyBad(checks), now), server.name));
        } else if (status === 'down' && incident.severity === 'degraded') {
          await incidents.escalate(incident, 'down', whyBad(checks));
          outcome.escalated.push(incidents.view(incident, server.name));
        }
      } else if (incident && checks.every((check) => stateOf(check) !== 'unknown' || check.paused)) {
        await incidents.resolve(incident, now);
        outcome.resolved.push(incidents.view(incident, server.name));
      }
    }
  }

  /** Tells the alerts of the incidents opened, worsened (degraded to down) and resolved, in the tick's transaction: nothing to do when none were. */
  private async notify(outcome: TickOutcome): Promise<void> {
    const { notify, registry } = this.deps;
    if (!notify || (outcome.opened.length === 0 && outcome.escalated.length === 0 && outcome.resolved.length === 0)) return;
    const servers = registry.servers();
    const notices: IncidentNotice[] = [];
    for (const [source, incidents] of [
      ['incident.opened', outcome.opened],
      ['incident.worsened', outcome.escalated],
      ['incident.resolved', outcome.resolved],
    ] as const) {
      for (const incident of incidents) {
        const server = servers.get(incident.serverId);
        if (server) notices.push({ source, incident, server });
      }
    }
    await notify(notices);
  }

  /** The ids of a tick's messages: from the cache, the others stored (when new) and read back in one go. */
  private async idsOf(texts: readonly string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const unknown: string[] = [];
    for (const text of texts) {
      if (ids.has(text)) continue;
      const cached = this.messageIds.get(text);
      if (cached === undefined) unknown.push(text);
      else ids.set(text, cached);
    }
    if (unknown.length === 0) return ids;
    for (const [text, id] of await this.deps.store.messageIds(unknown)) {
      ids.set(text, id);
      if (this.messageIds.size >= MESSAGE_CACHE) this.messageIds.clear();
      this.messageIds.set(text, id);
    }
    return ids;
  }
}
