#!/usr/bin/env node
// `npm run coverage`: the whole Vitest suite under V8 coverage, then line and branch coverage per
// layer and per critical module, checked against the floors in coverage-floors.json (raised as
// coverage grows, never lowered). Exits 1 when a test fails or a figure is under its floor.
//
//   node .ci/coverage.mjs [vitest arguments...]   run the suite with coverage, then check
//   node .ci/coverage.mjs --check                 check the last run's coverage/coverage-summary.json
//
// Arguments other than --check go to `vitest run` (a leading `run` is accepted), so a caller can
// add its own reporters, e.g. `--reporter=json --outputFile.json=.reports/vitest.json`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const FLOORS_FILE = fileURLToPath(new URL('coverage-floors.json', import.meta.url));
const REPORTS_DIR = join(root, 'coverage');
const SUMMARY_FILE = join(REPORTS_DIR, 'coverage-summary.json');

/** The layers of docs/architecture.md §2, by folder: a file belongs to the first that holds it. */
export const LAYERS = ['main/core', 'main/headless', 'main/desktop', 'shared', 'preload', 'renderer'];

/** What is product code: every source file of a layer, tested or not, but not the tests and their helpers. */
const INCLUDE = ['main/**/*.ts', 'shared/**/*.ts', 'preload/**/*.ts', 'renderer/src/**/*.{ts,tsx}'];
const EXCLUDE = ['**/*.test.{ts,tsx}', '**/*.d.ts', '**/testing/**'];

export function layerOf(file) {
  return LAYERS.find((layer) => file === layer || file.startsWith(`${layer}/`)) ?? null;
}

const emptyCount = () => ({ covered: 0, total: 0 });

/** A percentage that never rounds up to a floor it has not reached (99.996 is shown 99.99). */
export function percent({ covered, total }) {
  return total === 0 ? 100 : (covered / total) * 100;
}

const shown = (count) => `${(Math.floor(percent(count) * 100) / 100).toFixed(2)} % (${count.covered}/${count.total})`;

/**
 * Gathers Vitest's json-summary (absolute paths → istanbul totals) into files relative to the
 * repository and per-layer sums of lines and branches.
 */
export function summarize(summary, base = root) {
  const files = new Map();
  const layers = new Map(LAYERS.map((layer) => [layer, { files: 0, lines: emptyCount(), branches: emptyCount() }]));
  for (const [path, totals] of Object.entries(summary)) {
    if (path === 'total') continue;
    const file = relative(base, path).split(sep).join('/');
    const entry = {
      lines: { covered: totals.lines.covered, total: totals.lines.total },
      branches: { covered: totals.branches.covered, total: totals.branches.total },
    };
    files.set(file, entry);
    const layer = layers.get(layerOf(file));
    if (!layer) continue;
    layer.files += 1;
    for (const kind of ['lines', 'branches']) {
      layer[kind].covered += entry[kind].covered;
      layer[kind].total += entry[kind].total;
    }
  }
  return { files, layers };
}

/** Every figure with its floor; `failures` says, in words, each one that is under its floor. */
export function checkFloors({ files, layers }, floors) {
  const failures = [];
  const judge = (name, counts, floor = {}) => {
    const row = { name, counts, floor, ok: true };
    for (const kind of ['lines', 'branches']) {
      if (floor[kind] === undefined) continue;
      if (percent(counts[kind]) < floor[kind]) {
        row.ok = false;
        failures.push(`${name}: ${kind} ${shown(counts[kind])} is under its floor of ${floor[kind]} %`);
      }
    }
    return row;
  };
  const layerRows = Object.entries(floors.layers ?? {}).map(([name, floor]) => {
    const layer = layers.get(name);
    if (!layer) {
      failures.push(`${name}: not a layer (coverage-floors.json names a folder the script does not know)`);
      return { name, counts: null, floor, ok: false };
    }
    return judge(name, layer, floor);
  });
  const moduleRows = Object.entries(floors.modules ?? {}).map(([name, floor]) => {
    const file = files.get(name);
    if (!file) {
      failures.push(`${name}: no coverage for it (moved or renamed? coverage-floors.json must name it where it is now)`);
      return { name, counts: null, floor, ok: false };
    }
    return judge(name, file, floor);
  });
  return { layerRows, moduleRows, failures };
}

/** The files of a layer with the most lines no test runs: where new tests pay most. */
export function mostUncovered({ files }, layer, count = 10) {
  return [...files.entries()]
    .filter(([file]) => layerOf(file) === layer)
    .map(([file, entry]) => ({ file, missed: entry.lines.total - entry.lines.covered, lines: entry.lines }))
    .filter((entry) => entry.missed > 0)
    .sort((a, b) => b.missed - a.missed)
    .slice(0, count);
}

export function formatTable(title, rows) {
  const floorText = (floor) =>
    ['lines', 'branches']
      .filter((kind) => floor[kind] !== undefined)
      .map((kind) => `${kind} ≥ ${floor[kind]} %`)
      .join(', ') || '-';
  const lines = [`| ${title} | lines | branches | floor | |`, '|---|---:|---:|---|---|'];
  for (const row of rows) {
    const verdict = row.ok ? 'ok' : 'UNDER FLOOR';
    if (!row.counts) lines.push(`| ${row.name} | - | - | ${floorText(row.floor)} | ${verdict} |`);
    else lines.push(`| ${row.name} | ${shown(row.counts.lines)} | ${shown(row.counts.branches)} | ${floorText(row.floor)} | ${verdict} |`);
  }
  return lines.join('\n');
}

/** What `vitest run` is given to measure coverage the way the floors are judged (npm test runs Vitest with these too). */
export function coverageArgs() {
  return [
    '--coverage.enabled',
    '--coverage.provider=v8',
    `--coverage.reportsDirectory=${REPORTS_DIR}`,
    '--coverage.reporter=json-summary',
    '--coverage.reporter=json',
    // The figures are judged even when a test fails, so the failure says what it cost.
    '--coverage.reportOnFailure',
    ...INCLUDE.map((glob) => `--coverage.include=${glob}`),
    ...EXCLUDE.map((glob) => `--coverage.exclude=${glob}`),
  ];
}

function runVitest(args) {
  const forwarded = args[0] === 'run' ? args.slice(1) : args;
  const coverage = coverageArgs();
  console.log(`vitest run ${[...coverage, ...forwarded].join(' ')}`);
  const run = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...coverage, ...forwarded], { cwd: root, stdio: 'inherit' });
  return run.status ?? 1;
}

function main(argv) {
  const checkOnly = argv.includes('--check');
  const testsStatus = checkOnly ? 0 : runVitest(argv);
  if (!existsSync(SUMMARY_FILE)) {
    console.error(
      `\nNo coverage summary at ${relative(root, SUMMARY_FILE)}: ${checkOnly ? 'run `npm run coverage` first' : 'vitest wrote none (see its output above)'}.`,
    );
    return 1;
  }
  const floors = JSON.parse(readFileSync(FLOORS_FILE, 'utf8'));
  const summary = summarize(JSON.parse(readFileSync(SUMMARY_FILE, 'utf8')));
  const { layerRows, moduleRows, failures } = checkFloors(summary, floors);
  console.log(`\nCoverage (floors in ${relative(root, FLOORS_FILE)}: raised as coverage grows, never lowered)\n`);
  console.log(formatTable('layer', layerRows));
  console.log('');
  console.log(formatTable('critical module', moduleRows));
  const core = mostUncovered(summary, 'main/core');
  if (core.length > 0)
    console.log(
      `\nmain/core files with the most lines no test runs:\n${core.map((entry) => `  ${String(entry.missed).padStart(4)}  ${entry.file}`).join('\n')}`,
    );
  if (testsStatus !== 0) console.error('\nSome tests failed (see above): coverage is judged on what ran.');
  if (failures.length > 0) console.error(`\nUnder the floor:\n${failures.map((failure) => `  ${failure}`).join('\n')}`);
  else console.log('\nEvery figure is at or above its floor.');
  return testsStatus === 0 && failures.length === 0 ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
