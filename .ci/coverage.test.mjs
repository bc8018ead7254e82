// The coverage floors bite: a figure under its floor fails and is named, a module the floors file
// names but the run did not measure fails, and the floors file names only what exists.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { checkFloors, FLOORS_FILE, formatTable, LAYERS, layerOf, mostUncovered, percent, summarize } from './coverage.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Vitest's json-summary for a few files: absolute path → istanbul totals. */
function summaryOf(files) {
  const totals = (covered, total) => ({ covered, total, skipped: 0, pct: total ? (covered / total) * 100 : 100 });
  return Object.fromEntries([
    ['total', {}],
    ...Object.entries(files).map(([file, { lines, branches }]) => [
      join(root, file),
      { lines: totals(...lines), branches: totals(...branches), statements: totals(0, 0), functions: totals(0, 0) },
    ]),
  ]);
}

const FLOORS = {
  layers: { 'main/core': { lines: 90 }, renderer: { lines: 75 } },
  modules: { 'main/core/auth/sessions.ts': { lines: 100, branches: 100 } },
};

describe('coverage floors', () => {
  it('pass when every figure is at or above its floor', () => {
    const summary = summarize(
      summaryOf({
        'main/core/auth/sessions.ts': { lines: [32, 32], branches: [19, 19] },
        'main/core/servers/service.ts': { lines: [58, 68], branches: [10, 20] },
        'renderer/src/app/App.tsx': { lines: [3, 4], branches: [1, 2] },
      }),
    );
    const { failures, layerRows, moduleRows } = checkFloors(summary, FLOORS);
    assert.deepEqual(failures, []);
    assert.deepEqual(
      layerRows.map((row) => [row.name, row.counts.lines]),
      [
        ['main/core', { covered: 90, total: 100 }],
        ['renderer', { covered: 3, total: 4 }],
      ],
    );
    assert.equal(moduleRows[0].ok, true);
  });

  it('fail on one branch short of 100 % in a critical module, and on a layer just under its floor, naming both', () => {
    const summary = summarize(
      summaryOf({
        'main/core/auth/sessions.ts': { lines: [32, 32], branches: [18, 19] },
        'main/core/servers/service.ts': { lines: [57, 68], branches: [10, 20] },
        'renderer/src/app/App.tsx': { lines: [3, 4], branches: [1, 2] },
      }),
    );
    const { failures } = checkFloors(summary, FLOORS);
    assert.equal(failures.length, 2);
    assert.match(failures[0], /^main\/core: lines 89\.00 % \(89\/100\) is under its floor of 90 %$/);
    assert.match(failures[1], /^main\/core\/auth\/sessions\.ts: branches 94\.73 % \(18\/19\) is under its floor of 100 %$/);
  });

  it('fail when a critical module was not measured (moved, renamed, or left out of the run)', () => {
    const { failures } = checkFloors(summarize(summaryOf({ 'main/core/app.ts': { lines: [1, 1], branches: [0, 0] } })), FLOORS);
    assert.ok(failures.some((failure) => /^main\/core\/auth\/sessions\.ts: no coverage for it/.test(failure)));
  });

  it('never round a figure up to its floor', () => {
    assert.ok(percent({ covered: 99_999, total: 100_000 }) < 100);
    const table = formatTable('module', [
      { name: 'x.ts', floor: { lines: 100 }, ok: false, counts: { lines: { covered: 99_999, total: 100_000 }, branches: { covered: 0, total: 0 } } },
    ]);
    assert.match(table, /99\.99 % \(99999\/100000\)/);
    assert.match(table, /100\.00 % \(0\/0\)/);
  });

  it('put each file in its layer, and point at the files with the most lines no test runs', () => {
    assert.equal(layerOf('main/core/vault/crypto.ts'), 'main/core');
    assert.equal(layerOf('main/headless/serve.ts'), 'main/headless');
    assert.equal(layerOf('renderer/src/main.tsx'), 'renderer');
    assert.equal(layerOf('main/coreutils.ts'), null);
    const summary = summarize(
      summaryOf({
        'main/core/a.ts': { lines: [1, 10], branches: [0, 0] },
        'main/core/b.ts': { lines: [0, 30], branches: [0, 0] },
        'main/core/c.ts': { lines: [5, 5], branches: [0, 0] },
        'shared/d.ts': { lines: [0, 99], branches: [0, 0] },
      }),
    );
    assert.deepEqual(
      mostUncovered(summary, 'main/core').map((entry) => [entry.file, entry.missed]),
      [
        ['main/core/b.ts', 30],
        ['main/core/a.ts', 9],
      ],
    );
  });
});

describe('the floors file', () => {
  const floors = JSON.parse(readFileSync(FLOORS_FILE, 'utf8'));

  it('names only layers the script knows and modules that exist', () => {
    for (const layer of Object.keys(floors.layers)) assert.ok(LAYERS.includes(layer), layer);
    for (const file of Object.keys(floors.modules)) assert.ok(existsSync(join(root, file)), `${file} does not exist`);
  });

  it('never goes under the floors of docs/quality.md: main/core and shared 90 % of lines, renderer 75 %, critical modules 100 % of lines and branches', () => {
    assert.ok(floors.layers['main/core'].lines >= 90);
    assert.ok(floors.layers.shared.lines >= 90);
    assert.ok(floors.layers.renderer.lines >= 75);
    assert.equal(Object.keys(floors.modules).length, 11);
    for (const floor of Object.values(floors.modules)) assert.deepEqual(floor, { lines: 100, branches: 100 });
  });
});
