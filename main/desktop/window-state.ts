// Remembers the main window's size, position and maximised state between runs, one record per
// display, and never reopens it off-screen: saved bounds are clamped into a display's work area.
// Pure apart from the injected store and displays, so no Electron is needed to test it.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What Electron's `screen.getAllDisplays()` gives, reduced to what placement needs. */
export interface DisplayInfo {
  id: number;
  workArea: Rect;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

/** A tiny key-value store; electron-store in the app, a Map in tests. */
export interface StateStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

export interface WindowSize {
  width: number;
  height: number;
}

export interface WindowStateOptions {
  defaultSize: WindowSize;
  minSize: WindowSize;
}

/** The record kept under STORE_KEY: the display used last, and a state per display. */
interface SavedStates {
  last: string;
  byDisplay: Record<string, WindowState>;
}

export const STORE_KEY = 'mainWindow';

export function displayKey(display: DisplayInfo): string {
  return String(display.id);
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function asRect(value: unknown): Rect | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { x, y, width, height } = value as Record<string, unknown>;
  if (!isFiniteNumber(x) || !isFiniteNumber(y) || !isFiniteNumber(width) || !isFiniteNumber(height)) return undefined;
  if (width <= 0 || height <= 0) return undefined;
  return { x, y, width, height };
}

function asState(value: unknown): WindowState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const bounds = asRect(record.bounds);
  if (!bounds) return undefined;
  return { bounds, maximized: record.maximized === true };
}

/** The stored record, with anything malformed (hand-edited, older format) dropped. */
function readSaved(store: StateStore): SavedStates {
  const raw = store.get(STORE_KEY);
  const saved: SavedStates = { last: '', byDisplay: {} };
  if (typeof raw !== 'object' || raw === null) return saved;
  const record = raw as Record<string, unknown>;
  if (typeof record.last === 'string') saved.last = record.last;
  const byDisplay = record.byDisplay;
  if (typeof byDisplay === 'object' && byDisplay !== null) {
    for (const [key, value] of Object.entries(byDisplay as Record<string, unknown>)) {
      const state = asState(value);
      if (state) saved.byDisplay[key] = state;
    }
  }
  return saved;
}

function overlapArea(a: Rect, b: Rect): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

/** The display showing most of `bounds`; the primary one when none shows any of it. */
export function displayFor(bounds: Rect, displays: readonly DisplayInfo[], primary: DisplayInfo): DisplayInfo {
  let best = primary;
  let bestArea = 0;
  for (const display of displays) {
    const area = overlapArea(bounds, display.workArea);
    if (area > bestArea) {
      best = display;
      bestArea = area;
    }
  }
  return best;
}

function clampNumber(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

/**
 * `bounds` moved and shrunk to fit entirely inside `area`; never smaller than `minSize` unless
 * the area itself is smaller. Whole pixels, as Electron wants them.
 */
export function clampToArea(bounds: Rect, area: Rect, minSize: WindowSize): Rect {
  const width = Math.round(Math.min(Math.max(bounds.width, Math.min(minSize.width, area.width)), area.width));
  const height = Math.round(Math.min(Math.max(bounds.height, Math.min(minSize.height, area.height)), area.height));
  const x = Math.round(clampNumber(bounds.x, area.x, area.x + area.width - width));
  const y = Math.round(clampNumber(bounds.y, area.y, area.y + area.height - height));
  return { x, y, width, height };
}

function centred(size: WindowSize, area: Rect, minSize: WindowSize): Rect {
  const rect = {
    x: area.x + (area.width - size.width) / 2,
    y: area.y + (area.height - size.height) / 2,
    width: size.width,
    height: size.height,
  };
  return clampToArea(rect, area, minSize);
}

/**
 * Where the window opens: the state saved for the display used last if it is still attached,
 * else the one saved for the primary display, else the default size centred on the primary
 * display. Always inside a display's work area.
 */
export function restoreWindowState(store: StateStore, displays: readonly DisplayInfo[], primary: DisplayInfo, options: WindowStateOptions): WindowState {
  const saved = readSaved(store);
  const attached = displays.length > 0 ? displays : [primary];
  const candidates = [attached.find((display) => displayKey(display) === saved.last), primary];
  for (const display of candidates) {
    const state = display && saved.byDisplay[displayKey(display)];
    if (display && state) {
      return { bounds: clampToArea(state.bounds, display.workArea, options.minSize), maximized: state.maximized };
    }
  }
  return { bounds: centred(options.defaultSize, primary.workArea, options.minSize), maximized: false };
}

/** Records `state` for the display showing most of it, and makes that display the last used. */
export function saveWindowState(store: StateStore, state: WindowState, displays: readonly DisplayInfo[], primary: DisplayInfo): void {
  const bounds = asRect(state.bounds);
  if (!bounds) return;
  const key = displayKey(displayFor(bounds, displays, primary));
  const saved = readSaved(store);
  saved.byDisplay[key] = { bounds, maximized: state.maximized };
  saved.last = key;
  store.set(STORE_KEY, saved);
}

/** The part of a BrowserWindow that tracking needs. */
export interface TrackableWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  on(event: 'close', listener: () => void): unknown;
}

/**
 * Saves the window's state when it closes. The normal (unmaximised) bounds are kept, so a
 * maximised window restores to its previous size when un-maximised next run.
 */
export function trackWindowState(
  window: TrackableWindow,
  store: StateStore,
  screen: () => { displays: readonly DisplayInfo[]; primary: DisplayInfo },
  onError: (cause: unknown) => void = () => undefined,
): void {
  window.on('close', () => {
    try {
      const { displays, primary } = screen();
      const maximized = window.isMaximized() || window.isFullScreen();
      saveWindowState(store, { bounds: window.getNormalBounds(), maximized }, displays, primary);
    } catch (cause) {
      onError(cause);
    }
  });
}
