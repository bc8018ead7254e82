import { execFile } from 'node:child_process';

// Whether the desktop will show Guardian's tray icon. Windows and macOS always do. On Linux,
// Electron's tray is a StatusNotifierItem: it shows only where a StatusNotifierWatcher owns its
// name on the session bus (KDE, Cinnamon, XFCE and MATE with their plugins, Ubuntu's GNOME;
// not stock GNOME). Electron has no API to ask, so the bus is asked with dbus-send or gdbus.

/** Runs a program; resolves with its standard output, rejects when it fails or is missing. */
export type RunProgram = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export const runProgram: RunProgram = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, windowsHide: true }, (error, stdout) => {
      if (error) reject(error);
      else resolve(String(stdout));
    });
  });

const WATCHER = 'org.kde.StatusNotifierWatcher';
const TIMEOUT_MS = 1500;

/** Two ways to ask the bus "does anyone own the watcher's name?", and how each says yes or no. */
const ASK: readonly { file: string; args: readonly string[]; yes: RegExp; no: RegExp }[] = [
  {
    file: 'dbus-send',
    args: ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${WATCHER}`],
    yes: /boolean\s+true/,
    no: /boolean\s+false/,
  },
  {
    file: 'gdbus',
    args: [
      'call',
      '--session',
      '--dest',
      'org.freedesktop.DBus',
      '--object-path',
      '/org/freedesktop/DBus',
      '--method',
      'org.freedesktop.DBus.NameHasOwner',
      WATCHER,
    ],
    yes: /\(true,?\)/,
    no: /\(false,?\)/,
  },
];

/** true or false when the session bus answered; undefined when it could not be asked. */
export async function statusNotifierWatcherPresent(run: RunProgram = runProgram): Promise<boolean | undefined> {
  for (const ask of ASK) {
    let output: string;
    try {
      output = await run(ask.file, ask.args, TIMEOUT_MS);
    } catch {
      continue;
    }
    if (ask.yes.test(output)) return true;
    if (ask.no.test(output)) return false;
  }
  return undefined;
}

/**
 * Whether a tray icon will be seen. On Linux, a bus that cannot be asked counts as no: closing
 * the window then quits, as it did before there was a tray.
 */
export async function trayWillShow(platform: NodeJS.Platform, run: RunProgram = runProgram): Promise<boolean> {
  if (platform !== 'linux') return true;
  return (await statusNotifierWatcherPresent(run)) === true;
}
