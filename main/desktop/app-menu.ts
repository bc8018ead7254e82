import type { MenuItemConstructorOptions } from 'electron';

// The application menu as a plain template: built here without Electron (so it can be tested),
// turned into a Menu by index.ts.

export const PROJECT_URL = 'https://github.com/guardian-server-manager/guardian';

export interface AppMenuOptions {
  appName: string;
  platform: NodeJS.Platform;
  /** `app.isPackaged`: the developer tools and reload are offered only in a development run. */
  packaged: boolean;
  /** Opens a https link in the user's browser. */
  openExternal: (url: string) => void;
}

const separator: MenuItemConstructorOptions = { type: 'separator' };

export function buildAppMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';

  const appMenu: MenuItemConstructorOptions = {
    label: options.appName,
    submenu: [
      { role: 'about' },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };

  const fileMenu: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [mac ? { role: 'close' } : { role: 'quit' }],
  };

  const editMenu: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      separator,
      { role: 'selectAll' },
    ],
  };

  const developerItems: MenuItemConstructorOptions[] = options.packaged
    ? []
    : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator];

  const viewMenu: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [...developerItems, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, separator, { role: 'togglefullscreen' }],
  };

  const windowMenu: MenuItemConstructorOptions = {
    label: '&Window',
    role: 'windowMenu',
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  };

  const helpMenu: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [
      { id: 'documentation', label: 'Documentation', click: () => options.openExternal(`${PROJECT_URL}#readme`) },
      { id: 'report-issue', label: 'Report an issue', click: () => options.openExternal(`${PROJECT_URL}/issues`) },
    ],
  };

  return [...(mac ? [appMenu] : []), fileMenu, editMenu, viewMenu, windowMenu, helpMenu];
}
