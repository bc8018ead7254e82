import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '@core/paths';

/**
 * Where the tests find the `guardian` CLI they spawn: the build electron-vite makes
 * (out/main/cli.js, what `npm install -g` and the packages ship), so a child starts in a fraction
 * of a second instead of compiling TypeScript on every start. `npm test` builds before it runs
 * Vitest; run alone, a CLI test refuses to run a build older than the code it tests and says how
 * to make a new one.
 *
 * Only tests import this module.
 */

export const builtCliPath = join(packageRoot, 'out', 'main', 'cli.js');

/** What the build is made of: the product's sources (tests, test support and migrations, read at run time, are not bundled). */
const SOURCE_FOLDERS = ['main', 'shared'];
const NOT_BUILT = /\.test\.tsx?$|(^|\/)(testing|migrations)(\/|$)/;

function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (NOT_BUILT.test(relative(packageRoot, path))) continue;
      if (entry.isDirectory()) visit(path);
      else if (/\.(ts|tsx|js|mjs|cjs|json)$/.test(entry.name)) {
        const { mtimeMs } = statSync(path);
        if (mtimeMs > newest.mtimeMs) newest = { file: path, mtimeMs };
      }
    }
  };
  for (const folder of SOURCE_FOLDERS) visit(join(packageRoot, folder));
  return newest;
}

let checked: string | undefined;

/** The built CLI's path; throws, saying what to run, when it is missing or older than a source file. */
export function freshBuiltCli(): string {
  if (checked) return checked;
  const fix = 'Build it with `npm run build` (npm test builds before it runs Vitest), then run the tests again.';
  let builtAt: number;
  try {
    builtAt = statSync(builtCliPath).mtimeMs;
  } catch {
    throw new Error(`These tests run the built CLI, ${relative(packageRoot, builtCliPath)}, and there is none. ${fix}`);
  }
  const newest = newestSource();
  if (newest.mtimeMs > builtAt) {
    throw new Error(`These tests run the built CLI, ${relative(packageRoot, builtCliPath)}, which is older than ${relative(packageRoot, newest.file)}. ${fix}`);
  }
  checked = builtCliPath;
  return checked;
}
