import type { AppErrorShape } from './api/errors';

/**
 * The desktop IPC transport: one invoke channel for every contract method and one channel for
 * every contract event. The preload and the Electron main process both read these names here.
 */
export const IPC_CALL_CHANNEL = 'guardian:call';
export const IPC_EVENT_CHANNEL = 'guardian:event';

/** What travels on IPC_EVENT_CHANNEL: one contract event. */
export interface IpcEventMessage {
  name: string;
  payload: unknown;
}

/** The router's answer, as the renderer receives it: never a thrown error. */
export type IpcCallResult = { ok: true; value: unknown } | { ok: false; error: AppErrorShape };

/** `window.guardian` in the desktop app: everything the preload exposes, and nothing else. */
export interface GuardianBridge {
  call(method: string, input?: unknown): Promise<IpcCallResult>;
  /** Calls `listener` with each payload of the named event; returns the unsubscribe. */
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}
