import type { Timers } from './timers';

/** Timers that move only when a test says so: `advance` fires each due timer at its own instant. */
export class FakeTimers implements Timers {
  private current: number;
  private nextId = 1;
  private pending: { id: number; at: number; callback: () => void }[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, at: this.current + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((timer) => timer.id !== handle);
  }

  get waiting(): number {
    return this.pending.length;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.pending.filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((timer) => timer !== next);
      this.current = next.at;
      next.callback();
    }
    this.current = target;
  }
}
