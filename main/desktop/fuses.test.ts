import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '@core/paths';

// The electron-builder afterPack hook that flips Electron's fuses (deploy/electron-fuses.cjs):
// its settings, its wiring in electron-builder.yml, and a run over a fake Electron binary.

interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName?: string };
}

interface FusesHook {
  (context: PackContext): Promise<void>;
  FUSE_SETTINGS: Record<string, boolean>;
  fuseConfig(resetAdHocDarwinSignature?: boolean): Record<string, unknown>;
  electronBinaryPath(context: PackContext): string;
}

const require = createRequire(import.meta.url);
const hookPath = join(packageRoot, 'deploy', 'electron-fuses.cjs');
const hook = require(hookPath) as FusesHook;
const { FuseV1Options } = require('@electron/fuses') as { FuseV1Options: Record<string, number> };

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const WIRE_LENGTH = 8;

/** A file with an Electron fuse wire in it, every fuse at "inherit" (0x90). */
function fakeElectron(path: string): void {
  const wire = Buffer.from([1, WIRE_LENGTH, ...Array<number>(WIRE_LENGTH).fill(0x90)]);
  writeFileSync(path, Buffer.concat([Buffer.from('\u007fELF padding '), Buffer.from(SENTINEL), wire, Buffer.from(' more')]));
}

function wireOf(path: string): number[] {
  const bytes = readFileSync(path);
  const start = bytes.indexOf(SENTINEL) + SENTINEL.length + 2;
  return [...bytes.subarray(start, start + WIRE_LENGTH)];
}

const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

describe('the fuses hook', () => {
  it.each([
    ['RunAsNode', false],
    ['EnableNodeOptionsEnvironmentVariable', false],
    ['EnableNodeCliInspectArguments', false],
    ['EnableCookieEncryption', true],
    ['OnlyLoadAppFromAsar', true],
    ['EnableEmbeddedAsarIntegrityValidation', true],
  ])('sets %s to %s', (name, value) => {
    expect(hook.FUSE_SETTINGS[name]).toBe(value);
    const index = FuseV1Options[name];
    expect(index).toBeTypeOf('number');
    expect(hook.fuseConfig()[String(index)]).toBe(value);
  });

  it('names only fuses @electron/fuses knows', () => {
    for (const name of Object.keys(hook.FUSE_SETTINGS)) expect(FuseV1Options[name], name).toBeTypeOf('number');
    expect(hook.fuseConfig()).toMatchObject({ version: '1', resetAdHocDarwinSignature: false });
  });

  it('is the afterPack hook of electron-builder.yml, and the only fuse configuration there', () => {
    const yml = readFileSync(join(packageRoot, 'electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^afterPack: \.\/deploy\/electron-fuses\.cjs$/m);
    expect(yml).not.toMatch(/^electronFuses:/m);
  });

  it('finds the Electron binary on each platform', () => {
    const packager = { appInfo: { productFilename: 'Guardian Server Manager' }, executableName: 'guardian-server-manager' };
    const at = (electronPlatformName: string) => hook.electronBinaryPath({ appOutDir: '/out', electronPlatformName, arch: 1, packager });
    expect(at('darwin')).toBe(join('/out', 'Guardian Server Manager.app'));
    expect(at('win32')).toBe(join('/out', 'Guardian Server Manager.exe'));
    expect(at('linux')).toBe(join('/out', 'guardian-server-manager'));
  });

  describe('run over a packed app', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('flips the fuses in the binary and reads them back', async () => {
      dir = mkdtempSync(join(tmpdir(), 'guardian-fuses-'));
      const binary = join(dir, 'guardian-server-manager');
      fakeElectron(binary);
      await hook({
        appOutDir: dir,
        electronPlatformName: 'linux',
        arch: 1,
        packager: { appInfo: { productFilename: 'Guardian Server Manager' }, executableName: 'guardian-server-manager' },
      });
      const wire = wireOf(binary);
      for (const [name, value] of Object.entries(hook.FUSE_SETTINGS)) {
        expect(wire[FuseV1Options[name] ?? -1], name).toBe(value ? ON : OFF);
      }
    });

    it('fails the build when the binary has no fuse wire', async () => {
      dir = mkdtempSync(join(tmpdir(), 'guardian-fuses-'));
      writeFileSync(join(dir, 'guardian-server-manager'), 'not electron');
      await expect(
        hook({
          appOutDir: dir,
          electronPlatformName: 'linux',
          arch: 1,
          packager: { appInfo: { productFilename: 'Guardian Server Manager' }, executableName: 'guardian-server-manager' },
        }),
      ).rejects.toThrow(/sentinel/i);
    });
  });
});
