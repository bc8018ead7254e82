import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

const PACKAGE_NAME = 'guardian-server-manager';

/**
 * The folder holding Guardian's package.json. Found by walking up, because this module runs
 * from source (tsx, tests), from the bundle in out/main, and from inside an asar archive.
 */
function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${PACKAGE_NAME}'s package.json above ${start}`);
    dir = parent;
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

export const packageInfo = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
  productName: string;
};

export const migrationsDir = join(packageRoot, 'main', 'core', 'db', 'migrations');
/** drizzle-kit's migrations for PostgreSQL: the same tables in that dialect (docs/architecture.md §4). */
export const postgresMigrationsDir = join(packageRoot, 'main', 'core', 'db', 'migrations-pg');
export const rendererDir = join(packageRoot, 'out', 'renderer');

/** The per-user data folder: ~/.local/share/guardian on Linux, the platform's equivalent elsewhere. */
export function defaultDataDir(): string {
  return envPaths('guardian', { suffix: '' }).data;
}

/** Everything Guardian writes lives under the data dir; these are its parts. */
export function dataPaths(dataDir: string) {
  const root = resolve(dataDir);
  return {
    root,
    database: join(root, 'guardian.db'),
    backups: join(root, 'backups'),
    /** Files jobs produce (exports, reports), one folder per job. */
    artifacts: join(root, 'artifacts'),
    /** Where scheduled reports are written unless their schedule names a folder. */
    reports: join(root, 'reports'),
    logs: join(root, 'logs'),
    logFile: join(root, 'logs', 'guardian.log'),
    /** The one-time first-run token of `guardian serve`, while no owner exists. */
    setupToken: join(root, 'setup-token'),
  };
}
export type DataPaths = ReturnType<typeof dataPaths>;
