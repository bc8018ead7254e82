import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import type { UpdaterLike } from '../updater';

/** Stands in for electron-updater's autoUpdater: the test emits its events by hand. */
export class FakeUpdater extends EventEmitter implements UpdaterLike {
  autoDownload = true;
  autoInstallOnAppQuit = false;
  allowPrerelease = false;
  allowDowngrade = false;
  channel: string | null = null;
  checkForUpdates = vi.fn(() => Promise.resolve(null));
  downloadUpdate = vi.fn(() => Promise.resolve([]));
  quitAndInstall = vi.fn();
}
