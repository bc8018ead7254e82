import { UpdateChannel } from '@shared/api/updates';
import type { StateStore } from './window-state';

// The desktop app's own preferences (not the fleet's: those live in the database). Kept in
// desktop-settings.json in Electron's userData folder by electron-store, read through this
// module so that a hand-edited or damaged value falls back to its default.

export interface DesktopSettings {
  /** Closing the window keeps Guardian polling in the tray (when the desktop has a tray). */
  closeToTray: boolean;
  /** Native notifications when an incident opens or is resolved. */
  notifications: boolean;
  /** Beyond this many notifications a minute, the rest are collapsed into one. */
  notificationsPerMinute: number;
  /** The update channel chosen in Settings → Updates; null: the app's version decides (a beta follows beta). */
  updateChannel: UpdateChannel | null;
}

export const DEFAULT_DESKTOP_SETTINGS: Readonly<DesktopSettings> = {
  closeToTray: true,
  notifications: true,
  notificationsPerMinute: 5,
  updateChannel: null,
};

export const MAX_NOTIFICATIONS_PER_MINUTE = 60;

const asBoolean = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);

function asPerMinute(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_NOTIFICATIONS_PER_MINUTE ? value : fallback;
}

function asChannel(value: unknown, fallback: UpdateChannel | null): UpdateChannel | null {
  if (value === null) return null;
  const parsed = UpdateChannel.safeParse(value);
  return parsed.success ? parsed.data : fallback;
}

/** The settings in `store`, each one that is missing or malformed replaced by its default. */
export function readDesktopSettings(store: StateStore): DesktopSettings {
  const defaults = DEFAULT_DESKTOP_SETTINGS;
  return {
    closeToTray: asBoolean(store.get('closeToTray'), defaults.closeToTray),
    notifications: asBoolean(store.get('notifications'), defaults.notifications),
    notificationsPerMinute: asPerMinute(store.get('notificationsPerMinute'), defaults.notificationsPerMinute),
    updateChannel: asChannel(store.get('updateChannel'), defaults.updateChannel),
  };
}

export interface DesktopSettingsStore {
  get(): DesktopSettings;
  /** Saves the given settings (invalid values are ignored) and answers all of them. */
  set(patch: Partial<DesktopSettings>): DesktopSettings;
}

export function createDesktopSettings(store: StateStore, onError: (cause: unknown) => void = () => undefined): DesktopSettingsStore {
  let current = readDesktopSettings(store);
  return {
    get: () => ({ ...current }),
    set(patch) {
      const next: DesktopSettings = {
        closeToTray: asBoolean(patch.closeToTray, current.closeToTray),
        notifications: asBoolean(patch.notifications, current.notifications),
        notificationsPerMinute: asPerMinute(patch.notificationsPerMinute, current.notificationsPerMinute),
        updateChannel: patch.updateChannel === undefined ? current.updateChannel : asChannel(patch.updateChannel, current.updateChannel),
      };
      current = next;
      try {
        for (const [key, value] of Object.entries(next)) store.set(key, value);
      } catch (cause) {
        // Kept for this run even when the file cannot be written (read-only or full disk).
        onError(cause);
      }
      return { ...current };
    },
  };
}

/** A store that forgets on quit: used when the settings file cannot be opened at all. */
export function memoryStore(): StateStore {
  const data = new Map<string, unknown>();
  return { get: (key) => data.get(key), set: (key, value) => void data.set(key, value) };
}
