import type { Database } from 'better-sqlite3';
import type { Incident } from '@shared/api/incidents';
import type { Clock } from '../clock';
import type { IncidentStore } from './incidents';
import { STATUS_CODES } from './incidents';
import type { MaintenanceCalendar } from './maintenance';
import type { CheckRegistry, CheckRuntime } from './registry';
import type { RollupAccumulator } from './rollups';
import type { RunReport } from './scheduler';
import { causeOf, stateOf, statusOfServer } from './server-status';
import { nextCheckState, type ServerStatus } from './state';
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

const EWMA = 0.1;
const MESSAGE_CACHE = 10_000;

export class TickRecorder {
  private readonly insertResult;
  private readonly updateState;
  private readonly insertMessage;
  private readonly findMessage;
  private readonly messageIds = new Map<string, number>();
  private readonly serverStatus = new Map<string, ServerStatus>();

  constructor(
    private readonly deps: {
      sqlite: Database;
      clock: Clock;
      registry: CheckRegistry;
      incidents: IncidentStore;
      maintenance: MaintenanceCalendar;
      rollups: RollupAccumulator;
      uptime: UptimeIndex;
    },
  ) {
    const { sqlite } = deps;
    this.insertResult = sqlite.prepare('INSERT OR REPLACE INTO health_results (check_seq, at, status, latency, message_id, muted) VALUES (?, ?, ?, ?, ?, ?)');
    this.updateState = sqlite.prepare(
      `UPDATE check_states SET state = ?, pending_status = ?, pending_count = ?, state_since = ?, last_at = ?, last_status = ?,
              last_latency_ms = ?, last_message = ?, last_data = ?, avg_latency_ms = ? WHERE check_seq = ?`,
    );
    this.insertMessage = sqlite.prepare('INSERT OR IGNORE INTO health_messages (text) VALUES (?)');
    this.findMessage = sqlite.prepare<[string], { id: number }>('SELECT id FROM health_messages WHERE text = ?');
  }

  /** The status the server had at the last evaluation (computed from its checks the first time). */
  lastStatus(serverId: string): ServerStatus {
    let status = this.serverStatus.get(serverId);
    if (status === undefined) {
      status = statusOfServer(this.deps.registry.checksOf(serverId)).status;
      this.serverStatus.set(serverId, status);
    }
    return status;
  }

  record(reports: readonly RunReport[]): TickOutcome {
    const outcome: TickOutcome = { results: [], servers: [], opened: [], resolved: [], escalated: [] };
    const { registry, maintenance, rollups, uptime } = this.deps;
    const servers = registry.servers();
    const touched = new Set<string>();
    this.deps.sqlite.transaction(() => {
      for (const report of reports) {
        const check = registry.find(report.checkId);
        if (!check) continue; // deleted while it ran
        if (!touched.has(check.serverId)) {
          this.lastStatus(check.serverId);
          touched.add(check.serverId);
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
        this.insertResult.run(
          check.seq,
          at,
          STATUS_CODES[result.status],
          result.latencyMs === null ? null : Math.round(result.latencyMs * 10),
          result.status === 'up' ? null : this.messageId(result.message),
          muted ? 1 : null,
        );
        this.updateState.run(
          check.record.state,
          check.record.pending?.status ?? null,
          check.record.pending?.count ?? 0,
          check.stateSince,
          at,
          result.status,
          result.latencyMs,
          result.message,
          result.data === undefined ? null : JSON.stringify(result.data),
          check.avgLatencyMs,
          check.seq,
        );
        rollups.add({ seq: check.seq, at, status: result.status, latencyMs: result.latencyMs, muted });
        uptime.add(check.seq, at, result.status, muted);
        outcome.results.push({ check, report });
      }
      rollups.flush(this.deps.clock.now());
      this.evaluateServers(touched, outcome);
    })();
    return outcome;
  }

  /** Re-derives servers' statuses and incidents outside a tick (a check paused, resumed or deleted). */
  evaluate(serverIds: Iterable<string>): TickOutcome {
    const outcome: TickOutcome = { results: [], servers: [], opened: [], resolved: [], escalated: [] };
    this.deps.sqlite.transaction(() => this.evaluateServers(new Set(serverIds), outcome))();
    return outcome;
  }

  /** Forget cached statuses (after a reload). */
  reset(): void {
    this.serverStatus.clear();
  }

  /**
   * Remembers every server's status now, as the baseline the next change is told against. Without
   * it, the first evaluation of a server after a start or a reload would compute its "before"
   * from checks a pause, resume or delete has already changed, and announce nothing: an open
   * overview would miss that change (docs/architecture.md §7).
   */
  prime(): void {
    for (const serverId of this.deps.registry.servers().keys()) this.lastStatus(serverId);
  }

  private evaluateServers(serverIds: ReadonlySet<string>, outcome: TickOutcome): void {
    const { registry, incidents, maintenance } = this.deps;
    const now = this.deps.clock.now();
    const open = incidents.openByServer();
    for (const serverId of serverIds) {
      const server = registry.servers().get(serverId);
      if (!server) continue;
      const checks = registry.checksOf(serverId);
      const from = this.lastStatus(serverId);
      const { status } = statusOfServer(checks);
      if (status !== from) {
        this.serverStatus.set(serverId, status);
        outcome.servers.push({ serverId, from, to: status, at: now });
      }
      const incident = open.get(serverId);
      if (status === 'down' || status === 'degraded') {
        if (!incident) {
          // A maintenance window holds incidents back; one opens if the server is still bad after it.
          if (!maintenance.muted(server, now)) outcome.opened.push(incidents.view(incidents.openFor(serverId, status, causeOf(checks), now), server.name));
        } else if (status === 'down' && incident.severity === 'degraded') {
          incidents.escalate(incident, 'down', causeOf(checks));
          outcome.escalated.push(incidents.view(incident, server.name));
        }
      } else if (incident && checks.every((check) => stateOf(check) !== 'unknown' || check.paused)) {
        incidents.resolve(incident, now);
        outcome.resolved.push(incidents.view(incident, server.name));
      }
    }
  }

  private messageId(text: string): number {
    const cached = this.messageIds.get(text);
    if (cached !== undefined) return cached;
    this.insertMessage.run(text);
    const id = this.findMessage.get(text)?.id ?? 0;
    if (this.messageIds.size >= MESSAGE_CACHE) this.messageIds.clear();
    this.messageIds.set(text, id);
    return id;
  }
}
