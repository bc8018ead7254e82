import type { Clock } from '../clock';
import type { Timers } from '../timers';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock and timers that move only when a test says so; `advance` fires due timers in order. */
export class FakeTime implements Clock, Timers {
  private current: number;
  private nextId = 1;
  private pending: Pending[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /**
   * Moves time forward by `ms`, firing each timer at its own instant and letting promises settle
   * after each. `between`, when given, is awaited first and after each timer too: the work a timer
   * started on a real database (PostgreSQL's round trips take real time, which settling does not
   * wait for) ends, and sets its next timer, before time moves on.
   */
  async advance(ms: number, between?: () => Promise<void>): Promise<void> {
    const target = this.current + ms;
    await settle();
    await between?.();
    for (;;) {
      const next = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.current = next.at;
      next.fn();
      await settle();
      await between?.();
    }
    this.current = target;
  }
}

/** Lets every queued promise callback run (a macrotask comes only after all microtasks). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise a test resolves by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
