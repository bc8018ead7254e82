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
