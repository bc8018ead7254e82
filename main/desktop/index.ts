import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, powerMonitor, protocol, safeStorage, session, shell, type Session } from 'electron';
import Store from 'electron-store';
import { AppError } from '../../shared/api';
import { createCore, type Core } from '../core/app';
import { dataPaths, rendererDir } from '../core/paths';
import { buildAppMenuTemplate } from './app-menu';
import { startAutoUpdate } from './auto-update';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler, isAppUrl } from './app-protocol';
import { createFileLogger, logLevelFrom, type FileLogger } from './file-logger';
import { osKeyProtector } from './os-keys';
import { registerIpc, type DesktopIpc } from './ipc';
import { createMainWindow, focusWindow } from './main-window';
import type { StateStore } from './window-state';
import { denyPermissionCheck, denyPermissionRequest, hardenWebContents } from './window';

// Electron main-process entry: wiring only. Everything Guardian does lives in main/core.

const APP_USER_MODEL_ID = 'dev.guardian.server-manager';

interface Running {
  core: Core;
  ipc: DesktopIpc;
  log: FileLogger;
  stopUpdates?: () => void;
}

let running: Running | undefined;
let mainWindow: BrowserWindow | undefined;
let windowStateStore: StateStore | undefined;

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

function showWindow(current: Running): void {
  const window = createMainWindow(current.log.logger, windowStateStore);
  const contentsId = window.webContents.id;
  const stopEvents = current.ipc.forwardEventsTo(window.webContents);
  window.webContents.once('destroyed', () => {
    stopEvents();
    // The session is bound to the window: closing the window signs it out.
    const token = current.ipc.endSession(contentsId);
    const found = token === undefined ? null : current.core.signIn.authenticate(token, false);
    if (found) current.core.signIn.logout(found.principal, undefined);
  });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = undefined;
  });
  mainWindow = window;
}

function start(): void {
  const paths = dataPaths(app.getPath('userData'));
  const log = createFileLogger(paths.logFile, logLevelFrom(process.env.GUARDIAN_LOG_LEVEL));
  let core: Core;
  try {
    core = createCore({
      dataDir: paths.root,
      logger: log.logger,
      mode: 'desktop',
      osKeys: osKeyProtector(safeStorage, process.platform),
      clipboard,
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
  const authenticate = (token: string, touch: boolean) => core.signIn.authenticate(token, touch)?.principal ?? null;
  const ipc = registerIpc(ipcMain, core.router, core.events, isAppUrl, authenticate, { log: log.logger });
  running = { core, ipc, log };
  core.health.start();
  try {
    // window-state.json next to the database: size, position and maximised state, per display.
    windowStateStore = new Store<Record<string, unknown>>({ name: 'window-state', clearInvalidConfig: true });
  } catch (cause) {
    log.logger.warn({ err: cause }, 'the window state file could not be opened; the window opens at its default place');
  }
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
  showWindow(running);
  const current = running;
  startAutoUpdate({ packaged: app.isPackaged, appVersion: app.getVersion(), log: log.logger })
    .then((updates) => {
      if (updates) current.stopUpdates = () => updates.stop();
    })
    .catch((cause: unknown) => log.logger.warn({ err: cause }, 'update: automatic updates could not start'));
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
  current.stopUpdates?.();
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

if (!app.requestSingleInstanceLock()) {
  // Another Guardian owns the data folder; it has been told to come to the front.
  app.quit();
} else {
  // Before ready: every renderer sandboxed, and app:// gets an origin and a secure context.
  app.enableSandbox();
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  app.setAppUserModelId(APP_USER_MODEL_ID);

  app.on('second-instance', () => {
    if (mainWindow && !mainWindow.isDestroyed()) focusWindow(mainWindow);
  });
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, openExternal);
    applySessionPolicy(contents.session);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (running && !mainWindow) showWindow(running);
  });
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
