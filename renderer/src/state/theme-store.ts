import { useSyncExternalStore } from 'react';
import { create } from 'zustand';

export type Theme = 'light' | 'dark';

const STORAGE_KEY = 'guardian.theme';
const DARK_QUERY = '(prefers-color-scheme: dark)';

function readStored(): Theme | null {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

function writeStored(theme: Theme): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, theme);
  } catch {
    // Storage can be disabled (private mode, policies): the choice then lasts for this page only.
  }
}

interface ThemeState {
  /** What the person chose; null follows the operating system. */
  chosen: Theme | null;
  choose(theme: Theme): void;
}

export const useThemeStore = create<ThemeState>((set) => ({
  chosen: readStored(),
  choose(theme) {
    writeStored(theme);
    set({ chosen: theme });
  },
}));

function subscribeSystem(onChange: () => void): () => void {
  const media = globalThis.matchMedia?.(DARK_QUERY);
  if (!media) return () => undefined;
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}

const systemTheme = (): Theme => (globalThis.matchMedia?.(DARK_QUERY).matches ? 'dark' : 'light');

/** The theme on screen: the person's choice, else the operating system's. */
export function useEffectiveTheme(): Theme {
  const chosen = useThemeStore((state) => state.chosen);
  const system = useSyncExternalStore(subscribeSystem, systemTheme, () => 'light' as const);
  return chosen ?? system;
}

/** Sets `data-theme` on <html>, which pins the color-scheme that tokens.css resolves against. */
export function applyTheme(root: HTMLElement, theme: Theme): void {
  root.dataset.theme = theme;
}
