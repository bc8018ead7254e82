/** Latency sampling and the tables benchmarks print. */

export interface Sample {
  /** Calls measured (fewer than asked when the time budget ran out). */
  n: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MeasureOptions {
  iterations: number;
  /** Unmeasured calls first (on top of any shared warm-up the caller did). */
  warmup: number;
  /** Stop early past this many milliseconds, so a slow machine still finishes in bounded time. */
  budgetMs: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Runs `call` `warmup` times unmeasured, then up to `iterations` times, one at a time. */
export async function measure(call: () => Promise<unknown>, options: MeasureOptions): Promise<Sample> {
  for (let i = 0; i < options.warmup; i++) await call();
  const durations: number[] = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(options.budgetMs * 1e6));
  for (let i = 0; i < options.iterations; i++) {
    const started = process.hrtime.bigint();
    await call();
    const ended = process.hrtime.bigint();
    durations.push(Number(ended - started) / 1e6);
    if (ended > deadline) break;
  }
  durations.sort((a, b) => a - b);
  return { n: durations.length, p50Ms: percentile(durations, 50), p99Ms: percentile(durations, 99) };
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export const ms = (value: number) => value.toFixed(value < 10 ? 3 : 1);
