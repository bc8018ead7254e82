import { UpdateChannel, type UpdatesStatus } from '@shared/api/updates';
import type { UpdatesControl } from '@core/updates/handlers';
import type { DesktopSettingsStore } from './desktop-settings';
import {
  createUpdateController,
  IDLE,
  updateChannelFrom,
  updatesDisabledReason,
  type UpdateController,
  type UpdateEnvironment,
  type UpdateLog,
  type UpdaterLike,
  type UpdateTimer,
} from './updater';

export interface DesktopUpdatesOptions {
  environment: UpdateEnvironment;
  appVersion: string;
  /** `GUARDIAN_UPDATE_CHANNEL`: when it names a channel it wins over the saved choice at start. */
  channelOverride: string | undefined;
  /** desktop-settings.json, where Settings → Updates saves the channel. */
  settings: DesktopSettingsStore;
  /** electron-updater's `autoUpdater`, loaded only once updates may run. */
  loadUpdater: () => Promise<UpdaterLike>;
  log: UpdateLog;
  timer?: UpdateTimer;
}

export interface DesktopUpdates {
  /** What the core serves as `updates.*` and `update.status` (CoreOptions.updates). */
  control: UpdatesControl;
  /** Loads the updater and starts checking; does nothing where updates are off. */
  start(): Promise<void>;
  stop(): void;
}

/** The channel at start: the environment's override, else the saved choice, else the app's version. */
export function startChannel(override: string | undefined, saved: UpdateChannel | null, appVersion: string): UpdateChannel {
  const overridden = UpdateChannel.safeParse(override);
  return updateChannelFrom(overridden.success ? overridden.data : (saved ?? undefined), appVersion);
}

/**
 * The updater as the core and the UI see it. Its status exists from the start (the core is
 * built before electron-updater has loaded); the UpdateController behind it arrives with
 * `start()`, in the packaged app only.
 */
export function createDesktopUpdates(options: DesktopUpdatesOptions): DesktopUpdates {
  const { settings, log } = options;
  const reason = updatesDisabledReason(options.environment) ?? null;
  const listeners = new Set<(status: UpdatesStatus) => void>();
  let channel = startChannel(options.channelOverride, settings.get().updateChannel, options.appVersion);
  let controller: UpdateController | undefined;
  let stopped = false;

  const status = (): UpdatesStatus => ({ supported: reason === null, reason, channel, state: controller?.state() ?? IDLE });
  const changed = () => {
    const current = status();
    for (const listener of listeners) listener(current);
  };

  const control: UpdatesControl = {
    status,
    check: () => void controller?.check(),
    setChannel(next) {
      // Saved even when it is the channel already in use: an explicit choice outlives a beta version.
      settings.set({ updateChannel: next });
      if (next === channel) return;
      channel = next;
      controller?.setChannel(next);
      changed();
    },
    install: () => controller?.installNow() ?? false,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    control,
    async start() {
      if (reason !== null) {
        log.info({ reason }, 'update: automatic updates are off');
        return;
      }
      if (controller) return;
      const updater = await options.loadUpdater();
      if (stopped || controller) return;
      controller = createUpdateController({
        updater,
        channel,
        environment: options.environment,
        log,
        timer: options.timer,
        onChange: changed,
      });
      controller.start();
    },
    stop() {
      stopped = true;
      controller?.stop();
    },
  };
}

/** electron-updater, imported only here: in a development run it would look for an app-update.yml that does not exist. */
export async function loadElectronUpdater(): Promise<UpdaterLike> {
  const { default: electronUpdater } = await import('electron-updater');
  return electronUpdater.autoUpdater;
}
