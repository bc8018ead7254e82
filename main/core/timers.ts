import type { Clock } from './clock';

/**
 * Timers as the core and the desktop shell use them: injected beside the Clock, so a test moves
 * time itself (main/core/testing/fake-time.ts) instead of waiting for it.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The time of day and timers together, for code that needs both (the tray, notifications). */
export type Time = Clock & Timers;

export const systemTime: Time = { now: () => Date.now(), ...systemTimers };

/**
 * Runs `work` after `firstMs`, then every `everyMs`, on timers that never keep the process alive
 * (the retention of health results and of operation runs). Returns what stops it.
 */
export function repeatUnref(work: () => void, firstMs: number, everyMs: number): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      work();
      schedule(everyMs);
    }, ms);
    timer.unref();
  };
  schedule(firstMs);
  return () => clearTimeout(timer);
}

/** Lets the event loop run what waits (I/O, timers) before a long piece of work goes on. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
