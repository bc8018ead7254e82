import { methods } from '@shared/api';
import { toHttpRequest } from '@shared/api/http';
import type { Guardian } from '../../main/headless/testing/guardian';

/** Talking to a running `guardian serve` from a bench: its API, and its /metrics scraped and read. */

export const REQUEST_TIMEOUT_MS = 30_000;

export type Samples = Map<string, number>;

/** `name{labels} value` lines into a map keyed by `name{labels}` as written. */
function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The sum of every sample of `name`, whatever its labels. */
export function total(samples: Samples, name: string): number {
  let sum = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface HistogramDelta {
  count: number;
  mean: number;
  /**
   * The upper bound of the bucket holding quantile q (in the histogram's unit), Infinity past the
   * last bucket: all a histogram knows. Interpolating inside the bucket, as histogram_quantile
   * does, would report 5 ms for lags that are all under 1 ms.
   */
  atMost(q: number): number;
}

/** A histogram's observations between two scrapes (an unlabelled histogram, such as the scheduler lag). */
export function histogramDelta(before: Samples, after: Samples, name: string): HistogramDelta {
  const buckets: { le: number; count: number }[] = [];
  for (const [key, value] of after) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key);
    if (!match?.[1]) continue;
    buckets.push({ le: match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), count: value - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = (after.get(`${name}_count`) ?? 0) - (before.get(`${name}_count`) ?? 0);
  const sum = (after.get(`${name}_sum`) ?? 0) - (before.get(`${name}_sum`) ?? 0);
  return {
    count,
    mean: count > 0 ? sum / count : Number.NaN,
    atMost(q) {
      if (count === 0) return Number.NaN;
      return buckets.find((bucket) => bucket.count >= q * count)?.le ?? Number.POSITIVE_INFINITY;
    },
  };
}

/** "<= 10" ms, or "> 10000" past a histogram's last bucket (`last`, in seconds). */
export const bound = (seconds: number, last: number) =>
  Number.isFinite(seconds) ? `<= ${seconds * 1000}` : Number.isNaN(seconds) ? 'none' : `> ${last * 1000}`;

/** Calls a contract method over serve's REST API with its owner key; throws on anything but 2xx. */
export async function call<T>(guardian: Guardian, name: string, input: Record<string, unknown>): Promise<T> {
  const def = methods[name as keyof typeof methods];
  const { verb, url, body } = toHttpRequest(def, input);
  const response = await fetch(guardian.at(url), {
    method: verb,
    headers: { ...guardian.auth(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${name} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** serve's /metrics, read into samples. */
export async function scrape(guardian: Guardian): Promise<Samples> {
  const response = await fetch(guardian.at('metrics'), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}
