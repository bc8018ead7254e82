import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its heap grow past what the last full collection left alive, for a long-running
 * `guardian serve` (docs/monitoring.md, "Memory").
 *
 * V8 sets the next full collection at up to 4× the live heap when the process may use gigabytes,
 * as it may on any machine with 16 GB or more: a serve polling 10,000 checks kept 90 MB alive and
 * held 320-340 MB of heap for it, 460 MB of RSS. Growing by half instead held 165 MB (RSS 280-290
 * MB) for the same CPU per check within the noise: the old generation is collected more often, but
 * its collections are short at this size and mostly run beside the event loop. It is a growth rate,
 * not a ceiling: a fleet that needs more memory gets it, where a `--max-old-space-size` would crash
 * it.
 */
export const SERVE_HEAP_GROWTH_PERCENT = 50;

/** The flag V8 reads each time it sets the next collection's limit, so it takes effect at run time. */
const FLAG = '--heap-growing-percent';

/**
 * Applies {@link SERVE_HEAP_GROWTH_PERCENT} unless the person running Guardian chose a growth of
 * their own (`node --heap-growing-percent=N` or the same in NODE_OPTIONS), which then stands.
 * Answers the percent in force, or null when it was theirs.
 */
export function leanHeap(
  percent = SERVE_HEAP_GROWTH_PERCENT,
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): number | null {
  const chosen = (flag: string) => flag.replaceAll('_', '-').startsWith(FLAG);
  if (execArgv.some(chosen) || nodeOptions.split(/\s+/).some(chosen)) return null;
  setFlagsFromString(`${FLAG}=${percent}`);
  return percent;
}
