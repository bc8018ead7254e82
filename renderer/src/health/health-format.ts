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
