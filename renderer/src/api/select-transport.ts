import { findBridge } from './bridge';
import { createHttpTransport } from './http-transport';
import { createIpcTransport } from './ipc-transport';
import { takeSetupToken } from './setup-token';
import type { Transport } from './transport';

/**
 * Inside the desktop app the preload has put `window.guardian` on the page: use IPC. Anywhere
 * else the page was served by `guardian serve --ui`: use HTTP on the page's own origin.
 */
export function selectTransport(target: Window): Transport {
  const bridge = findBridge(target);
  return bridge ? createIpcTransport(bridge) : createHttpTransport({ setupToken: takeSetupToken(target) });
}
