import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type GuardianBridge, type IpcCallResult } from '@shared/ipc';

type IpcListener = (event: unknown, ...args: unknown[]) => void;

/** The part of Electron's ipcRenderer the bridge uses, so it can be tested without Electron. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: IpcListener): unknown;
  removeListener(channel: string, listener: IpcListener): unknown;
}

function isCallResult(value: unknown): value is IpcCallResult {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

function isEventMessage(value: unknown): value is { name: string; payload: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/**
 * Builds `window.guardian`. Only plain values cross into the page: the IPC event object (which
 * would hand the page `sender`) never reaches a renderer callback.
 */
export function createBridge(ipc: IpcRendererLike): GuardianBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  // One IPC listener however many subscriptions, attached while anyone listens.
  const dispatch: IpcListener = (_event, message) => {
    if (!isEventMessage(message)) return;
    const subscribers = listeners.get(message.name);
    if (!subscribers) return;
    for (const listener of [...subscribers]) {
      try {
        listener(message.payload);
      } catch (error) {
        // One failing subscriber must not starve the others.
        console.error(`guardian: a listener for "${message.name}" threw`, error);
      }
    }
  };

  return {
    async call(method: string, input?: unknown): Promise<IpcCallResult> {
      if (typeof method !== 'string') throw new TypeError('guardian.call: the method name must be a string.');
      const result = await ipc.invoke(IPC_CALL_CHANNEL, method, input);
      if (!isCallResult(result)) throw new TypeError(`guardian.call: ${method} returned no result.`);
      return result;
    },

    subscribe(event: string, listener: (payload: unknown) => void): () => void {
      if (typeof event !== 'string') throw new TypeError('guardian.subscribe: the event name must be a string.');
      if (typeof listener !== 'function') throw new TypeError('guardian.subscribe: the listener must be a function.');
      if (listeners.size === 0) ipc.on(IPC_EVENT_CHANNEL, dispatch);
      let subscribers = listeners.get(event);
      if (!subscribers) {
        subscribers = new Set();
        listeners.set(event, subscribers);
      }
      // Wrapped so subscribing the same function twice gives two independent subscriptions.
      const entry = (payload: unknown) => listener(payload);
      subscribers.add(entry);

      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const current = listeners.get(event);
        if (!current) return;
        current.delete(entry);
        if (current.size === 0) listeners.delete(event);
        if (listeners.size === 0) ipc.removeListener(IPC_EVENT_CHANNEL, dispatch);
      };
    },
  };
}
