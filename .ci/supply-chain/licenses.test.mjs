// The license check against a small project made on disk: what ships is judged, what does not
// ship is not, and an exception needs a reason and goes stale when its package leaves.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLicenses, readPolicy } from './licenses.mjs';

function writeJson(file, value) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(value));
}

/** A project whose shipped tree holds one GPL package two levels down and one in the renderer bundle. */
function makeProject(root) {
  writeJson(join(root, 'package.json'), {
    name: 'fixture-app',
    version: '1.0.0',
    dependencies: { 'server-lib': '1.0.0' },
    devDependencies: { 'ui-lib': '1.0.0', 'build-tool': '1.0.0', electron: '1.0.0' },
  });
  const pkg = (name, license, dependencies = {}) =>
    writeJson(join(root, 'node_modules', name, 'package.json'), { name, version: '1.0.0', license, dependencies });
  pkg('server-lib', 'MIT', { 'copyleft-parser': '1.0.0' });
  pkg('copyleft-parser', 'GPL-3.0-only');
  pkg('ui-lib', 'AGPL-3.0-or-later');
  pkg('build-tool', 'GPL-2.0-only');
  pkg('electron', 'MIT', { 'runtime-downloader': '1.0.0' });
  pkg('runtime-downloader', 'LGPL-3.0-only');
  mkdirSync(join(root, 'renderer'), { recursive: true });
  writeFileSync(join(root, 'renderer', 'view.ts'), "import { draw } from 'ui-lib';\nimport type { Tool } from 'build-tool';\nexport const x = draw;\n");
  mkdirSync(join(root, 'main'), { recursive: true });
  writeFileSync(join(root, 'main', 'tool.test.ts'), "import { run } from 'build-tool';\n");
}

describe('licenses of what ships', () => {
  let root;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'guardian-licenses-'));
    makeProject(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a copyleft package deep in the production tree and one bundled into the renderer', async () => {
    const { packages } = await checkLicenses(root, { allow: ['MIT'], exceptions: [] });
    const refused = packages.filter((pkg) => !pkg.approved).map((pkg) => `${pkg.name} ${pkg.license}`);
    assert.deepEqual(refused.sort(), ['copyleft-parser GPL-3.0-only', 'ui-lib AGPL-3.0-or-later']);
    assert.match(packages.find((pkg) => pkg.name === 'ui-lib').why, /renderer\/view\.ts imports ui-lib/);
  });

  it('leaves out build tools, type-only and test imports, and the runtime downloader; checks the runtime itself', async () => {
    const { packages } = await checkLicenses(root, { allow: ['MIT'], exceptions: [] });
    const names = packages.map((pkg) => pkg.name);
    assert.ok(!names.includes('build-tool'));
    assert.ok(!names.includes('runtime-downloader'));
    assert.ok(names.includes('electron'));
  });

  it('passes a listed exception and reports one whose package no longer ships', async () => {
    const exceptions = [
      { package: 'copyleft-parser', versions: '1.x', license: 'GPL-3.0-only', reason: 'fixture' },
      { package: 'ui-lib', versions: '1.0.0', license: 'AGPL-3.0-or-later', reason: 'fixture' },
      { package: 'left-long-ago', versions: '*', license: 'GPL-2.0-only', reason: 'fixture' },
    ];
    const { packages, stale } = await checkLicenses(root, { allow: ['MIT'], exceptions });
    assert.ok(packages.every((pkg) => pkg.approved));
    assert.deepEqual(
      stale.map((exception) => exception.package),
      ['left-long-ago'],
    );
  });

  it('refuses to judge a tree where something that ships is not installed', async () => {
    const partial = mkdtempSync(join(tmpdir(), 'guardian-licenses-'));
    try {
      makeProject(partial);
      rmSync(join(partial, 'node_modules', 'copyleft-parser'), { recursive: true });
      await assert.rejects(checkLicenses(partial, { allow: ['MIT'], exceptions: [] }), /not installed: copyleft-parser \(for server-lib\); run npm ci first/);
      rmSync(join(partial, 'node_modules', 'server-lib'), { recursive: true });
      await assert.rejects(checkLicenses(partial, { allow: ['MIT'], exceptions: [] }), /not installed: server-lib; run npm ci first/);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  });

  it('refuses a policy whose exception gives no reason', () => {
    const file = join(root, 'policy.json');
    writeJson(file, { allow: ['MIT'], exceptions: [{ package: 'ui-lib', versions: '1.0.0', license: 'AGPL-3.0-or-later' }] });
    assert.throws(() => readPolicy(file), /exceptions\[0\] needs "reason"/);
  });
});
