/** Time as the core sees it: injected so tests are exact. UTC epoch milliseconds. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
