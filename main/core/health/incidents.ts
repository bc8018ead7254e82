import type { Database } from 'better-sqlite3';
import { AppError } from '@shared/api/errors';
import type { StoredResult } from '@shared/api/checks';
import type { Incident } from '@shared/api/incidents';
import type { Clock } from '../clock';
import type { IncidentRow } from './table';

/**
 * Incidents (docs/architecture.md §7): a server going degraded or down opens one, with its cause; its
 * coming back resolves it; a person can acknowledge it with a note. Open incidents are kept in
 * memory by server, so a tick knows at once whether a bad server already has one.
 */

interface IncidentRecord {
  id: string;
  server_id: string;
  severity: string;
  started_at: number;
  ended_at: number | null;
  cause: string;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  note: string | null;
  server_name: string | null;
}

const SELECT = `SELECT i.*, s.name AS server_name FROM incidents i LEFT JOIN servers s ON s.id = i.server_id`;

export const STATUS_CODES = { up: 0, degraded: 1, down: 2 } as const;
export const STATUS_NAMES = ['up', 'degraded', 'down'] as const;

export class IncidentStore {
  private open: Map<string, IncidentRow> | null = null;
  private readonly insert;
  private readonly resolveStmt;
  private readonly escalateStmt;

  constructor(
    private readonly sqlite: Database,
    private readonly clock: Clock,
    private readonly newId: () => string,
  ) {
    this.insert = sqlite.prepare(
      'INSERT INTO incidents (id, server_id, severity, started_at, ended_at, cause) VALUES (@id, @serverId, @severity, @startedAt, NULL, @cause)',
    );
    this.resolveStmt = sqlite.prepare('UPDATE incidents SET ended_at = ? WHERE id = ?');
    this.escalateStmt = sqlite.prepare('UPDATE incidents SET severity = ?, cause = ? WHERE id = ?');
  }

  /** The open incident of each server. */
  openByServer(): Map<string, IncidentRow> {
    if (!this.open) {
      this.open = new Map();
      const rows = this.sqlite.prepare<[], IncidentRecord>(`${SELECT} WHERE i.ended_at IS NULL`).all();
      for (const row of rows) this.open.set(row.server_id, toRow(row));
    }
    return this.open;
  }

  reload(): void {
    this.open = null;
  }

  openFor(serverId: string, severity: 'degraded' | 'down', cause: string, at: number): IncidentRow {
    const row: IncidentRow = {
      id: this.newId(),
      serverId,
      severity,
      startedAt: at,
      endedAt: null,
      cause,
      acknowledgedAt: null,
      acknowledgedBy: null,
      note: null,
    };
    this.insert.run(row);
    this.openByServer().set(serverId, row);
    return row;
  }

  /** A worse status during an open incident raises its severity and says why. */
  escalate(row: IncidentRow, severity: 'down', cause: string): void {
    row.severity = severity;
    row.cause = cause;
    this.escalateStmt.run(severity, cause, row.id);
  }

  resolve(row: IncidentRow, at: number): void {
    row.endedAt = at;
    this.resolveStmt.run(at, row.id);
    this.openByServer().delete(row.serverId);
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
      acknowledgedAt: row.acknowledgedAt,
      acknowledgedBy: row.acknowledgedBy,
      note: row.note,
    };
  }

  list(filter: { serverId?: string | undefined; open?: boolean | undefined; limit: number; offset: number }): { items: Incident[]; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.serverId) {
      where.push('i.server_id = ?');
      params.push(filter.serverId);
    }
    if (filter.open === true) where.push('i.ended_at IS NULL');
    if (filter.open === false) where.push('i.ended_at IS NOT NULL');
    const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const total = (this.sqlite.prepare(`SELECT count(*) AS n FROM incidents i${clause}`).get(...params) as { n: number }).n;
    const rows = this.sqlite
      .prepare<unknown[], IncidentRecord>(`${SELECT}${clause} ORDER BY (i.ended_at IS NULL) DESC, i.started_at DESC LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.offset);
    return { items: rows.map((row) => this.view(toRow(row), row.server_name ?? '')), total };
  }

  get(id: string): Incident {
    const row = this.sqlite.prepare<[string], IncidentRecord>(`${SELECT} WHERE i.id = ?`).get(id);
    if (!row) throw notFound(id);
    return this.view(toRow(row), row.server_name ?? '');
  }

  /** The server's results from 15 minutes before the incident to 15 minutes after it (or now), at most 500. */
  resultsAround(incident: Incident): StoredResult[] {
    const from = incident.startedAt - 15 * 60_000;
    const to = (incident.endedAt ?? this.clock.now()) + 15 * 60_000;
    const rows = this.sqlite
      .prepare<[string, number, number], { id: string; at: number; status: number; latency: number | null; text: string | null; muted: number | null }>(
        `SELECT c.id, r.at, r.status, r.latency, m.text, r.muted
           FROM checks c JOIN health_results r ON r.check_seq = c.seq LEFT JOIN health_messages m ON m.id = r.message_id
          WHERE c.server_id = ? AND r.at BETWEEN ? AND ? ORDER BY r.at LIMIT 500`,
      )
      .all(incident.serverId, from, to);
    return rows.map((row) => ({
      checkId: row.id,
      at: row.at,
      status: STATUS_NAMES[row.status] ?? 'down',
      latencyMs: row.latency === null ? null : row.latency / 10,
      message: row.text,
      muted: row.muted === 1,
    }));
  }

  acknowledge(id: string, by: string, note: string): Incident {
    const incident = this.get(id);
    if (incident.acknowledgedAt !== null) {
      throw new AppError('CONFLICT', `The incident was already acknowledged by ${incident.acknowledgedBy ?? 'someone'}.`, {
        hint: 'Refresh to see their note.',
      });
    }
    const now = this.clock.now();
    this.sqlite.prepare('UPDATE incidents SET acknowledged_at = ?, acknowledged_by = ?, note = ? WHERE id = ?').run(now, by, note || null, id);
    const open = this.openByServer().get(incident.serverId);
    if (open?.id === id) Object.assign(open, { acknowledgedAt: now, acknowledgedBy: by, note: note || null });
    return this.get(id);
  }

  /** How many incidents each server had since `since`. */
  countsSince(since: number): Map<string, number> {
    const rows = this.sqlite
      .prepare<[number], { server_id: string; n: number }>('SELECT server_id, count(*) AS n FROM incidents WHERE started_at >= ? GROUP BY server_id')
      .all(since);
    return new Map(rows.map((row) => [row.server_id, row.n]));
  }
}

function toRow(record: IncidentRecord): IncidentRow {
  return {
    id: record.id,
    serverId: record.server_id,
    severity: record.severity,
    startedAt: record.started_at,
    endedAt: record.ended_at,
    cause: record.cause,
    acknowledgedAt: record.acknowledged_at,
    acknowledgedBy: record.acknowledged_by,
    note: record.note,
  };
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no incident ${id}.`, { hint: 'List the incidents to see their ids.' });
}
