import { errorFromWire, unexpectedAnswer } from './app-errors';
import type { GuardianBridge } from './bridge';
import type { Transport } from './transport';

/**
 * The desktop app's transport: the preload's `window.guardian`. The main process holds the
 * session, so nothing here carries credentials. Calls cannot be aborted over IPC; an aborted
 * caller simply ignores the answer.
 */
export function createIpcTransport(bridge: GuardianBridge): Transport {
  return {
    kind: 'ipc',
    async call(name, input) {
      const result: unknown = await bridge.call(name, input);
      if (typeof result !== 'object' || result === null || !('ok' in result)) throw unexpectedAnswer();
      if (result.ok === true && 'value' in result) return result.value;
      if (result.ok === false && 'error' in result) throw errorFromWire(result.error);
      throw unexpectedAnswer();
    },
    subscribe: (name, listener) => bridge.subscribe(name, listener),
    // IPC events are delivered by the main process for as long as the window lives.
    onReconnect: () => () => undefined,
    setCsrfToken: () => undefined,
  };
}
