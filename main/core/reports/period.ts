import { PERIOD_PRESETS, type ReportFormat, type ReportPeriod, type ReportType } from '@shared/api/reports';
import { DAY_MS, HOUR_MS } from '../clock';

/** A report's period, resolved: [from, to) in epoch milliseconds. */
export interface Period {
  from: number;
  to: number;
}

/** A preset ends now; a custom period is taken as given. */
export function resolvePeriod(period: ReportPeriod, now: number): Period {
  if ('preset' in period) return { from: now - PERIOD_PRESETS[period.preset] * DAY_MS, to: now };
  return { from: period.from, to: period.to };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `uptime-2026-10-23_2026-11-22.pdf`: what the file is, and which days it covers. */
export function reportFileName(type: ReportType, format: ReportFormat, period: Period): string {
  // The end is exclusive: a period ending at midnight covers the day before.
  return `${type}-${day(period.from)}_${day(Math.max(period.from, period.to - 1))}.${format}`;
}

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number) => Math.ceil(ms / unit) * unit;

/** A run of rollup rows of one period (0 hourly, 1 daily) whose starts lie in [start, end). */
export interface RollupSpan {
  period: 0 | 1;
  start: number;
  end: number;
}

/**
 * Which rollup rows add up to the period: daily rows for the whole days inside it, hourly rows
 * for the hours at either edge, so a period that does not start or end at midnight is still
 * counted to the hour. Every hour that overlaps the period is counted once.
 */
export function rollupSpans(period: Period): RollupSpan[] {
  const first = floorTo(period.from, HOUR_MS);
  const end = ceilTo(period.to, HOUR_MS);
  const firstDay = ceilTo(first, DAY_MS);
  const endDay = floorTo(end, DAY_MS);
  if (firstDay >= endDay) return [{ period: 0, start: first, end }];
  const spans: RollupSpan[] = [];
  if (first < firstDay) spans.push({ period: 0, start: first, end: firstDay });
  spans.push({ period: 1, start: firstDay, end: endDay });
  if (endDay < end) spans.push({ period: 0, start: endDay, end });
  return spans;
}

/** The UTC days the period touches, as their midnights. */
export function daysOf(period: Period): number[] {
  const days: number[] = [];
  for (let start = floorTo(period.from, DAY_MS); start < period.to; start += DAY_MS) days.push(start);
  return days;
}
