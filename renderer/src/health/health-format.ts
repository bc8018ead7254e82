/** Figures of the health pages, as people read them. */

/** "42 s", "5 min", "3 h 20 min", "2 d 4 h": coarser as it grows. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return `${days} d ${hours % 24} h`;
}

/** An uptime fraction as "99.95 %"; "—" without results. Never rounds up to 100 % from below. */
export function formatUptime(fraction: number | null): string {
  if (fraction === null) return '—';
  const percent = Math.floor(fraction * 10_000) / 100;
  return `${percent.toFixed(percent === 100 ? 0 : 2)} %`;
}

export const SPAN_MS = { h24: 24 * 3_600_000, d7: 7 * 86_400_000, d30: 30 * 86_400_000, d90: 90 * 86_400_000 } as const;

/** How long something has been measured, coarsely: "under a minute", "3 min", "5 h", "2 d". */
function measuredFor(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/**
 * Uptime over a span as people can trust it: "99.95 %" when the whole span was measured,
 * "100 % of 3 min measured" when monitoring started within it (a minute of results is not a
 * month of uptime), "—" without results.
 */
export function formatUptimeOver(fraction: number | null, spanMs: number, since: number | null, now: number): string {
  if (fraction === null) return '—';
  const measured = since === null ? spanMs : now - since;
  if (measured >= spanMs) return formatUptime(fraction);
  return `${formatUptime(fraction)} of ${measuredFor(Math.max(0, measured))} measured`;
}

/** "12 ms", "1.25 s"; "—" when there is none. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Milliseconds as whole seconds when they are, else with up to one decimal: 60000 → "60". */
export function secondsText(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : String(Math.round(seconds * 10) / 10);
}
