import type { ApiKey } from '@shared/api/users';

export type KeyState = 'active' | 'revoked' | 'expired';

export function keyState(key: ApiKey, now = Date.now()): KeyState {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

/** The end of the chosen day (local time), as the key's expiry: a key "until 31 March" works all that day. */
export function expiryFromDate(date: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [, year, month, day] = match;
  return new Date(Number(year), Number(month) - 1, Number(day), 23, 59, 59, 999).getTime();
}
