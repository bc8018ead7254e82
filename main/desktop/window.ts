import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * Options for every Guardian window. The page runs with no Node, in Chromium's sandbox, in a
 * world separate from the preload's; it reaches the core only through `window.guardian`.
 */
export function hardenedWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Guardian Server Manager',
    backgroundColor: '#0f172a',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

export interface PreventableEvent {
  preventDefault(): void;
}

/** `will-navigate` / `will-redirect`: the app is one page; nothing may replace it. */
export function refuseNavigation(event: PreventableEvent): void {
  event.preventDefault();
}

/** A link worth opening in the user's browser: https with a host, and no credentials in it. */
export function externalLinkTarget(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') {
    return undefined;
  }
  return parsed.href;
}

/**
 * `setWindowOpenHandler`: no window is ever opened by the page. An https link is handed to the
 * system browser instead; anything else (file:, javascript:, custom schemes) is dropped.
 */
export function windowOpenHandler(openExternal: (url: string) => void) {
  return (details: { url: string }): { action: 'deny' } => {
    const target = externalLinkTarget(details.url);
    if (target) openExternal(target);
    return { action: 'deny' };
  };
}

/** The part of a webContents the navigation and new-window rules are attached to. */
export interface HardenableContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Applied to every webContents the app creates: no navigation away from the app page, no
 * <webview>, no new windows (https links go to the system browser).
 */
export function hardenWebContents(contents: HardenableContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', refuseNavigation);
  contents.on('will-redirect', refuseNavigation);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenHandler(openExternal));
}

/** `session.setPermissionRequestHandler`: camera, notifications, geolocation… all refused. */
export function denyPermissionRequest(_webContents: unknown, _permission: string, callback: (granted: boolean) => void): void {
  callback(false);
}

/** `session.setPermissionCheckHandler`: every check answers "not granted". */
export function denyPermissionCheck(): boolean {
  return false;
}
