/**
 * Stored health history with known numbers, written straight into the health engine's tables
 * (as its recorder would have left them), for report tests. Only tests import this module.
 */
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../../app';
import { DAY_MS, HOUR_MS } from '../../clock';
import { addToSketch, encodeSketch } from '../../health/sketch';
import { sqliteOf } from '../../testing/sqlite-of';

export { DAY_MS, HOUR_MS };

const CALL = { origin: 'test' };

export interface SeededServer {
  id: string;
  name: string;
  seq: number;
}

/** A server with one tcp check (never run: the engine is not started in tests). */
export async function seedServer(core: Core, name: string, fields: { environment?: string; tags?: string[]; host?: string } = {}): Promise<SeededServer> {
  const server = await core.router.invoke(
    LOCAL_OWNER,
    'servers.create',
    { name, host: fields.host ?? '10.0.0.1', environment: fields.environment, tags: fields.tags, monitor: false },
    CALL,
  );
  const check = await core.router.invoke(
    LOCAL_OWNER,
    'checks.create',
    { serverId: server.id, spec: { type: 'tcp', config: { host: '127.0.0.1', port: 1 } }, paused: true },
    CALL,
  );
  const row = sqliteOf(core).prepare('SELECT seq FROM checks WHERE id = ?').get(check.id) as { seq: number };
  return { id: server.id, name: server.name, seq: row.seq };
}

export interface Rollup {
  period: 0 | 1;
  start: number;
  count: number;
  failures?: number;
  degraded?: number;
  muted?: number;
  /** Latencies put in the row's sketch (and its min/max/sum). */
  latencies?: readonly number[];
}

export function seedRollups(core: Core, seq: number, rows: readonly Rollup[]): void {
  const insert = sqliteOf(core).prepare(
    `INSERT OR REPLACE INTO health_rollups (check_seq, period, start, count, failures, degraded, muted, lat_count, lat_min, lat_max, lat_sum, sketch)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const row of rows) {
    const latencies = row.latencies ?? [];
    const sketch = new Map<number, number>();
    for (const ms of latencies) addToSketch(sketch, ms);
    insert.run(
      seq,
      row.period,
      row.start,
      row.count,
      row.failures ?? 0,
      row.degraded ?? 0,
      row.muted ?? 0,
      latencies.length,
      latencies.length ? Math.min(...latencies) : null,
      latencies.length ? Math.max(...latencies) : null,
      latencies.reduce((sum, ms) => sum + ms, 0),
      encodeSketch(sketch),
    );
  }
}

/** A day's worth of rollups as the recorder writes them: 24 hourly rows and the daily row that sums them. */
export function seedDay(core: Core, seq: number, day: number, perHour: { count: number; failures?: number; latencyMs?: number }): void {
  const hours: Rollup[] = [];
  const failures = perHour.failures ?? 0;
  const latencies = perHour.latencyMs === undefined ? [] : [perHour.latencyMs];
  for (let hour = 0; hour < 24; hour += 1) hours.push({ period: 0, start: day + hour * HOUR_MS, count: perHour.count, failures, latencies });
  seedRollups(core, seq, [...hours, { period: 1, start: day, count: perHour.count * 24, failures: failures * 24, latencies: hours.flatMap(() => latencies) }]);
}

let incidentNo = 0;

export function seedIncident(core: Core, serverId: string, startedAt: number, endedAt: number | null, severity: 'down' | 'degraded' = 'down'): void {
  incidentNo += 1;
  sqliteOf(core)
    .prepare('INSERT INTO incidents (id, server_id, severity, started_at, ended_at, cause) VALUES (?, ?, ?, ?, ?, ?)')
    .run(`00000000-0000-4000-8000-${String(incidentNo).padStart(12, '0')}`, serverId, severity, startedAt, endedAt, 'seeded');
}
