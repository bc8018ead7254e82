import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '@core/paths';
import { CLI_FLAG } from './cli-mode';

// The `guardian` launcher shipped in the app's resources (deploy/launcher/): it must find the
// app binary from wherever it is linked and pass everything on after --cli.

const launcherDir = join(packageRoot, 'deploy', 'launcher');
const yml = readFileSync(join(packageRoot, 'electron-builder.yml'), 'utf8');
const productName = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { productName: string }).productName;
const work = mkdtempSync(join(tmpdir(), 'guardian-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mac = process.platform === 'darwin';

/**
 * An installed app as electron-builder lays it out (Linux: /opt/<product>/ with resources/;
 * macOS: <product>.app/Contents/ with Resources/ and MacOS/), its binary a script that prints
 * its arguments and exits 7. Answers the launcher's path, relative to `work`.
 */
function installApp(): string {
  const resources = mac ? join(`${productName}.app`, 'Contents', 'Resources') : join('opt', productName, 'resources');
  const binary = mac ? join(`${productName}.app`, 'Contents', 'MacOS', productName) : join('opt', productName, 'guardian-server-manager');
  mkdirSync(join(work, resources, 'bin'), { recursive: true });
  mkdirSync(join(work, binary, '..'), { recursive: true });
  writeFileSync(join(work, binary), '#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\nexit 7\n');
  chmodSync(join(work, binary), 0o755);
  const launcher = join(resources, 'bin', 'guardian');
  copyFileSync(join(launcherDir, 'guardian'), join(work, launcher));
  chmodSync(join(work, launcher), 0o755);
  return launcher;
}

/** What the app binary receives before the CLI's arguments. */
const switches = mac ? [CLI_FLAG] : ['--ozone-platform=headless', '--disable-gpu', CLI_FLAG];

function run(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (error, stdout) => {
      resolve({ code: error ? Number(error.code) : 0, stdout: String(stdout) });
    });
  });
}

// These run the POSIX shell launcher through /bin/sh; Windows ships guardian.cmd instead, which needs cmd.exe.
describe.skipIf(process.platform === 'win32')('the guardian launcher (Linux and macOS)', () => {
  let launcher = '';
  beforeAll(() => {
    launcher = installApp();
  });

  it('runs the app binary with --cli and the arguments unchanged, and exits with its code', async () => {
    const result = await run(join(work, launcher), ['serve', '--port', '8080', 'two words', '']);
    expect(result.code).toBe(7);
    expect(result.stdout.split('\n').slice(0, -1)).toEqual([...switches, 'serve', '--port', '8080', 'two words', '']);
  });

  it('finds the app through a link on the PATH, even a relative one', async () => {
    const bin = join(work, 'usr', 'local', 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(work, launcher), join(bin, 'guardian'));
    symlinkSync(join('..', '..', '..', launcher), join(bin, 'guardian-relative'));
    for (const link of ['guardian', 'guardian-relative']) {
      const result = await run(join(bin, link), ['servers', 'list']);
      expect(result.code, link).toBe(7);
      expect(result.stdout, link).toContain(`${CLI_FLAG}\nservers\nlist\n`);
    }
  });

  it('is executable in the repository, so the package keeps it executable', () => {
    expect(statSync(join(launcherDir, 'guardian')).mode & 0o111).not.toBe(0);
  });
});

describe('the launchers and electron-builder.yml agree', () => {
  it('ships guardian (Linux, macOS) and guardian.cmd (Windows) in resources/bin', () => {
    for (const [platform, file] of [
      ['linux', 'guardian'],
      ['mac', 'guardian'],
      ['win', 'guardian.cmd'],
    ] as const) {
      const section = yml.split(/^(?=\S)/m).find((part) => part.startsWith(`${platform}:`)) ?? '';
      expect(section, platform).toContain(`- from: deploy/launcher/${file}\n      to: bin/${file}`);
    }
  });

  it('name the binaries electron-builder produces', () => {
    expect(yml).toMatch(/^ {2}executableName: guardian-server-manager$/m);
    const sh = readFileSync(join(launcherDir, 'guardian'), 'utf8');
    expect(sh).toContain('"$resources/../guardian-server-manager" --ozone-platform=headless --disable-gpu --cli "$@"');
    expect(sh).toContain(`"$resources/../MacOS/${productName}" --cli "$@"`);
    const cmd = readFileSync(join(launcherDir, 'guardian.cmd'), 'utf8');
    expect(cmd).toContain(`"%~dp0..\\..\\${productName}.exe" --cli %*`);
    expect(cmd).toMatch(/exit \/b %ERRORLEVEL%/);
    expect(
      cmd
        .split('\n')
        .slice(0, -1)
        .every((line) => line.endsWith('\r')),
      'guardian.cmd has CRLF line ends',
    ).toBe(true);
  });

  it('packs the tray icons into the app', () => {
    expect(yml).toMatch(/^ {2}- assets\/tray\/\*\.png$/m);
  });
});
