import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import type { Logger } from './logging/logger';
import type { DataPaths } from './paths';

/**
 * The data folder holds the database (password hashes, TOTP secrets, the sealed vault), logs,
 * backups and the files jobs make: only the user Guardian runs as may read any of it. Folders are
 * made 0700 and files 0600 when Guardian creates them, whatever the process umask. Windows has no
 * such modes (the user profile's ACLs apply there), so these are no-ops on it.
 */

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const POSIX = process.platform !== 'win32';

/** Group or other may read, write or enter it. */
const isLoose = (mode: number) => (mode & 0o077) !== 0;

/** Makes `dir` (and missing parents) 0700; an existing folder keeps its mode. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty file only its owner may read, unless it exists (then left as it is). */
export function createPrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
}

/** Makes an existing file 0600; a file that is not there is fine. */
export function tightenFile(file: string): void {
  if (!POSIX) return;
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Makes the data folder and its parts private where Guardian creates them, and warns about
 * those that already exist with looser modes (left as they are: someone may have chosen that).
 */
export function prepareDataFolder(paths: Pick<DataPaths, 'root' | 'logs' | 'backups' | 'artifacts' | 'reports'>, logger: Logger): void {
  const existing = [paths.root, paths.logs, paths.backups, paths.artifacts, paths.reports].filter((dir) => {
    try {
      return statSync(dir).isDirectory();
    } catch {
      return false;
    }
  });
  makePrivateDir(paths.root);
  if (!POSIX) return;
  const loose = existing.filter((dir) => isLoose(statSync(dir).mode));
  for (const dir of loose) {
    const mode = (statSync(dir).mode & 0o777).toString(8).padStart(4, '0');
    logger.warn({ folder: dir, mode }, `the folder ${dir} may be read by other users (mode ${mode}): it holds Guardian's secrets; run chmod 700 on it`);
  }
}
