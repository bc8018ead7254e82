#!/usr/bin/env node
// `npm test`: every check Guardian has, in order, then one honest closing line
// "N passed, N failed" counted from the runners' JSON reports (plus one per static step).
// It works on a fresh machine: a missing system part is installed when we are root, or the
// exact command to install it is printed before anything else runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, '.reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

/** System packages the tests drive for real, by the binary that proves each is there. */
const SYSTEM_PARTS = [
  { binary: '/usr/bin/chromium', apt: 'chromium', why: 'end-to-end tests drive the UI in Chromium' },
  { binary: '/usr/bin/ssh-keygen', apt: 'openssh-client', why: 'vault tests check SSH key fingerprints against ssh-keygen' },
  { binary: '/usr/bin/openssl', apt: 'openssl', why: 'TLS tests make a throw-away certificate' },
  { binary: '/usr/sbin/sshd', apt: 'openssh-server', why: 'health checks log in to a real sshd on loopback' },
  { binary: '/usr/bin/pdftoppm', apt: 'poppler-utils', why: 'report tests render PDF pages to PNG' },
];

function ensureSystemParts() {
  const missing = SYSTEM_PARTS.filter((part) => !existsSync(part.binary));
  if (missing.length === 0) return;
  const packages = missing.map((part) => part.apt).join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (isRoot && hasApt) {
    console.log(`Installing ${packages} (${missing.map((part) => part.why).join('; ')})...`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map((part) => part.apt)], { stdio: 'inherit', env });
    if (update.status === 0 && install.status === 0 && missing.every((part) => existsSync(part.binary))) return;
  }
  console.error(`The tests need ${packages}: ${missing.map((part) => part.why).join('; ')}.`);
  console.error(`Install it, then run npm test again:\n\n  sudo apt-get install -y ${packages}\n`);
  process.exit(2);
}

const results = [];
/** A step that cannot run on this machine exits with this (automake's "skipped"); it counts as not run, never as passed. */
const SKIPPED = 77;

function step(name, command, args, env = {}, { skipReason } = {}) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const skipped = skipReason !== undefined && run.status === SKIPPED;
  const ok = run.status === 0;
  console.log(`=== ${name}: ${skipped ? 'skipped' : ok ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  results.push({ name, ok, skipped: skipped ? skipReason : undefined });
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

ensureSystemParts();

const bin = (name) => join(root, 'node_modules', '.bin', name);
step('lint', bin('eslint'), ['--max-warnings', '0', '.']);
step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
step('typecheck (renderer)', bin('tsc'), ['-p', 'renderer/tsconfig.json', '--noEmit']);
step('licenses of what ships (licensee)', process.execPath, ['.ci/supply-chain/licenses.mjs']);
step('secret scan (secretlint)', process.execPath, ['.ci/supply-chain/secrets.mjs']);
step('dependency advisories (npm audit)', process.execPath, ['.ci/supply-chain/audit-deps.mjs'], {}, {
  skipReason: 'the advisory service did not answer from this machine; the GitHub workflow runs it',
});
step('supply-chain checks, tested (node:test)', process.execPath, [
  '--test',
  '.ci/supply-chain/licenses.test.mjs',
  '.ci/supply-chain/audit-deps.test.mjs',
  '.ci/supply-chain/secrets.test.mjs',
]);
const built = step('build', bin('electron-vite'), ['build']);
step('unit and integration (vitest)', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${join(reports, 'vitest.json')}`,
]);
if (built) {
  step('end-to-end (playwright)', bin('playwright'), ['test'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright.json'),
  });
}

let passed = 0;
let failed = 0;
let skipped = 0;
/** What did not run, and why: vitest names the test; Playwright also gives the skip's reason. */
const notRun = [];
for (const result of results) {
  if (result.name.startsWith('unit') || result.name.startsWith('end-to-end')) continue;
  if (result.skipped) {
    skipped++;
    notRun.push(`${result.name}: ${result.skipped}`);
  } else if (result.ok) passed++;
  else failed++;
}

const vitest = readJson(join(reports, 'vitest.json'));
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed += vitest.numFailedTests ?? 0;
  skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  for (const file of vitest.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (['pending', 'skipped', 'todo'].includes(test.status)) notRun.push(`${relative(process.cwd(), file.name)}: ${test.fullName}`);
    }
  }
  if (vitest.success === false && (vitest.numFailedTests ?? 0) === 0) failed++; // a suite failed to load
} else failed++;

if (built) {
  const playwright = readJson(join(reports, 'playwright.json'));
  if (playwright?.stats) {
    passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0);
    failed += playwright.stats.unexpected ?? 0;
    skipped += playwright.stats.skipped ?? 0;
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const test of spec.tests ?? []) {
          if (test.status !== 'skipped') continue;
          const reason = (test.annotations ?? []).find((note) => note.type === 'skip')?.description;
          notRun.push(`${spec.file}: ${spec.title}${reason ? ` (${reason})` : ''}`);
        }
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of playwright.suites ?? []) walk(suite);
    if ((playwright.errors ?? []).length > 0) failed++;
  } else failed++;
} else failed++;

console.log('\n' + results.map((result) => `${result.skipped ? 'skip  ' : result.ok ? 'ok    ' : 'FAILED'} ${result.name}`).join('\n'));
if (skipped) console.log(`\n${skipped} not run:\n${notRun.map((line) => `  ${line}`).join('\n')}`);
// The closing line CI reads, alone on its line.
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
