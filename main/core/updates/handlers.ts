import { AppError } from '@shared/api/errors';
import type { UpdateChannel, UpdatesStatus } from '@shared/api/updates';
import type { Handlers } from '../api/router';

/**
 * The desktop app's updater as the core sees it: given to createCore by main/desktop (from its
 * UpdateController), absent headless and in the CLI.
 */
export interface UpdatesControl {
  status(): UpdatesStatus;
  /** Starts a check; one under way, or an update downloading or waiting, is left alone. */
  check(): void;
  /** Saves the channel and applies it to the updater. */
  setChannel(channel: UpdateChannel): void;
  /** Quits and installs the downloaded update; false (nothing done) when none is ready. */
  install(): boolean;
  /** Every change of the status; returns the unsubscribe. */
  onChange(listener: (status: UpdatesStatus) => void): () => void;
}

export const HEADLESS_UPDATES_REASON = 'Updates are for the desktop app; a server install is updated by whoever installed it.';

const HEADLESS_STATUS: UpdatesStatus = { supported: false, reason: HEADLESS_UPDATES_REASON, channel: 'stable', state: { kind: 'idle' } };

type UpdateMethods = 'updates.status' | 'updates.check' | 'updates.setChannel' | 'updates.install';

/** Why `install` was refused, for the state the updater is in. */
function nothingToInstall(status: UpdatesStatus): AppError {
  const { state } = status;
  const hint =
    state.kind === 'downloading'
      ? `Update ${state.version} is still downloading (${state.percent} %); "Restart now" is offered once it is ready.`
      : state.kind === 'installing'
        ? `Update ${state.version} is already being installed: Guardian is restarting.`
        : 'Check for updates first: an update that is found downloads in the background, and is installed when you quit Guardian or choose "Restart now".';
  return new AppError('CONFLICT', 'No downloaded update is ready to install.', { hint });
}

export function createUpdateHandlers(control: UpdatesControl | undefined): Pick<Handlers, UpdateMethods> {
  /**
   * The control, where updates run; NOT_SUPPORTED_HERE (501) with the reason otherwise: trying
   * again later would not help, so it is not "unavailable" (503).
   */
  const running = (): UpdatesControl => {
    const status = control?.status() ?? HEADLESS_STATUS;
    if (control && status.supported) return control;
    throw new AppError('NOT_SUPPORTED_HERE', 'This Guardian does not update itself.', {
      hint: status.reason ?? HEADLESS_UPDATES_REASON,
    });
  };
  return {
    'updates.status': () => control?.status() ?? HEADLESS_STATUS,
    'updates.check': () => {
      const updates = running();
      updates.check();
      return updates.status();
    },
    'updates.setChannel': ({ channel }) => {
      const updates = running();
      updates.setChannel(channel);
      return updates.status();
    },
    'updates.install': () => {
      const updates = running();
      if (!updates.install()) throw nothingToInstall(updates.status());
      return updates.status();
    },
  };
}
