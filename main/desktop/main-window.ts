import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import type { Logger } from '../core/logging/logger';
import { packageRoot } from '../core/paths';
import { APP_ENTRY_URL } from './app-protocol';
import { hardenedWindowOptions } from './window';

/** Built by electron-vite as CommonJS: a sandboxed preload cannot be an ES module. */
export const preloadPath = join(packageRoot, 'out', 'preload', 'index.cjs');

/** The one Guardian window, shown once its first paint is ready (no white flash). */
export function createMainWindow(log: Pick<Logger, 'error'>): BrowserWindow {
  const window = new BrowserWindow(hardenedWindowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch((cause: unknown) => {
    log.error({ err: cause, url: APP_ENTRY_URL }, 'the app page did not load (is out/renderer built?)');
  });
  return window;
}

/** Brings the window to the front, e.g. when Guardian is launched a second time. */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
