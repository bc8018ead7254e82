/**
 * Stored health history with known numbers, written straight into the health engine's tables
 * (as its recorder would have left them), for report tests, on either engine. Only tests import
 * this module.
 */
import { LOCAL_OWNER } from '@shared/permissions';
import type { Core } from '../../app';
import { DAY_MS, HOUR_MS } from '../../clock';
import { addToSketch, encodeSketch } from '../../health/sketch';
import { rowsOf } from '../../testing/rows';

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
  const seq = await rowsOf(core).value<number>('SELECT seq FROM checks WHERE id = ?', check.id);
  if (seq === undefined) throw new Error(`no check ${check.id} was stored`);
  return { id: server.id, name: server.name, seq };
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

const ROLLUP_VALUES = ['count', 'failures', 'degraded', 'muted', 'lat_count', 'lat_min', 'lat_max', 'lat_sum', 'sketch'];

/** Writes the rows in one statement, each replacing the row of its check, period and start. */
export async function seedRollups(core: Core, seq: number, rows: readonly Rollup[]): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((row) => {
    const latencies = row.latencies ?? [];
    const sketch = new Map<number, number>();
    for (const ms of latencies) addToSketch(sketch, ms);
    return [
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
    ];
  });
  await rowsOf(core).run(
    `INSERT INTO health_rollups (check_seq, period, start, ${ROLLUP_VALUES.join(', ')})
     VALUES ${values
       .map(
         () =>
           `(${Array<string>(3 + ROLLUP_VALUES.length)
             .fill('?')
             .join(', ')})`,
       )
       .join(', ')}
     ON CONFLICT (check_seq, period, start) DO UPDATE SET ${ROLLUP_VALUES.map((column) => `${column} = excluded.${column}`).join(', ')}`,
    ...values.flat(),
  );
}

/** A day's worth of rollups as the recorder writes them: 24 hourly rows and the daily row that sums them. */
export async function seedDay(core: Core, seq: number, day: number, perHour: { count: number; failures?: number; latencyMs?: number }): Promise<void> {
  const hours: Rollup[] = [];
  const failures = perHour.failures ?? 0;
  const latencies = perHour.latencyMs === undefined ? [] : [perHour.latencyMs];
  for (let hour = 0; hour < 24; hour += 1) hours.push({ period: 0, start: day + hour * HOUR_MS, count: perHour.count, failures, latencies });
  await seedRollups(core, seq, [
    ...hours,
    { period: 1, start: day, count: perHour.count * 24, failures: failures * 24, latencies: hours.flatMap(() => latencies) },
  ]);
}

let incidentNo = 0;

export async function seedIncident(
  core: Core,
  serverId: string,
  startedAt: number,
  endedAt: number | null,
  severity: 'down' | 'degraded' = 'down',
): Promise<void> {
  incidentNo += 1;
  await rowsOf(core).run(
    'INSERT INTO incidents (id, server_id, severity, started_at, ended_at, cause) VALUES (?, ?, ?, ?, ?, ?)',
    `00000000-0000-4000-8000-${String(incidentNo).padStart(12, '0')}`,
    serverId,
    severity,
    startedAt,
    endedAt,
    'seeded',
  );
}
