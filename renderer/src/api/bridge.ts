import type { GuardianBridge } from '@shared/ipc';

export type { GuardianBridge };

declare global {
  interface Window {
    /** Exposed by the preload in the desktop app; absent in a browser. */
    guardian?: GuardianBridge;
  }
}

/** The preload's bridge when the page runs inside the desktop app, undefined in a browser. */
export function findBridge(target: Window): GuardianBridge | undefined {
  const candidate: unknown = Reflect.get(target, 'guardian');
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const call: unknown = Reflect.get(candidate, 'call');
  const subscribe: unknown = Reflect.get(candidate, 'subscribe');
  if (typeof call !== 'function' || typeof subscribe !== 'function') return undefined;
  return candidate as GuardianBridge;
}
