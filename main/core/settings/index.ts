// What other domains may use of settings (docs/architecture.md §2): the store each reads its own keys through.
export type { SettingsStore } from './store';
