import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { ServerStatus } from '@shared/api/health';
import { EventBus } from '@core/events/bus';
import { packageRoot } from '@core/paths';
import { createDesktopSettings, memoryStore } from './desktop-settings';
import { FakeTime } from '@core/testing/fake-time';
import { FLEET_LEVELS, trayIconFile, type FleetLevel, type StatusCounts } from './fleet-status';
import { createFleetTray, TRAY_REFRESH_MS, type PollingControl, type TrayLike } from './tray';

type Template = MenuItemConstructorOptions[];

/** A tray that remembers what it was told; its menu is the template itself. */
class FakeTray implements TrayLike<Template> {
  images: string[] = [];
  tooltips: string[] = [];
  menus: Template[] = [];
  clicks: (() => void)[] = [];
  destroyed = false;
  setImage(image: string) {
    this.images.push(image);
  }
  setToolTip(text: string) {
    this.tooltips.push(text);
  }
  setContextMenu(menu: Template | null) {
    if (menu) this.menus.push(menu);
  }
  on(_event: 'click', listener: () => void) {
    this.clicks.push(listener);
  }
  destroy() {
    this.destroyed = true;
  }
  get image() {
    return this.images.at(-1);
  }
  get tooltip() {
    return this.tooltips.at(-1);
  }
  item(id: string): MenuItemConstructorOptions {
    const found = this.menus.at(-1)?.find((item) => item.id === id);
    if (!found) throw new Error(`no menu item ${id}`);
    return found;
  }
  click(id: string) {
    const { click } = this.item(id);
    (click as unknown as () => void)();
  }
}

function setup(options: { counts?: StatusCounts; platform?: NodeJS.Platform; polling?: PollingControl } = {}) {
  const tray = new FakeTray();
  const events = new EventBus();
  const timers = new FakeTime();
  let counts: StatusCounts = options.counts ?? { up: 40 };
  const readCounts = vi.fn(() => counts);
  const polling = options.polling ?? { pauseAll: vi.fn() };
  const deps = {
    tray,
    buildMenu: (template: Template) => template,
    iconPath: (level: FleetLevel) => `/icons/${level}.png`,
    counts: readCounts,
    events,
    polling,
    lockVault: vi.fn(),
    openWindow: vi.fn(),
    quit: vi.fn(),
    settings: createDesktopSettings(memoryStore()),
    platform: options.platform ?? 'linux',
    timers,
    log: { warn: vi.fn() },
  };
  const fleetTray = createFleetTray(deps);
  const statusChange = (to: ServerStatus = 'down') => events.emit('server.status', { serverId: 's1', from: 'up', to, at: timers.now() });
  return { tray, events, timers, deps, fleetTray, readCounts, statusChange, setCounts: (next: StatusCounts) => void (counts = next) };
}

describe('the tray icon', () => {
  it('shows the fleet status at start: icon, tooltip and the first menu line', async () => {
    const { tray } = setup({ counts: { up: 37, degraded: 1, down: 2 } });
    expect(tray.image).toBe('/icons/down.png');
    expect(tray.tooltip).toBe('Guardian: 2 down, 1 degraded of 40 servers');
    expect(tray.item('status')).toMatchObject({ label: '2 down, 1 degraded of 40 servers', enabled: false });
  });

  it.each<[StatusCounts, FleetLevel, string]>([
    [{ up: 40 }, 'up', 'Guardian: all 40 servers up'],
    [{ up: 39, degraded: 1 }, 'degraded', 'Guardian: 1 degraded of 40 servers'],
    [{ up: 39, down: 1 }, 'down', 'Guardian: 1 down of 40 servers'],
    [{ unknown: 2 }, 'unknown', 'Guardian: 2 unknown of 2 servers'],
  ])('maps %j to the %s icon and "%s"', (counts, level, tooltip) => {
    const { tray } = setup({ counts });
    expect(tray.image).toBe(`/icons/${level}.png`);
    expect(tray.tooltip).toBe(tooltip);
  });

  it('recomputes on server.status, at most once a second however many arrive', async () => {
    const { tray, timers, readCounts, statusChange, setCounts } = setup({ counts: { up: 40 } });
    expect(readCounts).toHaveBeenCalledTimes(1);

    setCounts({ up: 39, down: 1 });
    await timers.advance(TRAY_REFRESH_MS);
    statusChange(); // a second after the last refresh: at once
    expect(readCounts).toHaveBeenCalledTimes(2);
    expect(tray.image).toBe('/icons/down.png');

    setCounts({ up: 30, down: 10 });
    for (let i = 0; i < 50; i++) statusChange(); // a burst: one refresh, when the second is up
    expect(readCounts).toHaveBeenCalledTimes(2);
    await timers.advance(TRAY_REFRESH_MS - 1);
    expect(readCounts).toHaveBeenCalledTimes(2);
    await timers.advance(1);
    expect(readCounts).toHaveBeenCalledTimes(3);
    expect(tray.tooltip).toBe('Guardian: 10 down of 40 servers');
    await timers.advance(10 * TRAY_REFRESH_MS);
    expect(readCounts).toHaveBeenCalledTimes(3);
  });

  it('recomputes when servers are added or removed, and ignores other events', async () => {
    const { events, timers, readCounts } = setup();
    await timers.advance(TRAY_REFRESH_MS);
    events.emit('check.result', { results: [] });
    expect(readCounts).toHaveBeenCalledTimes(1);
    events.emit('servers.changed', { change: 'deleted', ids: ['s1'] });
    expect(readCounts).toHaveBeenCalledTimes(2);
  });

  it('sets the image and tooltip only when they change', async () => {
    const { tray, timers, statusChange } = setup({ counts: { up: 40 } });
    await timers.advance(TRAY_REFRESH_MS);
    statusChange('up');
    expect(tray.images).toEqual(['/icons/up.png']);
    expect(tray.tooltips).toHaveLength(1);
    expect(tray.menus).toHaveLength(1);
  });

  it('keeps the last icon when the status cannot be read, and logs it', async () => {
    const { tray, timers, deps, statusChange } = setup({ counts: { up: 40 } });
    deps.counts.mockImplementation(() => {
      throw new Error('database is locked');
    });
    await timers.advance(TRAY_REFRESH_MS);
    expect(() => statusChange()).not.toThrow();
    expect(deps.log.warn).toHaveBeenCalled();
    expect(tray.image).toBe('/icons/up.png');
    expect(tray.tooltip).toBe('Guardian: all 40 servers up');
  });

  it('stops listening and removes the icon when disposed', async () => {
    const { tray, timers, fleetTray, readCounts, statusChange } = setup();
    await timers.advance(TRAY_REFRESH_MS);
    statusChange();
    fleetTray.dispose();
    await timers.advance(TRAY_REFRESH_MS);
    statusChange();
    expect(readCounts).toHaveBeenCalledTimes(2);
    expect(tray.destroyed).toBe(true);
  });
});

describe('the tray menu', () => {
  it('opens the window, locks the vault and quits', async () => {
    const { tray, deps } = setup();
    tray.click('open');
    expect(deps.openWindow).toHaveBeenCalledOnce();
    tray.click('lock-vault');
    expect(deps.lockVault).toHaveBeenCalledOnce();
    tray.click('quit');
    expect(deps.quit).toHaveBeenCalledOnce();
  });

  it('pauses and resumes polling, and shows it in the label, the tooltip and the icon', async () => {
    const { tray, deps } = setup({ counts: { up: 40 } });
    expect(tray.item('polling').label).toBe('Pause polling');
    tray.click('polling');
    expect(deps.polling.pauseAll).toHaveBeenLastCalledWith(true);
    expect(tray.item('polling').label).toBe('Resume polling');
    expect(tray.tooltip).toBe('Guardian: all 40 servers up (polling paused)');
    expect(tray.image).toBe('/icons/unknown.png');
    tray.click('polling');
    expect(deps.polling.pauseAll).toHaveBeenLastCalledWith(false);
    expect(tray.item('polling').label).toBe('Pause polling');
    expect(tray.image).toBe('/icons/up.png');
  });

  it('believes the engine about polling once it says whether it is paused', async () => {
    const polling = { paused: true, pauseAll: vi.fn((paused: boolean) => void (polling.paused = paused)) };
    const { tray } = setup({ polling });
    expect(tray.item('polling').label).toBe('Resume polling');
    tray.click('polling');
    expect(polling.paused).toBe(false);
    expect(tray.item('polling').label).toBe('Pause polling');
  });

  it('toggles and saves the close-to-tray and notification settings', async () => {
    const { tray, deps } = setup();
    expect(tray.item('close-to-tray')).toMatchObject({ type: 'checkbox', checked: true });
    expect(tray.item('notifications')).toMatchObject({ type: 'checkbox', checked: true });
    tray.click('close-to-tray');
    expect(deps.settings.get().closeToTray).toBe(false);
    expect(tray.item('close-to-tray').checked).toBe(false);
    tray.click('notifications');
    expect(deps.settings.get().notifications).toBe(false);
    expect(tray.item('notifications').checked).toBe(false);
  });

  it('logs a failing action instead of throwing into Electron', async () => {
    const { tray, deps } = setup();
    deps.lockVault.mockImplementation(() => {
      throw new Error('vault is not set up');
    });
    expect(() => tray.click('lock-vault')).not.toThrow();
    expect(deps.log.warn).toHaveBeenCalledWith(expect.anything(), 'tray: locking the vault failed');
  });

  it('offers no close-to-tray setting on macOS, where apps keep running without windows anyway', async () => {
    const { tray } = setup({ platform: 'darwin' });
    expect(tray.menus.at(-1)?.map((item) => item.id)).not.toContain('close-to-tray');
    expect(tray.item('notifications').type).toBe('checkbox');
  });

  it('opens the window on a click on Windows and Linux; on macOS a click opens the menu', async () => {
    const linux = setup({ platform: 'linux' });
    linux.tray.clicks.forEach((click) => click());
    expect(linux.deps.openWindow).toHaveBeenCalledOnce();
    const mac = setup({ platform: 'darwin' });
    expect(mac.tray.clicks).toEqual([]);
  });
});

describe('the tray icon files', () => {
  it.each(['darwin', 'win32', 'linux'] as const)('exist for every level on %s, with their @2x variants', (platform) => {
    for (const level of FLEET_LEVELS) {
      const file = join(packageRoot, 'assets', 'tray', trayIconFile(level, platform));
      expect(existsSync(file), file).toBe(true);
      expect(existsSync(file.replace(/\.png$/, '@2x.png')), file).toBe(true);
    }
  });
});
