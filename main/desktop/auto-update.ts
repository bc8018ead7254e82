import { createUpdateController, updateChannelFrom, type UpdateController, type UpdateLog } from './updater';

/**
 * Starts automatic updates in the packaged app. electron-updater is loaded only here, and only
 * when packaged: in a development run it would look for an app-update.yml that does not exist.
 */
export async function startAutoUpdate(input: { packaged: boolean; appVersion: string; log: UpdateLog }): Promise<UpdateController | undefined> {
  if (!input.packaged) return undefined;
  const { default: electronUpdater } = await import('electron-updater');
  const controller = createUpdateController({
    updater: electronUpdater.autoUpdater,
    channel: updateChannelFrom(process.env.GUARDIAN_UPDATE_CHANNEL, input.appVersion),
    environment: { packaged: input.packaged, development: process.env.NODE_ENV === 'development', headless: false },
    log: input.log,
  });
  controller.start();
  return controller;
}
