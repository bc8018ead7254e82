import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packageRoot } from '@core/paths';

// Doyensec's Electronegativity (static checks for Electron misconfigurations) over the shell's
// sources and, when built, the bundles Electron runs. Any finding not in
// electronegativity-allow.json fails; an allow-list entry that no longer matches fails too, so
// the list stays minimal.

interface Allowed {
  check: string;
  file: string;
  reason: string;
}

interface Finding {
  id: string;
  file: string;
  location: { line: number; column: number };
  description: string;
}

interface Result {
  issues: Finding[];
  errors: unknown[];
}

type Run = (options: Record<string, unknown>) => Promise<Result>;

const ELECTRON_VERSION = '41.10.0';
const allowPath = join(packageRoot, 'main', 'desktop', 'electronegativity-allow.json');
const allowed = JSON.parse(readFileSync(allowPath, 'utf8')) as Allowed[];

const require = createRequire(import.meta.url);

/**
 * Loads Electronegativity with `got` stubbed to fail at once: it would otherwise fetch its
 * translations (1 s timeout) on every run. The scan itself never needs the network.
 */
function loadElectronegativity(): Run {
  const entry = require.resolve('@doyensec/electronegativity');
  const gotPath = createRequire(entry).resolve('got');
  const stub = new Module(gotPath);
  stub.exports = () => Promise.reject(new Error('no network in tests'));
  stub.loaded = true;
  require.cache[gotPath] = stub;
  return require(entry) as Run;
}

/** Copies the files `keep` accepts from `from` (flat folder) into `to`. */
function stage(from: string, to: string, keep: (name: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) if (keep(name)) copyFileSync(join(from, name), join(to, name));
}

const shipped = (name: string) => name.endsWith('.ts') && !name.endsWith('.test.ts');
const builtFiles = [join('out', 'main', 'desktop.js'), join('out', 'preload', 'index.cjs')];
const built = builtFiles.every((file) => existsSync(join(packageRoot, file)));

describe('Electronegativity', () => {
  let work: string;
  let run: Run;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'guardian-electronegativity-'));
    // Each scan is one app: main process and preload together, so that the global checks
    // (navigation limits, permission handler) see the main process code.
    stage(join(packageRoot, 'main', 'desktop'), join(work, 'sources', 'main', 'desktop'), shipped);
    stage(join(packageRoot, 'preload'), join(work, 'sources', 'preload'), shipped);
    if (built) {
      for (const file of builtFiles) {
        mkdirSync(join(work, 'built', dirname(file)), { recursive: true });
        copyFileSync(join(packageRoot, file), join(work, 'built', file));
      }
    }
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    run = loadElectronegativity();
  });

  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(work, { recursive: true, force: true });
  });

  async function scan(folder: string): Promise<Finding[]> {
    const result = await run({
      input: join(work, folder),
      isRelative: true,
      electronVersionOverride: ELECTRON_VERSION,
      // Looks up newer Electron releases on the network: not a property of our code.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    });
    expect(result.errors, 'files Electronegativity could not parse').toEqual([]);
    return result.issues;
  }

  function unexpected(findings: Finding[]): string[] {
    return findings
      .filter((finding) => !allowed.some((entry) => entry.check === finding.id && entry.file === finding.file))
      .map((finding) => `${finding.id} ${finding.file}:${finding.location.line} ${finding.description}`);
  }

  function unused(findings: Finding[], files: (file: string) => boolean): string[] {
    return allowed
      .filter((entry) => files(entry.file))
      .filter((entry) => !findings.some((finding) => finding.id === entry.check && finding.file === entry.file))
      .map((entry) => `${entry.check} ${entry.file}`);
  }

  it('gives every allow-list entry a check, a file and a reason', () => {
    for (const entry of allowed) {
      expect(entry.check).toMatch(/^[A-Z_]+_CHECK$/);
      expect(entry.file).not.toBe('');
      expect(entry.reason.length, `${entry.check} ${entry.file}`).toBeGreaterThan(40);
    }
  });

  it('finds nothing unexpected in main/desktop and preload', async () => {
    const findings = await scan('sources');
    expect(unexpected(findings)).toEqual([]);
    expect(unused(findings, (file) => !file.startsWith('out/') && file !== 'N/A')).toEqual([]);
  });

  // Skipped only when run alone before a build: `npm test` builds first, so in the suite and in CI it always runs.
  it.skipIf(!built)('finds nothing unexpected in the built out/main/desktop.js and out/preload/index.cjs', async () => {
    const findings = await scan('built');
    expect(unexpected(findings)).toEqual([]);
    expect(unused(findings, (file) => file.startsWith('out/'))).toEqual([]);
  });
});
