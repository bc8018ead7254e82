import { describe, expect, it } from 'vitest';
import { addToSketch, decodeSketch, encodeSketch, mergeSketch, quantile, type Sketch } from './sketch';

function sketchOf(values: number[]): Sketch {
  const sketch: Sketch = new Map();
  for (const value of values) addToSketch(sketch, value);
  return sketch;
}

describe('the latency sketch', () => {
  it('answers p95 within 5 % of the exact value', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 1 + i * 0.7); // 1 … 700 ms
    const exact = [...values].sort((a, b) => a - b)[949] ?? 0;
    const p95 = quantile(sketchOf(values), 0.95) ?? 0;
    expect(Math.abs(p95 - exact) / exact).toBeLessThan(0.05);
  });

  it('merges like the union of what was added', () => {
    const a = sketchOf([1, 2, 3, 400]);
    const b = sketchOf([5, 6, 900]);
    mergeSketch(a, b);
    expect(a).toEqual(sketchOf([1, 2, 3, 400, 5, 6, 900]));
  });

  it('round-trips through its text form and is empty when nothing was added', () => {
    const sketch = sketchOf([0.05, 12.5, 12.6, 3000]);
    expect(decodeSketch(encodeSketch(sketch))).toEqual(sketch);
    expect(quantile(new Map(), 0.95)).toBeNull();
    expect(encodeSketch(new Map())).toBe('');
  });
});
