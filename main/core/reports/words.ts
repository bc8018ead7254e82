import type { ReportScope } from '@shared/api/reports';

/** How a report writes its values for people (HTML and PDF); CSV and JSON keep the numbers. */

/**
 * 99.9996 shows as 99.999 %, never 100.000 %: a reader checking an SLA must not see a rounding
 * up that the numbers do not support.
 */
export function percentText(value: number | null): string {
  if (value === null) return 'no data';
  return `${(Math.floor(value * 1000) / 1000).toFixed(3)} %`;
}

export function durationText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function latencyText(ms: number | null): string {
  return ms === null ? '-' : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** `2026-11-22 10:00 UTC` */
export function timeText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function periodText(period: { from: number; to: number }): string {
  return `${timeText(period.from).slice(0, 16)} to ${timeText(period.to)}`;
}

export function scopeText(scope: ReportScope): string {
  const parts: string[] = [];
  if (scope.serverIds?.length) parts.push(`${scope.serverIds.length} chosen server${scope.serverIds.length === 1 ? '' : 's'}`);
  if (scope.tags?.length) parts.push(`tags ${scope.tags.join(', ')}`);
  if (scope.environment) parts.push(`environment ${scope.environment}`);
  return parts.length ? parts.join('; ') : 'All servers';
}

export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
