import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '@core/paths';

// The installed app runs the headless CLI too (`guardian serve`, `guardian servers list` …).
// Its fuses turn runAsNode off, so the Electron binary cannot be plain Node: the CLI runs inside
// the Electron main process instead, before any window exists, and the process ends with the
// CLI's exit code. The launcher scripts (deploy/launcher/) call the app binary with `--cli`.

/** Put before the CLI's arguments by the launcher scripts: everything after it goes to the CLI. */
export const CLI_FLAG = '--cli';

/** The built headless CLI, next to the desktop entry in out/main (inside app.asar when packaged). */
export const cliPath = join(packageRoot, 'out', 'main', 'cli.js');

/** A CLI command: a plain lower-case word. What an OS passes a GUI app (paths, URLs, switches) never is. */
const COMMAND_WORD = /^[a-z][a-z0-9-]*$/;

/**
 * The CLI's arguments when this launch is a CLI run, else undefined (the desktop app).
 *
 * - `<app> --cli serve --port 8080` (the launcher scripts), Chromium switches such as
 *   `--ozone-platform=headless` allowed before `--cli`;
 * - `<app> serve --port 8080`: a first argument that is a command word.
 *
 * `argv` is process.argv: the app binary first, then (in a development run, where
 * `process.defaultApp` is true) the app's folder, then the user's arguments.
 */
export function cliArgsFrom(argv: readonly string[], defaultApp: boolean): string[] | undefined {
  const args = argv.slice(defaultApp ? 2 : 1);
  const firstWord = args.findIndex((arg) => !arg.startsWith('-'));
  const switches = firstWord === -1 ? args : args.slice(0, firstWord);
  const flag = switches.indexOf(CLI_FLAG);
  if (flag !== -1) return args.slice(flag + 1);
  const command = firstWord === -1 ? undefined : args[firstWord];
  if (command !== undefined && COMMAND_WORD.test(command)) return args.slice(firstWord);
  return undefined;
}

export interface CliHost {
  cliPath: string;
  /** process.execPath: the CLI sees `[execPath, cliPath, ...args]`, as under Node. */
  execPath: string;
  setArgv(argv: string[]): void;
  /** import(): the CLI module runs its main on load and exits the process with its code. */
  load(url: string): Promise<unknown>;
  error(line: string): void;
  exit(code: number): void;
}

/** Runs the built CLI in this process. It exits the process itself when its command is done. */
export async function runCli(args: readonly string[], host: CliHost): Promise<void> {
  host.setArgv([host.execPath, host.cliPath, ...args]);
  try {
    await host.load(pathToFileURL(host.cliPath).href);
  } catch (cause) {
    host.error(`guardian: the command line could not start (${host.cliPath}): ${cause instanceof Error ? cause.message : String(cause)}`);
    host.exit(1);
  }
}

export interface QuitSource {
  on(event: 'will-quit', listener: (event: { preventDefault(): void }) => void): unknown;
}

export interface SignalTarget {
  listenerCount(event: 'SIGTERM'): number;
  emit(event: 'SIGTERM', signal: 'SIGTERM'): boolean;
}

/**
 * Electron turns SIGINT and SIGTERM into app.quit() in the main process. A CLI command that
 * handles SIGTERM (`serve` closes its server and the database) is told instead, once, and the
 * CLI exits when it is done; a second quit, or a command without a handler, quits at once.
 */
export function relayQuitToCli(app: QuitSource, target: SignalTarget): void {
  let relayed = false;
  app.on('will-quit', (event) => {
    if (relayed || target.listenerCount('SIGTERM') === 0) return;
    relayed = true;
    event.preventDefault();
    target.emit('SIGTERM', 'SIGTERM');
  });
}
