/**
 * Keys whose values never enter an audit event. `value` is a vault secret's material whatever its
 * kind (a note's `text` is not a secret-looking key); `current`/`next` are vault passphrases;
 * authorization and cookie (and -token, -secret, x-api-key…) are credential-carrying HTTP headers.
 */
export const REDACTED_KEYS = /pass(word|phrase)?|secret|token|key|credential|private|content|authorization|cookie|^code$|^value$|^current$|^next$/i;

/** The user info of a URL anywhere in a string ("https://user:pass@host" → "https://[redacted]@host"). */
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
/** The credential of an authorization scheme anywhere in a string ("Bearer abc" → "Bearer [redacted]"). */
const SCHEME_CREDENTIAL = /\b(bearer|basic|digest|negotiate)\s+[A-Za-z0-9._~+/=-]+/gi;

/**
 * A short string with credentials it may hold (in a URL, after an auth scheme) masked, and NUL
 * shown as ␀: PostgreSQL's jsonb holds no \u0000, and a refused input with one (a command or path
 * with a NUL) must still be audited, not fail the call.
 */
function redactString(value: string): string {
  return value.replace(URL_USER_INFO, '$1[redacted]@').replace(SCHEME_CREDENTIAL, '$1 [redacted]').replace(/\0/g, '\u2400');
}

const MAX_STRING = 200;

/**
 * What of a call's input is kept as the event's details: secret-looking keys removed, long
 * strings (file contents, notes) replaced by their length.
 */
export function redactDetails(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `[${value.length} characters]` : redactString(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return `[${typeof value}]`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value !== 'object') return value;
  if (depth > 4) return '[nested]';
  // Array.from, not map: map keeps an array's holes (IPC's structured clone delivers them), and the
  // canonical JSON of a hole is a bare comma ("[,1]"), which no reader parses and jsonb refuses.
  if (Array.isArray(value)) return Array.from(value.slice(0, 50), (item: unknown) => redactDetails(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = REDACTED_KEYS.test(key) ? '[redacted]' : redactDetails(item, depth + 1);
  }
  return out;
}
