import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const STORAGE_KEY = 'guardian.theme';

/** A `prefers-color-scheme: dark` media query the test flips, as the OS setting would. */
function systemScheme(dark: boolean) {
  const listeners = new Set<() => void>();
  const media = {
    get matches() {
      return dark;
    },
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  };
  vi.stubGlobal('matchMedia', (query: string) => {
    expect(query).toBe('(prefers-color-scheme: dark)');
    return media;
  });
  return {
    set(next: boolean) {
      dark = next;
      for (const listener of listeners) listener();
    },
  };
}

/** The store as a fresh page load makes it, reading what was stored. */
async function freshStore() {
  vi.resetModules();
  return import('./theme-store');
}

beforeEach(() => localStorage.clear());

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('the theme', () => {
  it('follows the operating system until the person chooses, live', async () => {
    const system = systemScheme(false);
    const { useEffectiveTheme } = await freshStore();
    const { result } = renderHook(() => useEffectiveTheme());
    expect(result.current).toBe('light');
    act(() => system.set(true));
    expect(result.current).toBe('dark');
  });

  it('keeps the person’s choice over the system’s, and remembers it for the next load', async () => {
    systemScheme(true);
    const { useEffectiveTheme, useThemeStore } = await freshStore();
    const { result } = renderHook(() => useEffectiveTheme());
    act(() => useThemeStore.getState().choose('light'));
    expect(result.current).toBe('light');
    expect(localStorage.getItem(STORAGE_KEY)).toBe('light');

    const reloaded = await freshStore();
    expect(reloaded.useThemeStore.getState().chosen).toBe('light');
  });

  it('ignores a stored value that is not a theme', async () => {
    systemScheme(true);
    localStorage.setItem(STORAGE_KEY, 'purple');
    const { useEffectiveTheme, useThemeStore } = await freshStore();
    expect(useThemeStore.getState().chosen).toBeNull();
    expect(renderHook(() => useEffectiveTheme()).result.current).toBe('dark');
  });

  it('still switches for this page when storage refuses writes', async () => {
    systemScheme(false);
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    const { useThemeStore } = await freshStore();
    act(() => useThemeStore.getState().choose('dark'));
    expect(useThemeStore.getState().chosen).toBe('dark');
    vi.restoreAllMocks();
  });

  it('pins the page’s color scheme with data-theme on the root', async () => {
    const { applyTheme } = await freshStore();
    const root = document.createElement('html');
    applyTheme(root, 'dark');
    expect(root.getAttribute('data-theme')).toBe('dark');
  });
});
