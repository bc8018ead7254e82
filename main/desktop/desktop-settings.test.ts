import { describe, expect, it } from 'vitest';
import { createDesktopSettings, DEFAULT_DESKTOP_SETTINGS, memoryStore, readDesktopSettings } from './desktop-settings';
import type { StateStore } from './window-state';

function storeWith(values: Record<string, unknown>): StateStore & { data: Map<string, unknown> } {
  const data = new Map(Object.entries(values));
  return { data, get: (key) => data.get(key), set: (key, value) => void data.set(key, value) };
}

describe('the desktop settings', () => {
  it('default to closing to the tray, showing up to 5 notifications a minute, and the update channel of the version', () => {
    expect(readDesktopSettings(memoryStore())).toEqual({ closeToTray: true, notifications: true, notificationsPerMinute: 5, updateChannel: null });
  });

  it('read what was saved', () => {
    expect(readDesktopSettings(storeWith({ closeToTray: false, notifications: false, notificationsPerMinute: 12, updateChannel: 'beta' }))).toEqual({
      closeToTray: false,
      notifications: false,
      notificationsPerMinute: 12,
      updateChannel: 'beta',
    });
  });

  it('replace a hand-edited, malformed value by its default', () => {
    const settings = readDesktopSettings(storeWith({ closeToTray: 'no', notifications: 0, notificationsPerMinute: 0.5, updateChannel: 'nightly' }));
    expect(settings).toEqual(DEFAULT_DESKTOP_SETTINGS);
    expect(readDesktopSettings(storeWith({ notificationsPerMinute: 1000 })).notificationsPerMinute).toBe(5);
  });

  it('save a change, and ignore an invalid one', () => {
    const store = storeWith({});
    const settings = createDesktopSettings(store);
    expect(settings.set({ closeToTray: false, notificationsPerMinute: -1 })).toMatchObject({ closeToTray: false, notificationsPerMinute: 5 });
    expect(store.data.get('closeToTray')).toBe(false);
    expect(readDesktopSettings(store).closeToTray).toBe(false);
  });

  it('save the update channel, and leave it alone when another setting changes', () => {
    const store = storeWith({});
    const settings = createDesktopSettings(store);
    expect(settings.set({ updateChannel: 'beta' }).updateChannel).toBe('beta');
    expect(settings.set({ notifications: false }).updateChannel).toBe('beta');
    expect(readDesktopSettings(store).updateChannel).toBe('beta');
    expect(settings.set({ updateChannel: null }).updateChannel).toBeNull();
  });

  it('keep a change for this run when the file cannot be written', () => {
    const errors: unknown[] = [];
    const settings = createDesktopSettings(
      {
        get: () => undefined,
        set: () => {
          throw new Error('EROFS');
        },
      },
      (cause) => errors.push(cause),
    );
    settings.set({ notifications: false });
    expect(settings.get().notifications).toBe(false);
    expect(errors).toHaveLength(1);
  });
});
