import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { packageRoot } from '@core/paths';
import { cliArgsFrom, runCli, relayQuitToCli, type CliHost } from './cli-mode';

describe('cliArgsFrom: is this launch the CLI?', () => {
  const app = '/opt/Guardian Server Manager/guardian-server-manager';

  it.each<[string, string[], boolean, string[] | undefined]>([
    ['the launcher script', [app, '--cli', 'serve', '--port', '8080'], false, ['serve', '--port', '8080']],
    [
      'the Linux launcher, Chromium switches first',
      [app, '--ozone-platform=headless', '--disable-gpu', '--cli', 'servers', 'list', '--json'],
      false,
      ['servers', 'list', '--json'],
    ],
    ['--cli alone: the CLI’s help', [app, '--cli'], false, []],
    ['--cli with the CLI’s own flags', [app, '--cli', '--version'], false, ['--version']],
    ['a command word first', [app, 'serve', '--port', '8080'], false, ['serve', '--port', '8080']],
    ['a command word after Chromium switches', [app, '--no-sandbox', 'servers', 'list'], false, ['servers', 'list']],
    ['a development run: electron <app folder> --cli …', ['/usr/bin/electron', '/work/guardian', '--cli', 'serve'], true, ['serve']],
    ['a development run with a command word', ['/usr/bin/electron', '.', 'serve'], true, ['serve']],
    ['the desktop app, no arguments', [app], false, undefined],
    ['a development run of the desktop app', ['/usr/bin/electron', '/work/guardian'], true, undefined],
    ['the desktop app with Chromium switches', [app, '--enable-logging', '--no-sandbox'], false, undefined],
    [
      'macOS Finder’s process serial number',
      ['/Applications/Guardian Server Manager.app/Contents/MacOS/Guardian Server Manager', '-psn_0_12345'],
      false,
      undefined,
    ],
    ['a file handed to the app', [app, '/home/me/fleet.csv'], false, undefined],
    ['a URL handed to the app', [app, 'guardian://open/servers'], false, undefined],
    ['a Windows path', ['C:\\Guardian\\Guardian Server Manager.exe', 'C:\\Users\\me\\fleet.json'], false, undefined],
    ['--cli given as a value, not as a switch before the command', [app, 'serve', '--cli'], false, ['serve', '--cli']],
  ])('%s', (_case, argv, defaultApp, expected) => {
    expect(cliArgsFrom(argv, defaultApp)).toEqual(expected);
  });
});

function fakeHost(load: CliHost['load'] = async () => undefined) {
  const host = {
    cliPath: '/app/out/main/cli.js',
    execPath: '/app/guardian-server-manager',
    argv: [] as string[],
    setArgv: (argv: string[]) => void (host.argv = argv),
    load: vi.fn(load),
    error: vi.fn(),
    exit: vi.fn(),
  };
  return host;
}

describe('runCli', () => {
  it('loads the built CLI with the arguments where it looks for them, as under Node', async () => {
    const host = fakeHost();
    await runCli(['serve', '--port', '8080'], host);
    expect(host.argv).toEqual(['/app/guardian-server-manager', '/app/out/main/cli.js', 'serve', '--port', '8080']);
    expect(host.load).toHaveBeenCalledWith(pathToFileURL('/app/out/main/cli.js').href);
    expect(host.exit).not.toHaveBeenCalled();
  });

  it('exits 1 with a line on stderr when the CLI cannot be loaded', async () => {
    const host = fakeHost(async () => {
      throw new Error('Cannot find module');
    });
    await runCli(['serve'], host);
    expect(host.error).toHaveBeenCalledWith(expect.stringMatching(/^guardian: the command line could not start .*Cannot find module/));
    expect(host.exit).toHaveBeenCalledWith(1);
  });
});

describe('relayQuitToCli', () => {
  function fakeApp() {
    const app = new EventEmitter();
    const quit = () => {
      const event = { prevented: false, preventDefault: () => void (event.prevented = true) };
      app.emit('will-quit', event);
      return event.prevented;
    };
    return { app: app as EventEmitter & { on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown }, quit };
  }

  it('turns Electron’s quit on SIGINT/SIGTERM into SIGTERM for a command that handles it, once', () => {
    const { app, quit } = fakeApp();
    const target = new EventEmitter();
    const stop = vi.fn();
    target.on('SIGTERM', stop);
    relayQuitToCli(app, target);
    expect(quit()).toBe(true);
    expect(stop).toHaveBeenCalledWith('SIGTERM');
    // A second Ctrl-C quits at once.
    expect(quit()).toBe(false);
    expect(stop).toHaveBeenCalledOnce();
  });

  it('lets a command that does not handle SIGTERM quit at once', () => {
    const { app, quit } = fakeApp();
    relayQuitToCli(app, new EventEmitter());
    expect(quit()).toBe(false);
  });
});

// The real CLI (from source, under Node and tsx) started the way the desktop entry starts it.
const work = mkdtempSync(join(tmpdir(), 'guardian-cli-mode-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runThroughCliMode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    import { runCli } from ${JSON.stringify(pathToFileURL(join(packageRoot, 'main', 'desktop', 'cli-mode.ts')).href)};
    await runCli(JSON.parse(process.env.GUARDIAN_CLI_ARGS), {
      cliPath: ${JSON.stringify(join(packageRoot, 'main', 'headless', 'cli.ts'))},
      execPath: process.execPath,
      setArgv: (argv) => { process.argv = argv; },
      load: (url) => import(url),
      error: (line) => console.error(line),
      exit: (code) => process.exit(code),
    });`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: packageRoot, env: { ...process.env, GUARDIAN_CLI_ARGS: JSON.stringify(args), NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

describe.concurrent('the real CLI through runCli', { timeout: 90_000 }, () => {
  it('runs a command and exits 0', async () => {
    const result = await runThroughCliMode(['servers', 'list', '--json', '--data-dir', join(work, 'data')]);
    expect(result).toMatchObject({ code: 0 });
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('exits with the CLI’s usage code for an unknown command', async () => {
    const result = await runThroughCliMode(['no-such-command']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command/);
  });
});
