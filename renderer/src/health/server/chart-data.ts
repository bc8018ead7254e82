import type { SeriesPoint } from '@shared/api/health';

/**
 * One check's series as the chart draws it, columns aligned on time (uPlot's layout): x in
 * seconds, then min, max (the band), average, p95, and the failure markers, which sit at the
 * point's highest latency (or the floor when a failed check measured none). Null is a gap.
 */
export interface ChartColumns {
  x: number[];
  min: (number | null)[];
  max: (number | null)[];
  avg: (number | null)[];
  p95: (number | null)[];
  failures: (number | null)[];
}

export interface ChartSummary {
  points: number;
  results: number;
  failures: number;
  /** Weighted by the results in each point. */
  avg: number | null;
  /** The highest p95 of the range. */
  worstP95: number | null;
}

export function chartColumns(points: readonly SeriesPoint[]): ChartColumns {
  const columns: ChartColumns = { x: [], min: [], max: [], avg: [], p95: [], failures: [] };
  for (const point of [...points].sort((a, b) => a.t - b.t)) {
    columns.x.push(point.t / 1000);
    columns.min.push(point.min);
    columns.max.push(point.max);
    columns.avg.push(point.avg);
    columns.p95.push(point.p95);
    columns.failures.push(point.failures > 0 ? (point.max ?? point.avg ?? 0) : null);
  }
  return columns;
}

export function chartSummary(points: readonly SeriesPoint[]): ChartSummary {
  let results = 0;
  let failures = 0;
  let weighted = 0;
  let measured = 0;
  let worstP95: number | null = null;
  for (const point of points) {
    results += point.count;
    failures += point.failures;
    if (point.avg !== null) {
      const weight = Math.max(1, point.count - point.failures);
      weighted += point.avg * weight;
      measured += weight;
    }
    if (point.p95 !== null) worstP95 = Math.max(worstP95 ?? 0, point.p95);
  }
  return { points: points.length, results, failures, avg: measured > 0 ? weighted / measured : null, worstP95 };
}
