import { join } from 'node:path';
import { BrowserWindow, screen, type Display } from 'electron';
import type { Logger } from '../core/logging/logger';
import { packageRoot } from '../core/paths';
import { APP_ENTRY_URL } from './app-protocol';
import { hardenedWindowOptions } from './window';
import { restoreWindowState, trackWindowState, type DisplayInfo, type StateStore } from './window-state';

/** Built by electron-vite as CommonJS: a sandboxed preload cannot be an ES module. */
export const preloadPath = join(packageRoot, 'out', 'preload', 'index.cjs');

const displayInfo = (display: Display): DisplayInfo => ({ id: display.id, workArea: display.workArea });

/** The attached displays, read when needed: monitors come and go while Guardian runs. */
function currentDisplays() {
  return { displays: screen.getAllDisplays().map(displayInfo), primary: displayInfo(screen.getPrimaryDisplay()) };
}

/**
 * The one Guardian window, shown once its first paint is ready (no white flash), where it was
 * last (per display, never off-screen) when a state store is given.
 */
export function createMainWindow(log: Pick<Logger, 'error' | 'warn'>, stateStore?: StateStore): BrowserWindow {
  const window = new BrowserWindow(hardenedWindowOptions(preloadPath));
  let maximize = false;
  if (stateStore) {
    // Created hidden: placed before it is first shown.
    try {
      const { displays, primary } = currentDisplays();
      const [width = 1280, height = 820] = window.getSize();
      const [minWidth = 900, minHeight = 600] = window.getMinimumSize();
      const state = restoreWindowState(stateStore, displays, primary, {
        defaultSize: { width, height },
        minSize: { width: minWidth, height: minHeight },
      });
      window.setBounds(state.bounds);
      maximize = state.maximized;
    } catch (cause) {
      log.warn({ err: cause }, 'the window state could not be restored; using the default');
    }
    trackWindowState(window, stateStore, currentDisplays, (cause) => log.warn({ err: cause }, 'the window state could not be saved'));
  }
  window.once('ready-to-show', () => {
    if (maximize) window.maximize();
    window.show();
  });
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
