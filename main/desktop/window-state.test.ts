import { describe, expect, it, vi } from 'vitest';
import {
  clampToArea,
  displayFor,
  restoreWindowState,
  saveWindowState,
  STORE_KEY,
  trackWindowState,
  type DisplayInfo,
  type Rect,
  type StateStore,
  type TrackableWindow,
} from './window-state';

function fakeStore(initial?: unknown): StateStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  if (initial !== undefined) data.set(STORE_KEY, initial);
  return { data, get: (key) => data.get(key), set: (key, value) => void data.set(key, structuredClone(value)) };
}

// A laptop (primary, with a top bar) and an external monitor to its right.
const laptop: DisplayInfo = { id: 1, workArea: { x: 0, y: 25, width: 1440, height: 875 } };
const monitor: DisplayInfo = { id: 2, workArea: { x: 1440, y: 0, width: 2560, height: 1440 } };
const options = { defaultSize: { width: 1280, height: 820 }, minSize: { width: 900, height: 600 } };

function inside(bounds: Rect, area: Rect): boolean {
  return bounds.x >= area.x && bounds.y >= area.y && bounds.x + bounds.width <= area.x + area.width && bounds.y + bounds.height <= area.y + area.height;
}

describe('restoreWindowState', () => {
  it('opens at the default size, centred on the primary display, the first time', () => {
    const state = restoreWindowState(fakeStore(), [laptop, monitor], laptop, options);
    expect(state).toEqual({ bounds: { x: 80, y: 53, width: 1280, height: 820 }, maximized: false });
  });

  it('gives back what was saved, per display', () => {
    const store = fakeStore();
    saveWindowState(store, { bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: false }, [laptop, monitor], laptop);
    saveWindowState(store, { bounds: { x: 2000, y: 100, width: 1600, height: 1000 }, maximized: true }, [laptop, monitor], laptop);
    // Last used: the monitor.
    expect(restoreWindowState(store, [laptop, monitor], laptop, options)).toEqual({
      bounds: { x: 2000, y: 100, width: 1600, height: 1000 },
      maximized: true,
    });
    // Monitor unplugged: the laptop's own state, not the monitor's moved over.
    expect(restoreWindowState(store, [laptop], laptop, options)).toEqual({
      bounds: { x: 100, y: 50, width: 1000, height: 700 },
      maximized: false,
    });
  });

  it('never opens off-screen when the display it was on is gone', () => {
    const store = fakeStore({ last: '2', byDisplay: { '2': { bounds: { x: 3000, y: 900, width: 2400, height: 1300 }, maximized: false } } });
    const state = restoreWindowState(store, [laptop], laptop, options);
    expect(inside(state.bounds, laptop.workArea)).toBe(true);
    expect(state.bounds).toEqual({ x: 80, y: 53, width: 1280, height: 820 });
  });

  it('pulls a window that hangs off its display back in, and shrinks one larger than it', () => {
    const store = fakeStore({ last: '1', byDisplay: { '1': { bounds: { x: -500, y: 700, width: 3000, height: 500 }, maximized: false } } });
    const state = restoreWindowState(store, [laptop, monitor], laptop, options);
    expect(state.bounds).toEqual({ x: 0, y: 300, width: 1440, height: 600 });
    expect(inside(state.bounds, laptop.workArea)).toBe(true);
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'garbage'],
    ['bounds with text', { last: '1', byDisplay: { '1': { bounds: { x: '1', y: 0, width: 10, height: 10 } } } }],
    ['a zero size', { last: '1', byDisplay: { '1': { bounds: { x: 0, y: 0, width: 0, height: 600 } } } }],
    ['NaN', { last: '1', byDisplay: { '1': { bounds: { x: Number.NaN, y: 0, width: 1000, height: 700 } } } }],
  ])('falls back to the default for a stored record that is %s', (_what, raw) => {
    const state = restoreWindowState(fakeStore(raw), [laptop], laptop, options);
    expect(state).toEqual({ bounds: { x: 80, y: 53, width: 1280, height: 820 }, maximized: false });
  });

  it('stays inside a display smaller than the minimum size', () => {
    const tiny: DisplayInfo = { id: 9, workArea: { x: 0, y: 0, width: 800, height: 480 } };
    const state = restoreWindowState(fakeStore(), [tiny], tiny, options);
    expect(state.bounds).toEqual({ x: 0, y: 0, width: 800, height: 480 });
  });
});

describe('clampToArea and displayFor', () => {
  it('keeps a window that already fits where it is', () => {
    expect(clampToArea({ x: 10, y: 30, width: 1000, height: 700 }, laptop.workArea, options.minSize)).toEqual({ x: 10, y: 30, width: 1000, height: 700 });
  });

  it('raises a window below the minimum size to it', () => {
    expect(clampToArea({ x: 10, y: 30, width: 100, height: 100 }, laptop.workArea, options.minSize)).toEqual({ x: 10, y: 30, width: 900, height: 600 });
  });

  it('picks the display showing most of the window, or the primary one when none shows it', () => {
    expect(displayFor({ x: 1300, y: 0, width: 1000, height: 700 }, [laptop, monitor], laptop)).toBe(monitor);
    expect(displayFor({ x: 100, y: 100, width: 1000, height: 700 }, [laptop, monitor], laptop)).toBe(laptop);
    expect(displayFor({ x: -5000, y: -5000, width: 100, height: 100 }, [laptop, monitor], laptop)).toBe(laptop);
  });
});

describe('trackWindowState', () => {
  function fakeWindow(bounds: Rect, maximized: boolean) {
    const listeners: (() => void)[] = [];
    const window: TrackableWindow = {
      getNormalBounds: () => bounds,
      isMaximized: () => maximized,
      isFullScreen: () => false,
      on: (_event, listener) => listeners.push(listener),
    };
    return { window, close: () => listeners.forEach((listener) => listener()) };
  }

  it('saves the normal bounds and the maximised flag when the window closes', () => {
    const store = fakeStore();
    const { window, close } = fakeWindow({ x: 1500, y: 40, width: 1200, height: 900 }, true);
    trackWindowState(window, store, () => ({ displays: [laptop, monitor], primary: laptop }));
    expect(store.data.size).toBe(0);
    close();
    expect(store.data.get(STORE_KEY)).toEqual({
      last: '2',
      byDisplay: { '2': { bounds: { x: 1500, y: 40, width: 1200, height: 900 }, maximized: true } },
    });
  });

  it('reports a failing store instead of throwing out of the close event', () => {
    const onError = vi.fn();
    const store: StateStore = {
      get: () => undefined,
      set: () => {
        throw new Error('disk full');
      },
    };
    const { window, close } = fakeWindow({ x: 0, y: 0, width: 1000, height: 700 }, false);
    trackWindowState(window, store, () => ({ displays: [laptop], primary: laptop }), onError);
    expect(close).not.toThrow();
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'disk full' }));
  });
});
