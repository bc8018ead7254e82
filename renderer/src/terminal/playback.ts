import { delayBefore, type CastEvent } from '@shared/operations/asciicast';

export { delayBefore, MAX_PAUSE_MS } from '@shared/operations/asciicast';

export const SPEEDS = [1, 2, 4, 8] as const;

/** How long the recording plays at `speed`, pauses shortened as playback shortens them. */
export function playingTimeMs(events: readonly CastEvent[], speed: number): number {
  let total = 0;
  for (let index = 0; index < events.length; index++) total += delayBefore(events, index, speed);
  return total;
}
