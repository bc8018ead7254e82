import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets its heap grow past what the last full collection left alive, for a long-running
 * `guardian serve` (docs/monitoring.md, "Memory").
 *
 * V8 sets the next full collection at up to 4× the live heap when the process may use gigabytes,
 * as it may on any machine with 16 GB or more: a serve polling 10,000 checks every 20 s kept 90-215
 * MB alive in 331 MB of heap, 448 MB of RSS (peak 458). Growing by half instead held 165-169 MB of
 * heap, RSS 279-284 MB (peak 286), for 0.68-0.72 ms of CPU per check against 0.61: the old
 * generation is collected more often. 75 % peaked at 301 MB. It is a growth rate, not a ceiling: a
 * fleet that needs more memory gets it, where a `--max-old-space-size` would crash it.
 */
export const SERVE_HEAP_GROWTH_PERCENT = 50;

/** The flag V8 reads each time it sets the next collection's limit, so it takes effect at run time. */
const FLAG = '--heap-growing-percent';

/**
 * Applies {@link SERVE_HEAP_GROWTH_PERCENT} unless the person running Guardian chose a growth of
 * their own on node's command line (`node --heap-growing-percent=N …/cli.js serve`; node refuses
 * V8 flags in NODE_OPTIONS), which then stands. Answers the percent in force, or null when it was
 * theirs.
 */
export function leanHeap(percent = SERVE_HEAP_GROWTH_PERCENT, execArgv: readonly string[] = process.execArgv): number | null {
  if (execArgv.some((flag) => flag.replaceAll('_', '-').startsWith(FLAG))) return null;
  setFlagsFromString(`${FLAG}=${percent}`);
  return percent;
}
