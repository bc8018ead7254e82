import type { SlaVerdict, UptimeFleet, UptimeRow } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import { DAY_MS } from '../clock';
import type { Queryable } from '../db/engine';
import { decodeSketch, mergeSketch, quantile, ResultStore, type Sketch } from '../health';
import { rollupSpans, type Period } from './period';

/**
 * Uptime and SLA per server from the health engine's stored history (docs/architecture.md §4): rollups for
 * the results (results in a maintenance window are left out, as the dashboards leave them out),
 * incidents for the downtime. Reads one server at a time, so a report over thousands of servers
 * holds one server's rows at once.
 */

/** One UTC day of one server: its results and failures (for the charts). */
export interface DayTally {
  day: number;
  count: number;
  failures: number;
}

/** Percent of results that were not down, computed so that 997 of 1,000 is exactly 99.7. */
export function uptimePercent(count: number, failures: number): number | null {
  return count === 0 ? null : ((count - failures) * 100) / count;
}

export function slaVerdict(uptime: number | null, target: number): SlaVerdict {
  if (uptime === null) return 'no data';
  return uptime >= target ? 'met' : 'missed';
}

/** The time an incident spent inside the period; an open one runs until `openUntil`. */
export function overlapMs(startedAt: number, endedAt: number | null, period: Period, openUntil: number): number {
  const end = Math.min(endedAt ?? openUntil, period.to);
  return Math.max(0, end - Math.max(startedAt, period.from));
}

export class UptimeReader {
  private readonly store: ResultStore;

  constructor(db: Queryable) {
    this.store = new ResultStore(db);
  }

  /**
   * One server's line of the report. `now` bounds open incidents: an incident still open counts
   * until the end of the period, or until now when the period reaches into the future.
   */
  async row(server: Server, period: Period, slaTarget: number, now: number): Promise<UptimeRow> {
    const seqs = await this.store.checkSeqsOf(server.id);
    let count = 0;
    let failures = 0;
    let degraded = 0;
    let maintenance = 0;
    const sketch: Sketch = new Map();
    await this.eachRollup(seqs, period, (row) => {
      count += row.count;
      failures += row.failures;
      degraded += row.degraded;
      maintenance += row.muted;
      if (row.sketch) mergeSketch(sketch, decodeSketch(row.sketch));
    });
    let incidents = 0;
    let downtimeMs = 0;
    for (const incident of await this.store.incidentsOverlapping(server.id, period.from, period.to)) {
      incidents += 1;
      downtimeMs += overlapMs(incident.startedAt, incident.endedAt, period, Math.min(period.to, now));
    }
    const uptime = uptimePercent(count, failures);
    return {
      serverId: server.id,
      name: server.name,
      host: server.host,
      environment: server.environment,
      tags: server.tags,
      checks: seqs.length,
      results: count,
      failures,
      degraded,
      maintenance,
      uptimePercent: uptime,
      incidents,
      downtimeMs,
      p95Ms: quantile(sketch, 0.95),
      sla: slaVerdict(uptime, slaTarget),
    };
  }

  /** Results and failures per UTC day the period touches (a day without results has count 0). */
  async days(serverId: string, period: Period): Promise<DayTally[]> {
    const byDay = new Map<number, DayTally>();
    for (let day = Math.floor(period.from / DAY_MS) * DAY_MS; day < period.to; day += DAY_MS) byDay.set(day, { day, count: 0, failures: 0 });
    await this.eachRollup(await this.store.checkSeqsOf(serverId), period, (row) => {
      const tally = byDay.get(Math.floor(row.start / DAY_MS) * DAY_MS);
      if (!tally) return;
      tally.count += row.count;
      tally.failures += row.failures;
    });
    return [...byDay.values()];
  }

  private async eachRollup(
    seqs: readonly number[],
    period: Period,
    visit: (row: { start: number; count: number; failures: number; degraded: number; muted: number; sketch: string }) => void,
  ): Promise<void> {
    const spans = rollupSpans(period);
    for (const seq of seqs) {
      for (const span of spans) {
        for (const row of await this.store.rollupsIn(seq, span.period, span.start, span.end)) visit(row);
      }
    }
  }
}

/** The fleet's line: uptime over all results (not an average of percentages), and the sums. */
export function fleetTotals(rows: readonly UptimeRow[]): UptimeFleet {
  const fleet: UptimeFleet = {
    servers: rows.length,
    results: 0,
    failures: 0,
    uptimePercent: null,
    incidents: 0,
    downtimeMs: 0,
    meetingSla: 0,
    missingSla: 0,
    withoutData: 0,
  };
  for (const row of rows) {
    fleet.results += row.results;
    fleet.failures += row.failures;
    fleet.incidents += row.incidents;
    fleet.downtimeMs += row.downtimeMs;
    if (row.sla === 'met') fleet.meetingSla += 1;
    else if (row.sla === 'missed') fleet.missingSla += 1;
    else fleet.withoutData += 1;
  }
  fleet.uptimePercent = uptimePercent(fleet.results, fleet.failures);
  return fleet;
}
