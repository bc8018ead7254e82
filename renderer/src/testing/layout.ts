import { afterAll, beforeAll } from 'vitest';

const SIZES = ['clientWidth', 'clientHeight'] as const;

/**
 * happy-dom lays nothing out, so every box measures 0 and the virtualized servers table draws
 * no rows. Call at the top of a test file to give every element an 800 × 800 box.
 */
export function withLayout(): void {
  beforeAll(() => {
    for (const size of SIZES) Object.defineProperty(HTMLElement.prototype, size, { configurable: true, get: () => 800 });
  });
  afterAll(() => {
    for (const size of SIZES) Reflect.deleteProperty(HTMLElement.prototype, size);
  });
}
