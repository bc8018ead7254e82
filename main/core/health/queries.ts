import { gridOf, type FleetOverview, type FleetServer, type ServerHealth, type SeriesPoint, type SeriesRange, type ScheduleBacklog } from '@shared/api/health';
import { DAY_MS, HOUR_MS, type Clock } from '../clock';
import type { IncidentStore } from './incidents';
import type { MaintenanceCalendar } from './maintenance';
import { toCheck, type CheckRegistry, type CheckRuntime, type ServerInfo } from './registry';
import { decodeSketch, quantile } from './sketch';
import { statusOfServer } from './server-status';
import type { ResultStore } from './store/results';
import { uptimeOf, type UptimeIndex } from './uptime-index';

/**
 * The dashboards' read models (docs/architecture.md §7), built from memory (the registry's checks and
 * states, the uptime index, open incidents) so the fleet overview of thousands of servers is a
 * walk over arrays, not a query per server. Charts read rollups and raw results.
 */

export interface HealthQueryDeps {
  store: ResultStore;
  clock: Clock;
  registry: CheckRegistry;
  incidents: IncidentStore;
  maintenance: MaintenanceCalendar;
  /** The uptime index, read from the rollups on first use. */
  uptime: () => Promise<UptimeIndex>;
  /** Checks running late and why (the engine's last measure). */
  backlog: () => ScheduleBacklog;
}

const TOP = 5;
/** Names in the order a person reads them (case aside, 'web-2' before 'web-10'). */
const byName = new Intl.Collator('en', { sensitivity: 'base', numeric: true }).compare;

function matches(server: ServerInfo, filter: { tags?: string[] | undefined; environment?: string | undefined }): boolean {
  if (filter.environment && server.environment !== filter.environment) return false;
  return (filter.tags ?? []).every((tag) => server.tags.includes(tag));
}

/** The certificate a check last saw: a tls check's own, or an https check's. */
function certificateOf(check: CheckRuntime): { validTo: number; daysLeft: number; subject: string } | null {
  const data = check.lastData;
  if (!data) return null;
  const cert = (check.spec.type === 'http' ? data.certificate : data) as Record<string, unknown> | undefined;
  if (!cert || typeof cert.validTo !== 'string' || typeof cert.daysLeft !== 'number') return null;
  const names = Array.isArray(cert.names) ? (cert.names as unknown[]).map(String) : [];
  return { validTo: Date.parse(cert.validTo), daysLeft: cert.daysLeft, subject: names[0] ?? check.host };
}

/** Since when uptime is measured: the oldest check's creation (docs/architecture.md §7); null without checks. */
function measuredSince(checks: readonly CheckRuntime[]): number | null {
  let oldest: number | null = null;
  for (const check of checks) if (oldest === null || check.createdAt < oldest) oldest = check.createdAt;
  return oldest;
}

export class HealthQueries {
  constructor(private readonly deps: HealthQueryDeps) {}

  /** Servers by status, from memory: the tray's icon and tooltip. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0 };
    const { registry } = this.deps;
    for (const server of registry.servers().values()) {
      const { status } = statusOfServer(registry.checksOf(server.id));
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  async overview(filter: { tags?: string[] | undefined; environment?: string | undefined; form?: 'rows' | 'columns' | undefined }): Promise<FleetOverview> {
    const { registry, incidents, clock } = this.deps;
    const now = clock.now();
    const counts: Record<string, number> = { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0 };
    const servers: FleetServer[] = [];
    const seqs: number[] = [];
    const latency: { serverId: string; name: string; latencyMs: number }[] = [];
    const certificates: FleetOverview['certificates'] = [];
    const shown = new Map<string, ServerInfo>();
    const checksShown: CheckRuntime[] = [];
    for (const server of registry.servers().values()) {
      if (!matches(server, filter)) continue;
      shown.set(server.id, server);
      const checks = registry.checksOf(server.id);
      const { status, since } = statusOfServer(checks);
      counts[status] = (counts[status] ?? 0) + 1;
      servers.push({
        id: server.id,
        name: server.name,
        host: server.host,
        environment: server.environment,
        tags: server.tags,
        status,
        since,
        checks: checks.length,
      });
      let latencySum = 0;
      let latencyCount = 0;
      for (const check of checks) {
        seqs.push(check.seq);
        checksShown.push(check);
        if (check.paused) continue;
        if (check.avgLatencyMs !== null) {
          latencySum += check.avgLatencyMs;
          latencyCount += 1;
        }
        const cert = certificateOf(check);
        if (cert) certificates.push({ serverId: server.id, name: server.name, checkId: check.id, ...cert });
      }
      if (latencyCount > 0) latency.push({ serverId: server.id, name: server.name, latencyMs: Math.round((latencySum / latencyCount) * 100) / 100 });
    }
    servers.sort((a, b) => byName(a.name, b.name));

    const index = await this.deps.uptime();
    const tally = index.tally(seqs, now);
    const incidentCounts = await incidents.countsSince(now - 7 * DAY_MS);
    const flaky: FleetOverview['flakiest'] = [];
    for (const [serverId, count] of incidentCounts) {
      const server = shown.get(serverId);
      if (!server) continue;
      const failures = index.tally(
        registry.checksOf(serverId).map((check) => check.seq),
        now,
      ).d7.failures;
      flaky.push({ serverId, name: server.name, incidents: count, failures });
    }

    const openIncidents = [...(await incidents.openByServer()).values()]
      .filter((row) => shown.has(row.serverId))
      .sort((a, b) => a.startedAt - b.startedAt)
      .slice(0, 100)
      .map((row) => incidents.view(row, shown.get(row.serverId)?.name ?? ''));

    return {
      generatedAt: now,
      schedule: this.deps.backlog(),
      counts,
      ...(filter.form === 'columns' ? { servers: [], grid: gridOf(servers) } : { servers, grid: null }),
      openIncidents,
      uptime: { h24: uptimeOf(tally.h24), d7: uptimeOf(tally.d7), d30: uptimeOf(tally.d30), since: measuredSince(checksShown) },
      slowest: latency.sort((a, b) => b.latencyMs - a.latencyMs).slice(0, TOP),
      flakiest: flaky.sort((a, b) => b.incidents - a.incidents || b.failures - a.failures).slice(0, TOP),
      certificates: certificates.sort((a, b) => a.validTo - b.validTo).slice(0, TOP),
    };
  }

  async server(id: string): Promise<ServerHealth> {
    const { registry, incidents, maintenance, clock } = this.deps;
    const server = registry.server(id);
    const now = clock.now();
    const checks = registry.checksOf(id);
    const { status, since } = statusOfServer(checks);
    const seqs = checks.map((check) => check.seq);
    const tally = (await this.deps.uptime()).tally(seqs, now);
    return {
      serverId: id,
      status,
      since,
      checks: checks.map(toCheck),
      uptime: {
        h24: uptimeOf(tally.h24),
        d7: uptimeOf(tally.d7),
        d30: uptimeOf(tally.d30),
        d90: await this.uptimeFromRollups(seqs, now - 90 * DAY_MS),
        since: measuredSince(checks),
      },
      incidents: (await incidents.list({ serverId: id, limit: 20, offset: 0 })).items,
      maintenance: maintenance.list(server),
    };
  }

  /** Uptime of `seqs` from the daily rollups since `from` (whole days). */
  async uptimeFromRollups(seqs: readonly number[], from: number): Promise<number | null> {
    return uptimeOf(await this.deps.store.dailyTotals(seqs, Math.floor(from / DAY_MS) * DAY_MS));
  }

  async series(serverId: string, range: SeriesRange) {
    const { registry, clock } = this.deps;
    registry.server(serverId);
    const now = clock.now();
    const plan = SERIES_PLAN[range];
    const from = now - plan.spanMs;
    const series = [];
    for (const check of registry.checksOf(serverId)) {
      series.push({
        checkId: check.id,
        name: check.name,
        type: check.spec.type,
        points:
          plan.source === 'raw' ? await this.rawPoints(check.seq, from, plan.bucketMs) : await this.rollupPoints(check.seq, plan.period, from, plan.bucketMs),
      });
    }
    return { range, from, to: now, bucketMs: plan.bucketMs, series };
  }

  /** Raw results from `from`, one point per result (`bucketMs` 0) or per bucket. */
  private async rawPoints(seq: number, from: number, bucketMs: number): Promise<SeriesPoint[]> {
    const rows = await this.deps.store.results(seq, from);
    const points: SeriesPoint[] = [];
    let bucket: { t: number; latencies: number[]; count: number; failures: number } | null = null;
    const close = () => {
      if (!bucket) return;
      const sorted = bucket.latencies.sort((a, b) => a - b);
      const n = sorted.length;
      points.push({
        t: bucket.t,
        count: bucket.count,
        failures: bucket.failures,
        min: n ? (sorted[0] ?? null) : null,
        avg: n ? Math.round((sorted.reduce((s, v) => s + v, 0) / n) * 100) / 100 : null,
        max: n ? (sorted[n - 1] ?? null) : null,
        p95: n ? (sorted[Math.max(0, Math.ceil(0.95 * n) - 1)] ?? null) : null,
      });
    };
    for (const row of rows) {
      if (row.muted) continue;
      const t = bucketMs > 0 ? Math.floor(row.at / bucketMs) * bucketMs : row.at;
      if (!bucket || bucket.t !== t) {
        close();
        bucket = { t, latencies: [], count: 0, failures: 0 };
      }
      bucket.count += 1;
      if (row.status === 2) bucket.failures += 1;
      if (row.latency !== null) bucket.latencies.push(row.latency / 10);
    }
    close();
    return points;
  }

  private async rollupPoints(seq: number, period: number, from: number, bucketMs: number): Promise<SeriesPoint[]> {
    const rows = await this.deps.store.rollups(seq, period, Math.floor(from / bucketMs) * bucketMs);
    return rows.map((row) => ({
      t: row.start,
      count: row.count,
      failures: row.failures,
      min: row.latMin,
      avg: row.latCount ? Math.round((row.latSum / row.latCount) * 100) / 100 : null,
      max: row.latMax,
      p95: quantile(decodeSketch(row.sketch), 0.95),
    }));
  }
}

const SERIES_PLAN: Record<SeriesRange, { spanMs: number; source: 'raw' | 'rollup'; period: number; bucketMs: number }> = {
  '1h': { spanMs: HOUR_MS, source: 'raw', period: -1, bucketMs: 0 },
  '24h': { spanMs: DAY_MS, source: 'raw', period: -1, bucketMs: 5 * 60_000 },
  '7d': { spanMs: 7 * DAY_MS, source: 'rollup', period: 0, bucketMs: HOUR_MS },
  '30d': { spanMs: 30 * DAY_MS, source: 'rollup', period: 0, bucketMs: HOUR_MS },
  '90d': { spanMs: 90 * DAY_MS, source: 'rollup', period: 1, bucketMs: DAY_MS },
};
