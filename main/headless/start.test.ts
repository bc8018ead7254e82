import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '@core/paths';
import { exitCodeFor, findElectronBinary, HEADLESS_NOTICE, main, planLaunch, runPlan, signalsToForward, type LaunchPlan, type MainDeps } from './start';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'guardian-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const missingBinary = {
  requireElectron: () => {
    throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
  },
  exists: () => true,
};

describe('findElectronBinary', () => {
  it('finds nothing when requiring electron throws (the binary was never downloaded)', () => {
    expect(findElectronBinary(missingBinary)).toBeUndefined();
  });

  it('finds nothing when the path it names does not exist', () => {
    expect(findElectronBinary({ requireElectron: () => '/nowhere/electron', exists: () => false })).toBeUndefined();
  });

  it('finds nothing when electron resolves to something other than a path', () => {
    expect(findElectronBinary({ requireElectron: () => ({ app: {} }), exists: () => true })).toBeUndefined();
  });

  it('returns the path when the binary is there', () => {
    expect(findElectronBinary({ requireElectron: () => '/opt/electron/electron', exists: () => true })).toBe('/opt/electron/electron');
  });
});

describe('planLaunch', () => {
  const base = { appDir: '/app', cliPath: '/app/out/main/cli.js', nodePath: '/usr/bin/node', extraArgs: ['--port', '8080'] };

  it('starts the desktop app with the app folder when Electron is there', () => {
    expect(planLaunch({ ...base, electronBinary: '/e/electron' })).toEqual({
      mode: 'desktop',
      command: '/e/electron',
      args: ['/app', '--port', '8080'],
    });
  });

  it('falls back to `guardian serve --ui` with the extra arguments when it is not', () => {
    expect(planLaunch({ ...base, electronBinary: undefined })).toEqual({
      mode: 'headless',
      command: '/usr/bin/node',
      args: ['/app/out/main/cli.js', 'serve', '--ui', '--port', '8080'],
    });
  });
});

describe('signals and exit codes', () => {
  it('does not pass a terminal Ctrl-C on a second time', () => {
    expect(signalsToForward(true)).not.toContain('SIGINT');
    expect(signalsToForward(false)).toEqual(expect.arrayContaining(['SIGINT', 'SIGTERM', 'SIGHUP']));
  });

  it('reports a signal death as 128 + the signal number', () => {
    expect(exitCodeFor(3, null)).toBe(3);
    expect(exitCodeFor(null, 'SIGTERM')).toBe(143);
    expect(exitCodeFor(null, null)).toBe(1);
  });
});

/** Runs `script` with node, its stdout piped so the test can wait for "ready". */
function nodePlan(script: string): LaunchPlan {
  return { mode: 'headless', command: process.execPath, args: ['-e', script] };
}

function pipedSpawn(onChild: (child: ChildProcess) => void) {
  return (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
    onChild(child);
    return child;
  };
}

describe('runPlan', () => {
  it("resolves with the child's exit code", async () => {
    const code = await runPlan(nodePlan('process.exit(3)'), {
      spawn,
      signals: new EventEmitter(),
      forward: [],
      env: process.env,
    });
    expect(code).toBe(3);
  });

  it('passes SIGTERM on to the child and stops listening once it is gone', async () => {
    const signals = new EventEmitter();
    let output = '';
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const spawnChild = pipedSpawn((child) =>
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready')) markReady();
      }),
    );
    const running = runPlan(
      nodePlan(
        "process.on('SIGTERM', () => process.exit(7)); " + "console.log(process.env.ELECTRON_RUN_AS_NODE ?? 'unset', 'ready'); setInterval(() => {}, 1000)",
      ),
      { spawn: spawnChild, signals, forward: ['SIGTERM'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );

    await ready;
    signals.emit('SIGTERM');

    expect(await running).toBe(7);
    expect(output).toContain('unset ready');
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('answers 1 when the command cannot be started', async () => {
    const code = await runPlan(
      { mode: 'desktop', command: join(dir, 'no-such-electron'), args: [] },
      { spawn, signals: new EventEmitter(), forward: [], env: process.env },
    );
    expect(code).toBe(1);
  });
});

describe('main', () => {
  function recorder(name: string, exitCode: number): { path: string; argsFile: string } {
    const path = join(dir, name);
    const argsFile = `${path}.args.json`;
    writeFileSync(
      path,
      `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(process.argv.slice(2)));\nprocess.exit(${exitCode});\n`,
    );
    chmodSync(path, 0o755);
    return { path, argsFile };
  }

  function deps(overrides: Partial<MainDeps>, lines: string[]): MainDeps {
    return { probe: missingBinary, cliPath: '', spawn, notify: (line) => lines.push(line), ...overrides };
  }

  it("without Electron's binary, says so in one line and runs `serve --ui` with the extra arguments", async () => {
    const cli = recorder('cli.cjs', 5);
    const lines: string[] = [];

    const code = await main(['--port', '8080'], deps({ cliPath: cli.path }, lines));

    expect(lines).toEqual([HEADLESS_NOTICE]);
    expect(JSON.parse(readFileSync(cli.argsFile, 'utf8'))).toEqual(['serve', '--ui', '--port', '8080']);
    expect(code).toBe(5);
  });

  it('with the binary, starts it on the app folder and prints nothing', async () => {
    const electron = recorder('electron', 0);
    const lines: string[] = [];

    const code = await main(['--verbose'], deps({ probe: { requireElectron: () => electron.path, exists: () => true } }, lines));

    expect(lines).toEqual([]);
    expect(JSON.parse(readFileSync(electron.argsFile, 'utf8'))).toEqual([packageRoot, '--verbose']);
    expect(code).toBe(0);
  });

  it('says to build first when the CLI bundle is missing', async () => {
    const lines: string[] = [];
    const code = await main([], deps({ cliPath: join(dir, 'missing-cli.js') }, lines));
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('npm run build');
  });
});
