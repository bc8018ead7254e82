import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';
import type { StoreApi } from 'zustand';

// Every renderer test file's set-up (vitest.config.ts, project "dom"): the files share a worker's
// module cache and document, so after each test the page is emptied and every app-wide store
// (each `*-store.ts`, found here so a new one cannot be forgotten) is back to how the app starts,
// with empty storage, as on a fresh load. Registered here, not in a module a test imports: a
// module is evaluated once per worker, and its hook would run for the first file only.

type Store = Pick<StoreApi<unknown>, 'setState' | 'getInitialState'>;

const isStore = (value: unknown): value is Store =>
  typeof value === 'function' && 'getInitialState' in value && typeof value.getInitialState === 'function' && 'setState' in value;

const stores = Object.values(import.meta.glob<Record<string, unknown>>(['../**/*-store.ts'], { eager: true }))
  .flatMap((exports) => Object.values(exports))
  .filter(isStore);
if (stores.length === 0) throw new Error('renderer/src/testing/setup.ts found no *-store.ts to reset: is its glob still right?');

afterEach(() => {
  cleanup();
  for (const store of stores) store.setState(store.getInitialState(), true);
  localStorage.clear();
  sessionStorage.clear();
  window.location.hash = '';
});
