const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const count = new Intl.NumberFormat();
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatDateTime = (epochMs: number): string => dateTime.format(epochMs);
export const formatCount = (value: number): string => count.format(value);

/** "3 minutes ago", "yesterday"; falls back to the date past a month. */
export function formatRelative(epochMs: number, now = Date.now()): string {
  const seconds = Math.round((epochMs - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 30 * 86_400) return relative.format(Math.round(seconds / 86_400), 'day');
  return dateTime.format(epochMs);
}

export const plural = (value: number, one: string, many: string): string => `${formatCount(value)} ${value === 1 ? one : many}`;
