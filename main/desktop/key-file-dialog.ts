import { AppError } from '@shared/api/errors';
import { readKeyFile, type KeyFileSource } from '@core/vault/keyfile';

/** The part of Electron's dialog module picking a key file uses. */
export interface OpenDialogLike {
  showOpenDialog(options: { title: string; buttonLabel: string; properties: 'openFile'[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
}

/**
 * The desktop app's vault key file: the person picks it in the native open dialog each time one
 * is needed, so no path ever comes from the page. Read with the same checks as a configured one
 * (a regular file, 32 bytes to 64 KiB, never blocking).
 */
export function keyFileFromDialog(dialog: OpenDialogLike): KeyFileSource {
  return {
    availability: () => ({ source: 'dialog', reason: 'You choose the key file on this computer when it is needed.' }),
    async read(purpose) {
      const choice = await dialog.showOpenDialog({ title: purpose, buttonLabel: 'Use this key file', properties: ['openFile'] });
      const path = choice.filePaths[0];
      if (choice.canceled || path === undefined) {
        throw new AppError('CANCELLED', 'No key file was chosen; nothing was changed.', { hint: 'Choose the key file to go on, or use a passphrase.' });
      }
      return readKeyFile(path);
    },
  };
}
