import { constants, copyFileSync, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError, validationError } from '@shared/api/errors';
import type { OutputFolders } from '@shared/api/schedules';
import { makePrivateDir } from '../file-modes';
import type { SettingsStore } from '../settings';

/**
 * Where scheduled reports may be written: the data folder's reports/, and the folders the owner
 * allows (a setting only the owner role changes). Whoever may schedule jobs picks among them;
 * anything else is refused when the schedule is saved and again when it runs, after resolving
 * symlinks, so a schedule cannot write into ~/.ssh or the data folder's own files.
 *
 * Network paths are refused on sight, before any file call: opening \\host\share (or //host/share)
 * makes Windows sign in to that host as the desktop user, handing it their NTLM hash.
 */

const SETTING = 'schedules.outputFolders';
const StoredFolders = z.array(z.string());

/** Why `folder` is not a local, absolute folder path without `.` or `..`; null when it is. Reads the text only. */
export function folderPathProblem(folder: string): string | null {
  if (/^[\\/]{2}/.test(folder)) return 'A local folder: network paths (\\\\host\\share, //host/share) are refused';
  if (folder.includes('\0')) return 'A folder path cannot hold a NUL character';
  const absolute = process.platform === 'win32' ? /^[A-Za-z]:[\\/]/.test(folder) : folder.startsWith('/');
  if (!absolute) return process.platform === 'win32' ? 'An absolute folder path, e.g. C:\\Reports' : 'An absolute folder path, e.g. /srv/reports';
  if (folder.split(/[\\/]+/).some((part) => part === '.' || part === '..')) return 'A folder path without "." or ".." in it';
  return null;
}

/** The path as compared and stored: separators made one, no trailing separator (but at the root). */
function normalized(folder: string): string {
  const plain = path.normalize(folder);
  return plain.length > path.parse(plain).root.length ? plain.replace(/[\\/]+$/, '') : plain;
}

/** Where a path really leads: its deepest existing part with symlinks resolved, then the rest as written. */
function realLocation(folder: string): string {
  const rest: string[] = [];
  let current = folder;
  for (;;) {
    try {
      return path.join(realpathSync.native(current), ...rest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(current);
      if (parent === current) return folder;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}

/** `child` is `parent` or below it (case-insensitively on Windows, as path.relative compares there). */
function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative));
}

const folderIssue = (message: string) => validationError([{ path: ['params', 'folder'], message }], 'The report’s folder');

export class OutputFolderPolicy {
  constructor(
    private readonly settings: SettingsStore,
    /** The data folder's reports/: always allowed, and the default. */
    readonly defaultFolder: string,
  ) {}

  async list(): Promise<OutputFolders> {
    return { default: this.defaultFolder, folders: await this.settings.get(SETTING, StoredFolders, []) };
  }

  /** Replaces the allowed folders (the owner's call; the handler checks the role). */
  async set(folders: readonly string[]): Promise<OutputFolders> {
    const issues = folders.flatMap((folder, index) => {
      const problem = folderPathProblem(folder);
      return problem ? [{ path: ['folders', index], message: problem }] : [];
    });
    if (issues.length > 0) throw validationError(issues, 'The list of output folders');
    await this.settings.set(SETTING, [...new Set(folders.map(normalized))]);
    return this.list();
  }

  /**
   * The real folder a report may be written to, for a schedule's `folder` param (none: the
   * default). Refuses a malformed path (VALIDATION_FAILED) and one outside the allowed folders
   * once symlinks are resolved (PERMISSION_DENIED), both naming the `folder` param.
   */
  async resolve(folder: string | undefined): Promise<string> {
    if (folder === undefined) return realLocation(this.defaultFolder);
    const problem = folderPathProblem(folder);
    if (problem) throw folderIssue(problem);
    const real = realLocation(normalized(folder));
    const { default: reports, folders } = await this.list();
    if ([reports, ...folders].some((allowed) => isWithin(real, realLocation(allowed)))) return real;
    throw new AppError('PERMISSION_DENIED', `Scheduled reports may not be written to ${folder}.`, {
      hint: `Pick a folder inside one the owner allows (${[reports, ...folders].join(', ')}), or ask an owner to allow it (schedules.setOutputFolders).`,
      issues: [{ path: ['params', 'folder'], message: 'Not inside an allowed output folder' }],
    });
  }

  /**
   * Copies a finished report into `folder` (made if missing), never over another file:
   * `name (2).pdf`. The folder is checked again once it exists, in case a symlink appeared since.
   */
  async saveCopy(folder: string | undefined, source: string, fileName: string): Promise<string> {
    const target = await this.resolve(folder);
    try {
      makePrivateDir(target);
      const real = await this.resolve(realpathSync.native(target));
      const dot = fileName.lastIndexOf('.');
      const [stem, extension] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
      for (let n = 1; ; n++) {
        const file = path.join(real, n === 1 ? fileName : `${stem} (${n})${extension}`);
        if (existsSync(file)) continue;
        copyFileSync(source, file, constants.COPYFILE_EXCL);
        return file;
      }
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      throw new AppError('UNAVAILABLE', `The report was made but could not be written to ${folder ?? this.defaultFolder}: ${(cause as Error).message}`, {
        hint: 'Check that the folder exists or can be created and that Guardian may write there; the file can still be downloaded from the job.',
        cause,
      });
    }
  }
}
