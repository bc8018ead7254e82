import { AppError } from '@shared/api/errors';
import type { StoredResult } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { Clock } from '../clock';
import type { ResultStore } from './store/results';
import type { IncidentRow } from './table';

/**
 * Incidents (docs/architecture.md §7): a server going degraded or down opens one, with its cause; its
 * coming back resolves it; a person can acknowledge it with a note. Open incidents are kept in
 * memory by server, so a tick knows at once whether a bad server already has one.
 */

/** Why a server is bad: in words, and the types of its bad checks (server-status.ts). */
export interface Why {
  cause: string;
  checkTypes: readonly string[];
}

export const STATUS_CODES = { up: 0, degraded: 1, down: 2 } as const;
export const STATUS_NAMES = ['up', 'degraded', 'down'] as const;

export class IncidentStore {
  private open: Map<string, IncidentRow> | null = null;

  constructor(
    private readonly store: ResultStore,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {}

  /** The open incident of each server, read once and then kept current by the ticks. */
  async openByServer(): Promise<Map<string, IncidentRow>> {
    if (!this.open) {
      const open = new Map<string, IncidentRow>();
      for (const { serverName: _name, ...row } of await this.store.openIncidents()) open.set(row.serverId, row);
      this.open ??= open;
    }
    return this.open;
  }

  /** Forgets what is in memory, to read it again (another process wrote, or a tick rolled back). */
  reload(): void {
    this.open = null;
  }

  /** Opens an incident (inside the tick's transaction). */
  async openFor(serverId: string, severity: 'degraded' | 'down', { cause, checkTypes }: Why, at: number): Promise<IncidentRow> {
    const row: IncidentRow = {
      id: this.newId(),
      serverId,
      severity,
      startedAt: at,
      endedAt: null,
      cause,
      checkTypes: [...checkTypes],
      acknowledgedAt: null,
      acknowledgedBy: null,
      note: null,
    };
    await this.store.insertIncident(row);
    (await this.openByServer()).set(serverId, row);
    return row;
  }

  /** A worse status during an open incident raises its severity and says why; the check types it was about gain the worse checks'. */
  async escalate(row: IncidentRow, severity: 'down', { cause, checkTypes }: Why): Promise<void> {
    const types = [...new Set([...row.checkTypes, ...checkTypes])].sort();
    await this.store.escalateIncident(row.id, severity, cause, types);
    row.severity = severity;
    row.cause = cause;
    row.checkTypes = types;
  }

  async resolve(row: IncidentRow, at: number): Promise<void> {
    await this.store.resolveIncident(row.id, at);
    row.endedAt = at;
    (await this.openByServer()).delete(row.serverId);
  }

  view(row: IncidentRow, serverName: string): Incident {
    const now = this.clock.now();
    return {
      id: row.id,
      serverId: row.serverId,
      serverName,
      severity: row.severity as Incident['severity'],
      startedAt: row.startedAt,
      endedAt: row.endedAt,
      durationMs: Math.max(0, (row.endedAt ?? now) - row.startedAt),
      cause: row.cause,
      checkTypes: row.checkTypes,
      acknowledgedAt: row.acknowledgedAt,
      acknowledgedBy: row.acknowledgedBy,
      note: row.note,
    };
  }

  async list(filter: {
    serverId?: string | undefined;
    open?: boolean | undefined;
    limit: number;
    offset: number;
  }): Promise<{ items: Incident[]; total: number }> {
    const { rows, total } = await this.store.incidents(filter, filter.limit, filter.offset);
    return { items: rows.map((row) => this.view(row, row.serverName ?? '')), total };
  }

  async get(id: string): Promise<Incident> {
    const row = await this.store.incident(id);
    if (!row) throw notFound(id);
    return this.view(row, row.serverName ?? '');
  }

  /** The server's results from 15 minutes before the incident to 15 minutes after it (or now), at most 500. */
  async resultsAround(incident: Incident): Promise<StoredResult[]> {
    const from = incident.startedAt - 15 * 60_000;
    const to = (incident.endedAt ?? this.clock.now()) + 15 * 60_000;
    const rows = await this.store.serverResults(incident.serverId, from, to, 500);
    return rows.map((row) => ({
      checkId: row.checkId,
      at: row.at,
      status: STATUS_NAMES[row.status] ?? 'down',
      latencyMs: row.latency === null ? null : row.latency / 10,
      message: row.message,
      muted: row.muted,
    }));
  }

  /** Acknowledges an incident once: a second person, even at the same moment, is told who did. */
  async acknowledge(id: string, by: string, note: string): Promise<Incident> {
    const incident = await this.get(id);
    const now = this.clock.now();
    if (incident.acknowledgedAt !== null || !(await this.store.acknowledgeIncident(id, now, by, note || null))) {
      const current = await this.get(id);
      throw new AppError('CONFLICT', `The incident was already acknowledged by ${current.acknowledgedBy ?? 'someone'}.`, {
        hint: 'Refresh to see their note.',
      });
    }
    const open = this.open?.get(incident.serverId);
    if (open?.id === id) Object.assign(open, { acknowledgedAt: now, acknowledgedBy: by, note: note || null });
    return this.get(id);
  }

  /** How many incidents each server had since `since`. */
  countsSince(since: number): Promise<Map<string, number>> {
    return this.store.incidentCountsSince(since);
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no incident ${id}.`, { hint: 'List the incidents to see their ids.' });
}
