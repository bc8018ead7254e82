import { join } from 'node:path';
import { BrowserWindow, screen, type Display } from 'electron';
import type { Logger } from '@core/logging/logger';
import { packageRoot } from '@core/paths';
import { appRouteUrl } from './app-protocol';
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
 * Shows `route` in the window. Only the hash changes, so Chromium navigates within the page (no
 * reload, the renderer's hashchange routing takes it) and will-navigate is not involved.
 */
export function navigateWindow(window: BrowserWindow, route: string, log: Pick<Logger, 'warn'>): void {
  window.webContents.loadURL(appRouteUrl(route)).catch((cause: unknown) => {
    log.warn({ err: cause, route }, 'the window could not show the page');
  });
}

/**
 * The one Guardian window, shown once its first paint is ready (no white flash), where it was
 * last (per display, never off-screen) when a state store is given, on `route` when given.
 */
export function createMainWindow(log: Pick<Logger, 'error' | 'warn'>, stateStore?: StateStore, route?: string): BrowserWindow {
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
  const url = appRouteUrl(route);
  window.loadURL(url).catch((cause: unknown) => {
    log.error({ err: cause, url }, 'the app page did not load (is out/renderer built?)');
  });
  return window;
}
