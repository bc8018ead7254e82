import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  shell,
  Tray,
  type Session,
} from 'electron';
import Store from 'electron-store';
import { AppError } from '@shared/api';
import { audienceOf } from '@shared/permissions';
import { createCore, type Core } from '@core/app';
import type { Logger } from '@core/logging/logger';
import { dataPaths, packageRoot, rendererDir } from '@core/paths';
import { buildAppMenuTemplate } from './app-menu';
import { createDesktopUpdates, loadElectronUpdater } from './auto-update';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler, isAppUrl } from './app-protocol';
import { cliArgsFrom, cliPath, relayQuitToCli, runCli } from './cli-mode';
import { createDesktopSettings, memoryStore, type DesktopSettingsStore } from './desktop-settings';
import { createFileLogger, logLevelFrom, type FileLogger } from './file-logger';
import { trayIconFile, type FleetLevel } from './fleet-status';
import { keyFileFromDialog } from './key-file-dialog';
import { osKeyProtector } from './os-keys';
import { fileSaver } from './save-file';
import { registerIpc, type DesktopIpc } from './ipc';
import { createMainWindow, navigateWindow } from './main-window';
import { createIncidentNotifier, type IncidentNotifier } from './notifications';
import { systemTime } from '@core/timers';
import { createFleetTray, type FleetTray } from './tray';
import { trayWillShow } from './tray-support';
import { createWindowController, keepRunningWhenAllClosed, type WindowController } from './window-controller';
import type { StateStore } from './window-state';
import { denyPermissionCheck, denyPermissionRequest, hardenWebContents } from './window';

// Electron main-process entry: wiring only. Everything Guardian does lives in main/core.

const APP_USER_MODEL_ID = 'dev.guardian.server-manager';
/** The tray and notification icons, inside app.asar when packaged (electron-builder.yml `files`). */
const TRAY_ICONS = join(packageRoot, 'assets', 'tray');

interface Running {
  core: Core;
  ipc: DesktopIpc;
  log: FileLogger;
  windows: WindowController<BrowserWindow>;
  tray?: FleetTray;
  notifier?: IncidentNotifier;
  stopUpdates?: () => void;
}

let running: Running | undefined;
let windowStateStore: StateStore | undefined;
let settings: DesktopSettingsStore = createDesktopSettings(memoryStore());
/** Whether the desktop shows the tray icon (false until known): closing the window then keeps Guardian running. */
let trayShown = false;

function applySessionPolicy(target: Session): void {
  target.setPermissionRequestHandler(denyPermissionRequest);
  target.setPermissionCheckHandler(denyPermissionCheck);
  target.setDevicePermissionHandler(denyPermissionCheck);
}

function openExternal(url: string): void {
  shell.openExternal(url).catch((cause: unknown) => {
    running?.log.logger.warn({ err: cause, url }, 'the link could not be opened in the browser');
  });
}

/** An electron-store file in userData, or undefined (with a warning) when it cannot be opened. */
function openStore(name: string, log: Logger): StateStore | undefined {
  try {
    return new Store<Record<string, unknown>>({ name, clearInvalidConfig: true });
  } catch (cause) {
    log.warn({ err: cause, store: name }, 'a settings file could not be opened; defaults are used');
    return undefined;
  }
}

function createWindow(current: Pick<Running, 'core' | 'ipc' | 'log'>, route: string | undefined, onClosed: (window: BrowserWindow) => void): BrowserWindow {
  const window = createMainWindow(current.log.logger, windowStateStore, route);
  const contentsId = window.webContents.id;
  const stopEvents = current.ipc.forwardEventsTo(window.webContents);
  window.webContents.once('destroyed', () => {
    stopEvents();
    // The session is bound to the window: closing the window signs it out.
    const token = current.ipc.endSession(contentsId);
    if (token === undefined) return;
    const { signIn } = current.core;
    const { logger } = current.log;
    signIn
      .authenticate(token, false)
      .then(async (found) => {
        if (!found) return;
        await signIn.logout(found.principal, undefined);
        // Its terminals end with it, their recordings stored.
        await current.core.terminals.closeFor(audienceOf(found.principal), 'signed-out');
      })
      .catch((cause: unknown) => logger.warn({ err: cause }, 'the closed window’s session could not be signed out'));
  });
  window.on('closed', () => onClosed(window));
  return window;
}

/** The tray icon with the fleet's status, and notifications for incidents. */
function startTrayAndNotifications(current: Running): void {
  const { core, log, windows } = current;
  const iconPath = (level: FleetLevel) => join(TRAY_ICONS, trayIconFile(level, process.platform));
  try {
    current.tray = createFleetTray({
      tray: new Tray(iconPath('unknown')),
      buildMenu: (template) => Menu.buildFromTemplate(template),
      iconPath,
      counts: () => core.health.queries.counts(),
      events: core.events,
      polling: core.health.engine,
      lockVault: () => {
        core.vault.lock();
        log.logger.info({ event: 'tray' }, 'vault locked from the tray');
      },
      openWindow: () => void windows.open(),
      quit: () => app.quit(),
      settings,
      platform: process.platform,
      timers: systemTime,
      log: log.logger,
    });
  } catch (cause) {
    log.logger.warn({ err: cause }, 'the tray icon could not be created; closing the window quits');
  }
  trayWillShow(process.platform)
    .then((shown) => {
      trayShown = shown && current.tray !== undefined;
      log.logger.info({ trayShown }, trayShown ? 'tray icon shown' : 'no tray on this desktop: closing the window quits');
    })
    .catch((cause: unknown) => log.logger.warn({ err: cause }, 'could not tell whether the desktop shows a tray'));
  current.notifier = createIncidentNotifier({
    Notification,
    isSupported: () => Notification.isSupported(),
    events: core.events,
    settings: () => settings.get(),
    open: (route) => void windows.open(route),
    iconPath: (icon) => join(TRAY_ICONS, `${icon}-32.png`),
    timers: systemTime,
    log: log.logger,
  });
}

async function start(): Promise<void> {
  const paths = dataPaths(app.getPath('userData'));
  const log = createFileLogger(paths.logFile, logLevelFrom(process.env.GUARDIAN_LOG_LEVEL));
  // Next to the database: the desktop's own settings, read before the core, which serves the update channel.
  settings = createDesktopSettings(openStore('desktop-settings', log.logger) ?? memoryStore(), (cause) =>
    log.logger.warn({ err: cause }, 'the desktop settings could not be saved'),
  );
  const updates = createDesktopUpdates({
    environment: { packaged: app.isPackaged, development: process.env.NODE_ENV === 'development', headless: false },
    appVersion: app.getVersion(),
    channelOverride: process.env.GUARDIAN_UPDATE_CHANNEL,
    settings,
    loadUpdater: loadElectronUpdater,
    log: log.logger,
  });
  let core: Core;
  try {
    core = await createCore({
      dataDir: paths.root,
      logger: log.logger,
      mode: 'desktop',
      osKeys: osKeyProtector(safeStorage, process.platform),
      vaultKeyFile: keyFileFromDialog(dialog),
      clipboard,
      saveFile: fileSaver(dialog, app.getPath('downloads')),
      updates: updates.control,
    });
  } catch (cause) {
    log.logger.fatal({ err: cause }, 'Guardian could not start');
    log.flush();
    const detail =
      cause instanceof AppError
        ? `${cause.message}\n\n${cause.hint}`
        : `Something went wrong while opening the data folder (${paths.root}). The log has the details: ${paths.logFile}`;
    dialog.showErrorBox('Guardian could not start', detail);
    app.exit(1);
    return;
  }

  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
  applySessionPolicy(session.defaultSession);
  const authenticate = async (token: string, touch: boolean) => (await core.signIn.authenticate(token, touch))?.principal ?? null;
  const ipc = registerIpc(ipcMain, core.router, core.events, isAppUrl, authenticate, { log: log.logger });
  const base = { core, ipc, log };
  const windows: WindowController<BrowserWindow> = createWindowController({
    create: (route) => createWindow(base, route, (window) => windows.closed(window)),
    navigate: (window, route) => navigateWindow(window, route, log.logger),
  });
  const current: Running = { ...base, windows };
  running = current;
  core.health.start();
  core.operations.startRetention();
  core.schedules.start();
  core.alerts.start();
  // Next to the database: the window's size and place per display.
  windowStateStore = openStore('window-state', log.logger);
  // The vault locks with the computer: a locked screen or a sleeping laptop forgets its keys.
  const lockVault = (event: string) => () => {
    core.vault.lock();
    log.logger.info({ event }, 'vault locked with the OS');
  };
  powerMonitor.on('lock-screen', lockVault('lock-screen'));
  powerMonitor.on('suspend', lockVault('suspend'));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildAppMenuTemplate({
        appName: app.name,
        platform: process.platform,
        packaged: app.isPackaged,
        openExternal,
      }),
    ),
  );
  log.logger.info({ dataDir: paths.root, version: app.getVersion() }, 'Guardian desktop started');
  windows.open();
  startTrayAndNotifications(current);
  current.stopUpdates = () => updates.stop();
  updates.start().catch((cause: unknown) => log.logger.warn({ err: cause }, 'update: automatic updates could not start'));
}

let closed = false;
let closing = false;

/** Lets running jobs reach a safe point and closes the database before the process ends. */
function closeThenQuit(event: { preventDefault(): void }): void {
  const current = running;
  if (!current || closed) return;
  event.preventDefault();
  if (closing) return;
  closing = true;
  current.windows.quitting();
  current.stopUpdates?.();
  current.notifier?.dispose();
  current.tray?.dispose();
  current.ipc.dispose();
  current.core
    .close()
    .catch((cause: unknown) => current.log.logger.error({ err: cause }, 'the core did not close cleanly'))
    .finally(() => {
      closed = true;
      current.log.logger.info('Guardian desktop stopped');
      current.log.flush();
      app.quit();
    });
}

function startDesktop(): void {
  if (!app.requestSingleInstanceLock()) {
    // Another Guardian owns the data folder; it has been told to come to the front.
    app.quit();
    return;
  }
  // Before ready: every renderer sandboxed, and app:// gets an origin and a secure context.
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  app.setAppUserModelId(APP_USER_MODEL_ID);

  // A second launch, the dock: the window comes to the front, or back from the tray.
  app.on('second-instance', () => void running?.windows.open());
  app.on('activate', () => void running?.windows.open());
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, openExternal);
    applySessionPolicy(contents.session);
  });
  app.on('window-all-closed', () => {
    // Closed to the tray: polling and notifications go on.
    const keep = keepRunningWhenAllClosed({ platform: process.platform, closeToTray: settings.get().closeToTray, trayShown });
    if (!keep) app.quit();
  });
  // Quit from the tray, the menu, the dock or the OS: no window may open from here on.
  app.on('before-quit', () => running?.windows.quitting());
  app.on('will-quit', closeThenQuit);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(start)
    .catch((cause: unknown) => {
      console.error('Guardian could not start:', cause);
      app.exit(1);
    });
}

/** `guardian …` from the installed app: the headless CLI in this process, no window (cli-mode.ts). */
function startCli(args: string[]): void {
  // A command in a terminal: no GPU process, and on macOS no Dock icon.
  app.disableHardwareAcceleration();
  void app.whenReady().then(() => app.dock?.hide());
  relayQuitToCli(app, process);
  void runCli(args, {
    cliPath,
    execPath: process.execPath,
    setArgv: (argv) => {
      process.argv = argv;
    },
    load: (url) => import(/* @vite-ignore */ url),
    error: (line) => console.error(line),
    exit: (code) => app.exit(code),
  });
}

const cliArgs = cliArgsFrom(process.argv, process.defaultApp === true);
if (cliArgs) startCli(cliArgs);
else startDesktop();
