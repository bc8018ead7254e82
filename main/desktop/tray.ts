import type { MenuItemConstructorOptions } from 'electron';
import type { EventSourceLike } from './ipc';
import type { DesktopSettings, DesktopSettingsStore } from './desktop-settings';
import { fleetStatus, type FleetLevel, type StatusCounts } from './fleet-status';
import type { Time } from '@core/timers';

// The tray icon: the fleet's status in its colour and tooltip, and a menu to open the window,
// pause polling, lock the vault and quit. Electron's Tray and Menu are injected (index.ts passes
// the real ones), so the tests drive a fake tray.

/** The part of Electron's Tray used here. Images are file paths (Electron loads @2x by itself). */
export interface TrayLike<M> {
  setImage(image: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: M | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** Polling of every check: the health engine's pauseAll, and its state once it exposes one. */
export interface PollingControl {
  pauseAll(paused: boolean): void;
  readonly paused?: boolean;
}

export interface TrayLog {
  warn(details: object, message: string): void;
}

export interface FleetTrayDeps<M> {
  tray: TrayLike<M>;
  /** Menu.buildFromTemplate in the app. */
  buildMenu(template: MenuItemConstructorOptions[]): M;
  /** Where the icon for a level is (assets/tray). */
  iconPath(level: FleetLevel): string;
  /** Servers by status: core.health.queries.counts(). */
  counts(): StatusCounts;
  events: EventSourceLike;
  polling: PollingControl;
  lockVault(): void;
  openWindow(): void;
  quit(): void;
  settings: DesktopSettingsStore;
  platform: NodeJS.Platform;
  timers: Time;
  log: TrayLog;
}

export interface FleetTray {
  /** Recomputes the status now (after a change the tray cannot hear about). */
  refresh(): void;
  dispose(): void;
}

/** Status is recomputed at most this often, however many servers change at once. */
export const TRAY_REFRESH_MS = 1000;

/** Events after which the counts may differ: a server's status, or servers added or removed. */
const REFRESH_ON = new Set(['server.status', 'servers.changed']);

const separator: MenuItemConstructorOptions = { type: 'separator' };

export function createFleetTray<M>(deps: FleetTrayDeps<M>): FleetTray {
  const { tray, timers } = deps;
  let localPaused = false;
  let lastRefresh = Number.NEGATIVE_INFINITY;
  let timer: unknown = null;
  let shown: { icon: string; tooltip: string; menuKey: string } | undefined;
  let lastCounts: StatusCounts = {};
  let disposed = false;

  const pollingPaused = () => deps.polling.paused ?? localPaused;

  const guarded = (what: string, action: () => void) => () => {
    try {
      action();
    } catch (cause) {
      deps.log.warn({ err: cause }, `tray: ${what} failed`);
    }
  };

  function menuTemplate(summary: string, paused: boolean, settings: DesktopSettings): MenuItemConstructorOptions[] {
    return [
      { id: 'status', label: summary.charAt(0).toUpperCase() + summary.slice(1), enabled: false },
      separator,
      { id: 'open', label: 'Open Guardian', click: guarded('opening the window', deps.openWindow) },
      {
        id: 'polling',
        label: paused ? 'Resume polling' : 'Pause polling',
        click: guarded(paused ? 'resuming polling' : 'pausing polling', () => setPaused(!paused)),
      },
      { id: 'lock-vault', label: 'Lock vault', click: guarded('locking the vault', deps.lockVault) },
      separator,
      // macOS apps keep running without windows whatever this says (window-controller.ts).
      ...(deps.platform === 'darwin'
        ? []
        : [
            {
              id: 'close-to-tray',
              label: 'Keep running when the window is closed',
              type: 'checkbox',
              checked: settings.closeToTray,
              click: guarded('saving the setting', () => changeSetting({ closeToTray: !settings.closeToTray })),
            } satisfies MenuItemConstructorOptions,
          ]),
      {
        id: 'notifications',
        label: 'Show notifications',
        type: 'checkbox',
        checked: settings.notifications,
        click: guarded('saving the setting', () => changeSetting({ notifications: !settings.notifications })),
      },
      separator,
      { id: 'quit', label: 'Quit Guardian', click: guarded('quitting', deps.quit) },
    ];
  }

  function refresh(): void {
    if (disposed) return;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    lastRefresh = timers.now();
    try {
      lastCounts = deps.counts();
    } catch (cause) {
      // The last counts stay shown (the first time: grey, "no servers yet").
      deps.log.warn({ err: cause }, 'tray: the fleet status could not be read');
    }
    const counts = lastCounts;
    const paused = pollingPaused();
    const status = fleetStatus(counts, paused);
    const settings = deps.settings.get();
    const icon = deps.iconPath(status.level);
    const menuKey = JSON.stringify([status.summary, paused, settings.closeToTray, settings.notifications]);
    if (shown?.icon !== icon) tray.setImage(icon);
    if (shown?.tooltip !== status.tooltip) tray.setToolTip(status.tooltip);
    // Linux only shows a changed menu when it is set again, so the menu is rebuilt whole.
    if (shown?.menuKey !== menuKey) tray.setContextMenu(deps.buildMenu(menuTemplate(status.summary, paused, settings)));
    shown = { icon, tooltip: status.tooltip, menuKey };
  }

  /** Refreshes now if the last refresh is a second old, else once the second is up. */
  function scheduleRefresh(): void {
    if (disposed || timer !== null) return;
    const wait = lastRefresh + TRAY_REFRESH_MS - timers.now();
    if (wait <= 0) refresh();
    else timer = timers.setTimeout(refresh, wait);
  }

  function setPaused(paused: boolean): void {
    deps.polling.pauseAll(paused);
    localPaused = paused;
    refresh();
  }

  function changeSetting(patch: Partial<DesktopSettings>): void {
    deps.settings.set(patch);
    refresh();
  }

  const unsubscribe = deps.events.subscribe((name) => {
    if (REFRESH_ON.has(name)) scheduleRefresh();
  });
  // A click opens the window on Windows and Linux; on macOS a click opens the menu.
  if (deps.platform !== 'darwin') tray.on('click', guarded('opening the window', deps.openWindow));
  refresh();

  return {
    refresh,
    dispose() {
      if (disposed) return;
      disposed = true;
      unsubscribe();
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
      tray.destroy();
    },
  };
}
