import { describe, expect, it, vi } from 'vitest';
import { createWindowController, keepRunningWhenAllClosed, type FocusableWindow } from './window-controller';

class FakeWindow implements FocusableWindow {
  destroyed = false;
  minimized = false;
  calls: string[] = [];
  constructor(readonly route: string | undefined) {}
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
    this.calls.push('restore');
  }
  show() {
    this.calls.push('show');
  }
  focus() {
    this.calls.push('focus');
  }
}

function setup() {
  const created: FakeWindow[] = [];
  const navigate = vi.fn();
  const windows = createWindowController<FakeWindow>({
    create: (route) => {
      const window = new FakeWindow(route);
      created.push(window);
      return window;
    },
    navigate,
  });
  return { windows, created, navigate };
}

describe('the window controller', () => {
  it('brings the open window to the front on a second launch instead of opening another', () => {
    const { windows, created } = setup();
    const first = windows.open();
    first?.calls.splice(0);
    if (first) first.minimized = true;
    // app.on('second-instance', () => windows.open())
    expect(windows.open()).toBe(first);
    expect(created).toHaveLength(1);
    expect(first?.calls).toEqual(['restore', 'show', 'focus']);
  });

  it('creates the window again after it was closed to the tray', () => {
    const { windows, created } = setup();
    const first = windows.open();
    if (first) windows.closed(first);
    const second = windows.open();
    expect(created).toHaveLength(2);
    expect(second).not.toBe(first);
    expect(windows.current()).toBe(second);
  });

  it('does not hand out a destroyed window', () => {
    const { windows, created } = setup();
    const first = windows.open();
    if (first) first.destroyed = true;
    expect(windows.current()).toBeUndefined();
    windows.open();
    expect(created).toHaveLength(2);
  });

  it('opens on a page: a new window starts there, an open one navigates there', () => {
    const { windows, created, navigate } = setup();
    windows.open('#/servers/s1/health');
    expect(created[0]?.route).toBe('#/servers/s1/health');
    expect(navigate).not.toHaveBeenCalled();
    windows.open('#/servers/s2/health');
    expect(navigate).toHaveBeenCalledWith(created[0], '#/servers/s2/health');
    windows.open();
    expect(navigate).toHaveBeenCalledOnce();
  });

  it('opens nothing once quitting has begun', () => {
    const { windows, created } = setup();
    windows.quitting();
    expect(windows.isQuitting()).toBe(true);
    expect(windows.open()).toBeUndefined();
    expect(created).toEqual([]);
  });

  it('forgets only the window that closed', () => {
    const { windows } = setup();
    const first = windows.open();
    windows.closed(new FakeWindow(undefined));
    expect(windows.current()).toBe(first);
  });
});

describe('keepRunningWhenAllClosed', () => {
  it.each([
    ['linux', true, true, true],
    ['linux', true, false, false],
    ['linux', false, true, false],
    ['win32', true, true, true],
    ['win32', false, true, false],
    ['darwin', false, false, true],
  ] as const)('%s, closeToTray %s, tray shown %s: keep running %s', (platform, closeToTray, trayShown, keep) => {
    expect(keepRunningWhenAllClosed({ platform, closeToTray, trayShown })).toBe(keep);
  });
});
