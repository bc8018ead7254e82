/**
 * A latency histogram small enough to keep in every rollup row, mergeable across rows, that
 * answers percentiles to within 5 %: log buckets growing by 10 %, from 0.1 ms up. Stored as text,
 * "bucket:count,…", only the buckets that were hit.
 */

const BASE_MS = 0.1;
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

export type Sketch = Map<number, number>;

export function bucketOf(latencyMs: number): number {
  return latencyMs <= BASE_MS ? 0 : Math.ceil(Math.log(latencyMs / BASE_MS) / LOG_GROWTH);
}

/** The middle of a bucket's range, as the value a percentile reports. */
function valueOf(bucket: number): number {
  if (bucket === 0) return BASE_MS;
  const upper = BASE_MS * GROWTH ** bucket;
  return (upper + upper / GROWTH) / 2;
}

export function addToSketch(sketch: Sketch, latencyMs: number): void {
  const bucket = bucketOf(latencyMs);
  sketch.set(bucket, (sketch.get(bucket) ?? 0) + 1);
}

export function mergeSketch(into: Sketch, from: Sketch): void {
  for (const [bucket, count] of from) into.set(bucket, (into.get(bucket) ?? 0) + count);
}

export function encodeSketch(sketch: Sketch): string {
  return [...sketch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, count]) => `${bucket}:${count}`)
    .join(',');
}

export function decodeSketch(text: string): Sketch {
  const sketch: Sketch = new Map();
  if (text === '') return sketch;
  for (const pair of text.split(',')) {
    const [bucket, count] = pair.split(':').map(Number);
    if (Number.isInteger(bucket) && Number.isInteger(count)) sketch.set(bucket as number, (sketch.get(bucket as number) ?? 0) + (count as number));
  }
  return sketch;
}

/** The `q` quantile (0..1) of what the sketch holds, to two decimals; null when it is empty. */
export function quantile(sketch: Sketch, q: number): number | null {
  let total = 0;
  for (const count of sketch.values()) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const bucket of [...sketch.keys()].sort((a, b) => a - b)) {
    seen += sketch.get(bucket) ?? 0;
    if (seen >= rank) return Math.round(valueOf(bucket) * 100) / 100;
  }
  return null;
}
