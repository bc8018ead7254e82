import type { CastEvent } from '@shared/operations/asciicast';

/** The longest pause playback keeps: a session left idle for an hour plays on after this (asciinema's idle_time_limit). */
export const MAX_PAUSE_MS = 2_000;

export const SPEEDS = [1, 2, 4, 8] as const;

/** How long to wait before event `index`, played at `speed`: the recorded gap, shortened by the speed, never more than MAX_PAUSE_MS. */
export function delayBefore(events: readonly CastEvent[], index: number, speed: number): number {
  const event = events[index];
  if (!event) return 0;
  const previous = index === 0 ? 0 : (events[index - 1]?.time ?? 0);
  return Math.min(MAX_PAUSE_MS, (Math.max(0, event.time - previous) * 1000) / speed);
}

/** How long the recording plays at `speed`, pauses shortened as playback shortens them. */
export function playingTimeMs(events: readonly CastEvent[], speed: number): number {
  let total = 0;
  for (let index = 0; index < events.length; index++) total += delayBefore(events, index, speed);
  return total;
}
