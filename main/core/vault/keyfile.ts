import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { AppError } from '@shared/api/errors';
import type { KeyFileAvailability } from '@shared/api/vault';

/** A key file is small: enough for any sensible key, and a cap on what a wrong path can make us read. */
export const KEY_FILE_MAX_BYTES = 64 * 1024;
export const KEY_FILE_MIN_BYTES = 32;

/**
 * The key file this installation was given: by the operator on the command line, the
 * environment or a systemd credential (`guardian serve`), or picked in the desktop's file dialog.
 * Never a path from a caller: `{ kind: 'keyfile' }` in the contract means "this key file".
 */
export interface KeyFileSource {
  availability(): KeyFileAvailability;
  /** The file's bytes; the caller zeroes them. `purpose` titles a dialog, where there is one. */
  read(purpose: string): Promise<Buffer>;
}

/** Where no key file was given: the reason says how to give one. */
export const NO_KEY_FILE: KeyFileSource = {
  availability: () => ({
    source: 'none',
    reason: 'No key file was given to Guardian: start the service with --vault-key-file, GUARDIAN_VAULT_KEY_FILE or a systemd credential named vault-key.',
  }),
  read: () =>
    Promise.reject(
      new AppError('UNAVAILABLE', 'No vault key file was given to this Guardian.', {
        hint: 'Start guardian serve with --vault-key-file (or GUARDIAN_VAULT_KEY_FILE, or a systemd credential named vault-key), or unlock with a passphrase.',
        retryable: false,
      }),
    ),
};

/** The key file the operator configured at `path`. */
export function configuredKeyFile(path: string): KeyFileSource {
  return {
    availability: () => ({ source: 'configured', reason: 'The key file this service was started with (--vault-key-file or its equivalents).' }),
    read: () => readKeyFile(path),
  };
}

const unreadable = (path: string, why: string) =>
  new AppError('VALIDATION_FAILED', `The vault key file ${path} cannot be read (${why}).`, {
    hint: 'Check the path and that Guardian’s user may read it (e.g. chmod 400, owned by the service user).',
    retryable: false,
  });

const wrongSize = (path: string, what: string) =>
  new AppError('VALIDATION_FAILED', `The vault key file ${path} ${what}.`, {
    hint: 'A key file holds 32 bytes to 64 KiB of random data; make one with: head -c 64 /dev/urandom > vault.key && chmod 400 vault.key',
    retryable: false,
  });

// Absent on Windows, where neither a FIFO open nor a symlink needs them.
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * A key file's bytes, read without ever blocking: opened non-blocking (a FIFO without a writer
 * cannot hang the open), refused unless the opened file is a regular one (no FIFO, device or
 * folder, checked on the descriptor itself, so a swap after the check changes nothing), and read
 * up to a cap. A symbolic link is followed: the path comes from the operator, and what is checked
 * is the file it leads to.
 */
export async function readKeyFile(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NONBLOCK);
  } catch (cause) {
    throw unreadable(path, (cause as NodeJS.ErrnoException).code ?? 'error');
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw unreadable(path, 'EISDIR');
    if (!stats.isFile()) throw unreadable(path, 'not a regular file');
    if (stats.size > KEY_FILE_MAX_BYTES) throw wrongSize(path, 'is larger than 64 KiB');
    const buffer = Buffer.alloc(KEY_FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > KEY_FILE_MAX_BYTES) {
        buffer.fill(0);
        throw wrongSize(path, 'is larger than 64 KiB');
      }
    }
    const bytes = Buffer.from(buffer.subarray(0, length));
    buffer.fill(0);
    if (bytes.length < KEY_FILE_MIN_BYTES) {
      const size = bytes.length;
      bytes.fill(0);
      throw wrongSize(path, `holds ${size} bytes; at least ${KEY_FILE_MIN_BYTES} are needed`);
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
