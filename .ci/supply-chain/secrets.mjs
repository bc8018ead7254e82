#!/usr/bin/env node
// `npm run secrets`: secretlint (the recommended preset, .secretlintrc.json) over every file git
// would commit: tracked files and new ones not ignored by .gitignore, so build output,
// node_modules and test artifacts are not read. Files given as arguments are scanned instead.
//
// .secretlintignore may list only test files, each under a comment saying why; anything else
// there fails the scan, so the list cannot quietly grow into a hiding place.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const TEST_FILE = /(^|\/)testing\/|\.(test|spec)\.[cm]?[jt]sx?$/;

/** Problems with an ignore file's entries: no reason given, not a test file, or gone. */
export function checkIgnoreList(text, root) {
  const problems = [];
  let reason = false;
  for (const line of text.split('\n').map((entry) => entry.trim())) {
    if (line === '') {
      reason = false;
    } else if (line.startsWith('#')) {
      reason = true;
    } else {
      if (!reason) problems.push(`${line}: no comment above it says why`);
      if (!TEST_FILE.test(line)) problems.push(`${line}: only test files may be ignored`);
      if (!existsSync(join(root, line))) problems.push(`${line}: no such file; remove the entry`);
    }
  }
  return problems;
}

function filesGitWouldCommit(root) {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr.trim()}`);
  // A file deleted in the work tree but still in the index is not there to read.
  return listed.stdout.split('\0').filter((file) => file !== '' && existsSync(join(root, file)));
}

function main() {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const ignoreFile = join(root, '.secretlintignore');
  const problems = existsSync(ignoreFile) ? checkIgnoreList(readFileSync(ignoreFile, 'utf8'), root) : [];
  for (const problem of problems) console.error(`.secretlintignore: ${problem}`);

  const files = process.argv.length > 2 ? process.argv.slice(2) : filesGitWouldCommit(root);
  const secretlint = join(root, 'node_modules', '.bin', 'secretlint');
  const scan = spawnSync(secretlint, ['--no-glob', '--format', 'stylish', ...files], { cwd: root, stdio: 'inherit' });
  if (scan.status === 0) console.log(`secretlint: ${files.length} files, no secrets`);
  process.exit(scan.status === 0 && problems.length === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
