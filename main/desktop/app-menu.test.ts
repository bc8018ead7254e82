import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { buildAppMenuTemplate, PROJECT_URL, type AppMenuOptions } from './app-menu';

function build(overrides: Partial<AppMenuOptions> = {}) {
  const options: AppMenuOptions = {
    appName: 'Guardian Server Manager',
    platform: 'linux',
    packaged: true,
    openExternal: vi.fn(),
    ...overrides,
  };
  return { options, template: buildAppMenuTemplate(options) };
}

/** Every item of the template, submenus included. */
function items(template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);
}

const roles = (template: MenuItemConstructorOptions[]) =>
  items(template)
    .map((item) => item.role)
    .filter(Boolean);
const labels = (template: MenuItemConstructorOptions[]) => template.map((item) => item.label);

describe('buildAppMenuTemplate', () => {
  it('has File, Edit, View, Window and Help, and the app menu first on macOS only', () => {
    expect(labels(build({ platform: 'linux' }).template)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(labels(build({ platform: 'win32' }).template)).toEqual(['&File', '&Edit', '&View', '&Window', '&Help']);
    expect(labels(build({ platform: 'darwin' }).template)).toEqual(['Guardian Server Manager', '&File', '&Edit', '&View', '&Window', '&Help']);
  });

  it('offers the usual roles', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      expect(roles(build({ platform }).template)).toEqual(
        expect.arrayContaining([
          'quit',
          'undo',
          'redo',
          'cut',
          'copy',
          'paste',
          'selectAll',
          'resetZoom',
          'zoomIn',
          'zoomOut',
          'togglefullscreen',
          'minimize',
          'close',
          'help',
        ]),
      );
    }
    expect(roles(build({ platform: 'darwin' }).template)).toEqual(
      expect.arrayContaining(['about', 'services', 'hide', 'hideOthers', 'unhide', 'front', 'zoom', 'pasteAndMatchStyle', 'windowMenu']),
    );
  });

  it('quits from the app menu on macOS and from File elsewhere', () => {
    const mac = build({ platform: 'darwin' }).template;
    expect((mac[0]?.submenu as MenuItemConstructorOptions[]).map((item) => item.role)).toContain('quit');
    expect(mac[1]?.submenu).toEqual([{ role: 'close' }]);
    expect(build({ platform: 'linux' }).template[0]?.submenu).toEqual([{ role: 'quit' }]);
  });

  it('has no developer tools or reload in the packaged app', () => {
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const found = roles(build({ platform, packaged: true }).template);
      expect(found).not.toContain('toggleDevTools');
      expect(found).not.toContain('reload');
      expect(found).not.toContain('forceReload');
    }
  });

  it('offers the developer tools and reload in a development run', () => {
    expect(roles(build({ packaged: false }).template)).toEqual(expect.arrayContaining(['toggleDevTools', 'reload', 'forceReload']));
  });

  it('gives each custom accelerator to one item only', () => {
    const accelerators = items(build({ packaged: false, platform: 'darwin' }).template)
      .map((item) => item.accelerator)
      .filter((accelerator): accelerator is string => typeof accelerator === 'string');
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });

  it('opens the help links, https only, in the browser', () => {
    const { options, template } = build();
    for (const item of items(template).filter((entry) => entry.id === 'documentation' || entry.id === 'report-issue')) {
      (item.click as () => void)();
    }
    expect(options.openExternal).toHaveBeenCalledWith(`${PROJECT_URL}#readme`);
    expect(options.openExternal).toHaveBeenCalledWith(`${PROJECT_URL}/issues`);
    for (const [url] of vi.mocked(options.openExternal).mock.calls) expect(url).toMatch(/^https:\/\//);
  });
});
