#!/usr/bin/env node
// `npm test`: every check Guardian has, then one honest closing line "N passed, N failed"
// counted from the runners' JSON reports (plus one per static step), after a table of how long
// each step took. The static steps (lint, type-checks, build, supply chain) run side by side;
// Vitest (under V8 coverage) starts once the build has ended (the CLI tests run the built
// out/main/cli.js), Playwright once Vitest has (both want the whole machine); the coverage
// floors are judged when Vitest ends.
// It works on a fresh machine: a missing system part is installed when we are root, or the
// exact command to install it is printed before anything else runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { coverageArgs } from './coverage.mjs';
import { closing, tally } from './reports.mjs';
import { runSteps, timesTable } from './steps.mjs';

const root = new URL('..', import.meta.url).pathname;
const reports = join(root, '.reports');
rmSync(reports, { recursive: true, force: true });
rmSync(join(root, 'coverage'), { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

/** System packages the tests drive for real, by the binary that proves each is there. */
const SYSTEM_PARTS = [
  { binary: '/usr/bin/chromium', apt: 'chromium', why: 'end-to-end tests drive the UI in Chromium' },
  { binary: '/usr/bin/ssh-keygen', apt: 'openssh-client', why: 'vault tests check SSH key fingerprints against ssh-keygen' },
  { binary: '/usr/bin/openssl', apt: 'openssl', why: 'TLS tests make a throw-away certificate' },
  { binary: '/usr/sbin/sshd', apt: 'openssh-server', why: 'health checks log in to a real sshd on loopback' },
  { binary: '/usr/bin/pdftoppm', apt: 'poppler-utils', why: 'report tests render PDF pages to PNG' },
  // postgresql-common's; the server itself is /usr/lib/postgresql/<major>/bin, found by main/core/testing/postgres.ts.
  { binary: '/usr/bin/pg_ctlcluster', apt: 'postgresql', why: 'the PostgreSQL engine is tested against a real server in a temp folder' },
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

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

ensureSystemParts();

const bin = (name) => join(root, 'node_modules', '.bin', name);
// TypeScript 7, the native compiler, type-checks in a tenth of 5.9's time; 5.9 stays for the tools
// that need its compiler API (typescript-eslint), which is why 7 is installed under another name.
const TSC = join(root, 'node_modules', 'typescript-7', 'bin', 'tsc');
const VITEST = 'unit and integration (vitest)';
const PLAYWRIGHT = 'end-to-end (playwright)';
const COVERAGE = 'coverage floors';
const staticSteps = [
  { name: 'lint', command: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'lint with types (oxlint)', command: bin('oxlint'), args: ['--type-aware', '--deny-warnings'] },
  { name: 'formatting (prettier)', command: bin('prettier'), args: ['--check', '.'] },
  { name: 'typecheck (node)', command: process.execPath, args: [TSC, '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'typecheck (renderer)', command: process.execPath, args: [TSC, '-p', 'renderer/tsconfig.json', '--noEmit'] },
  { name: 'build', command: bin('electron-vite'), args: ['build'] },
  { name: 'licenses of what ships (licensee)', command: process.execPath, args: ['.ci/supply-chain/licenses.mjs'] },
  { name: 'secret scan (secretlint)', command: process.execPath, args: ['.ci/supply-chain/secrets.mjs'] },
  {
    name: 'dependency advisories (npm audit)',
    command: process.execPath,
    args: ['.ci/supply-chain/audit-deps.mjs'],
    skipReason: 'the advisory service did not answer from this machine; the GitHub workflow runs it',
  },
  {
    name: 'CI scripts, tested (node:test)',
    command: process.execPath,
    args: [
      '--test',
      '.ci/coverage.test.mjs',
      '.ci/reports.test.mjs',
      '.ci/supply-chain/licenses.test.mjs',
      '.ci/supply-chain/audit-deps.test.mjs',
      '.ci/supply-chain/secrets.test.mjs',
    ],
  },
];
// The static steps but the build run at a lower priority: Vitest and then Playwright are the run's
// critical path, and the static steps (about 90 CPU-seconds) fit in the moments those leave a core
// idle, instead of taking it from Vitest's start (docs/quality.md, Running the tests).
const BESIDE = 5;
const started = Date.now();
const results = await runSteps(
  [
    ...staticSteps.map((step) => (step.name === 'build' ? step : { ...step, niceness: BESIDE })),
    {
      // Without a build the CLI tests say so (main/headless/testing/built-cli.ts); the rest still run.
      name: VITEST,
      command: bin('vitest'),
      args: ['run', ...coverageArgs(), '--reporter=dot', '--reporter=json', `--outputFile.json=${join(reports, 'vitest.json')}`],
      after: ['build'],
    },
    {
      // The table per layer and per critical module, judged against .ci/coverage-floors.json.
      name: COVERAGE,
      command: process.execPath,
      args: ['.ci/coverage.mjs', '--check'],
      after: [VITEST],
    },
    {
      // After Vitest, not beside it: side by side on two cores both took twice as long, and
      // tests with child processes ran past their timeouts.
      name: PLAYWRIGHT,
      command: bin('playwright'),
      args: ['test'],
      env: { PLAYWRIGHT_JSON_OUTPUT_NAME: join(reports, 'playwright.json') },
      after: [...staticSteps.map((step) => step.name), VITEST],
      requires: 'build',
      stream: true,
    },
  ],
  root,
);
const built = results.find((result) => result.name === 'build')?.ok === true;

const steps = results.filter((result) => result.name !== VITEST && result.name !== PLAYWRIGHT);
const vitest = readJson(join(reports, 'vitest.json'));
const playwright = built ? readJson(join(reports, 'playwright.json')) : undefined;
const count = tally(steps, vitest, playwright, process.cwd());

console.log(`\n${timesTable(results, Date.now() - started)}`);
// Ends with the closing line CI reads, alone on its line.
console.log(`\n${closing(count)}`);
process.exit(count.failed === 0 ? 0 : 1);
