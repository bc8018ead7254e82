// The one Guardian window, as everything that wants it sees it: a second launch, the tray's
// "Open Guardian", a notification's click and the dock all call open(), which brings the window
// to the front, or creates it when it was closed to the tray. Electron's BrowserWindow is behind
// the two injected functions, so this is tested with a fake window.

/** The part of a BrowserWindow used to bring it to the front. */
export interface FocusableWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

export interface WindowControllerDeps<W extends FocusableWindow> {
  /** Creates the window, showing `route` (a `#/…` hash) when given. */
  create(route: string | undefined): W;
  /** Shows `route` in an open window. */
  navigate(window: W, route: string): void;
}

export interface WindowController<W extends FocusableWindow> {
  /** The open window, if any. */
  current(): W | undefined;
  /** Brings the window to the front (on `route` if given), creating it if needed; nothing while quitting. */
  open(route?: string): W | undefined;
  /** The window closed: the next open() creates a new one. */
  closed(window: W): void;
  /** Quit has begun: nothing opens a window any more. */
  quitting(): void;
  isQuitting(): boolean;
}

/** Brings a window to the front, out of the taskbar or the tray. */
export function focusWindow(window: FocusableWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

export function createWindowController<W extends FocusableWindow>(deps: WindowControllerDeps<W>): WindowController<W> {
  let window: W | undefined;
  let quitting = false;
  const live = () => (window && !window.isDestroyed() ? window : undefined);
  return {
    current: live,
    open(route) {
      if (quitting) return undefined;
      const open = live();
      if (open) {
        focusWindow(open);
        if (route !== undefined) deps.navigate(open, route);
        return open;
      }
      window = deps.create(route);
      return window;
    },
    closed(closedWindow) {
      if (window === closedWindow) window = undefined;
    },
    quitting() {
      quitting = true;
    },
    isQuitting: () => quitting,
  };
}

export interface AllClosedInput {
  platform: NodeJS.Platform;
  /** The closeToTray setting. */
  closeToTray: boolean;
  /** A tray icon is up and the desktop shows it (see tray-support.ts). */
  trayShown: boolean;
}

/**
 * When the last window closes: keep running (polling, notifying) or quit. macOS keeps apps
 * running without windows by convention; elsewhere Guardian stays only in a tray the user can
 * see, since an invisible app that cannot be reopened would be worse than one that quit.
 */
export function keepRunningWhenAllClosed(input: AllClosedInput): boolean {
  if (input.platform === 'darwin') return true;
  return input.closeToTray && input.trayShown;
}
