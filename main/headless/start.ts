#!/usr/bin/env node
import { spawn as spawnProcess, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '@core/paths';

// `npm start`: the desktop app when Electron's binary is installed, otherwise the same UI served
// by `guardian serve --ui` (our build machines can never download Electron's binary).

export const HEADLESS_NOTICE = "Electron's binary is not installed here; starting Guardian headless with the UI instead (guardian serve --ui).";

export interface ElectronProbe {
  /** `require('electron')`: under plain Node, the binary's path; throws when it was never downloaded. */
  requireElectron(): unknown;
  exists(path: string): boolean;
}

const defaultProbe: ElectronProbe = {
  requireElectron: () => createRequire(import.meta.url)('electron'),
  exists: existsSync,
};

/** The Electron executable, or undefined when the package is installed without its binary. */
export function findElectronBinary(probe: ElectronProbe = defaultProbe): string | undefined {
  let path: unknown;
  try {
    path = probe.requireElectron();
  } catch {
    return undefined;
  }
  return typeof path === 'string' && path !== '' && probe.exists(path) ? path : undefined;
}

export interface LaunchPlan {
  mode: 'desktop' | 'headless';
  command: string;
  args: string[];
}

export interface PlanInput {
  electronBinary: string | undefined;
  /** The folder holding package.json, whose `main` is the desktop entry. */
  appDir: string;
  /** The built headless CLI, out/main/cli.js. */
  cliPath: string;
  nodePath: string;
  /** Whatever followed `npm start --`, passed on unchanged. */
  extraArgs: readonly string[];
}

export function planLaunch(input: PlanInput): LaunchPlan {
  if (input.electronBinary) {
    return { mode: 'desktop', command: input.electronBinary, args: [input.appDir, ...input.extraArgs] };
  }
  return { mode: 'headless', command: input.nodePath, args: [input.cliPath, 'serve', '--ui', ...input.extraArgs] };
}

/**
 * Signals passed on to the child. A Ctrl-C in a terminal already reaches the child (same
 * process group), and `guardian serve` treats a second SIGINT as "stop now", so SIGINT is
 * forwarded only when no terminal sent it.
 */
export function signalsToForward(fromTerminal: boolean): NodeJS.Signals[] {
  return fromTerminal ? ['SIGTERM', 'SIGHUP'] : ['SIGTERM', 'SIGHUP', 'SIGINT'];
}

/** The shell convention for a process ended by a signal: 128 + its number. */
export function exitCodeFor(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return signal ? 128 + (constants.signals[signal] ?? 0) : 1;
}

export interface RunDeps {
  spawn(command: string, args: readonly string[], options: SpawnOptions): ChildProcess;
  /** Where this process's signals arrive (the real `process` outside tests). */
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  forward: readonly NodeJS.Signals[];
  env: NodeJS.ProcessEnv;
}

/** Runs the plan with this terminal's stdio, passes signals on, resolves with its exit code. */
export function runPlan(plan: LaunchPlan, deps: RunDeps): Promise<number> {
  // Set, it would make Electron's binary behave as plain Node and ignore the app.
  const env = { ...deps.env };
  delete env.ELECTRON_RUN_AS_NODE;
  return new Promise((resolve) => {
    const child = deps.spawn(plan.command, plan.args, { stdio: 'inherit', env });
    const relays = deps.forward.map((signal) => {
      const relay = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      deps.signals.on(signal, relay);
      return () => deps.signals.off(signal, relay);
    });
    const finish = (code: number) => {
      for (const remove of relays) remove();
      resolve(code);
    };
    child.once('error', (error) => {
      console.error(`guardian: could not start ${plan.command}: ${error.message}`);
      finish(1);
    });
    child.once('exit', (code, signal) => finish(exitCodeFor(code, signal)));
  });
}

export interface MainDeps {
  probe: ElectronProbe;
  cliPath: string;
  spawn: RunDeps['spawn'];
  /** One line for the person at the terminal. */
  notify(line: string): void;
}

function defaultMainDeps(): MainDeps {
  return {
    probe: defaultProbe,
    cliPath: fileURLToPath(new URL('./cli.js', import.meta.url)),
    spawn: spawnProcess,
    // stderr, so that the first line on stdout stays the URL `guardian serve` prints.
    notify: (line) => console.error(line),
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2), deps: MainDeps = defaultMainDeps()): Promise<number> {
  const plan = planLaunch({
    electronBinary: findElectronBinary(deps.probe),
    appDir: packageRoot,
    cliPath: deps.cliPath,
    nodePath: process.execPath,
    extraArgs: argv,
  });
  if (plan.mode === 'headless') {
    if (!existsSync(deps.cliPath)) {
      deps.notify(`guardian: ${deps.cliPath} is missing; run \`npm run build\` first (npm start does).`);
      return 1;
    }
    deps.notify(HEADLESS_NOTICE);
  }
  return runPlan(plan, {
    spawn: deps.spawn,
    signals: process,
    forward: signalsToForward(process.stdin.isTTY === true),
    env: process.env,
  });
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('guardian: could not start:', error);
      process.exit(1);
    },
  );
}
