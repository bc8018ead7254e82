import { describe, expect, it, vi } from 'vitest';
import { statusNotifierWatcherPresent, trayWillShow, type RunProgram } from './tray-support';

const missing = () => Promise.reject(Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));

function programs(answers: Record<string, () => Promise<string>>) {
  return vi.fn<RunProgram>((file) => (answers[file] ?? missing)());
}

describe('the tray on Linux', () => {
  it('shows where a StatusNotifierWatcher owns its name (dbus-send)', async () => {
    const run = programs({ 'dbus-send': async () => 'method return time=1 sender=org.freedesktop.DBus\n   boolean true\n' });
    await expect(trayWillShow('linux', run)).resolves.toBe(true);
    expect(run).toHaveBeenCalledWith('dbus-send', expect.arrayContaining(['string:org.kde.StatusNotifierWatcher']), expect.any(Number));
  });

  it('does not show on a desktop without one (stock GNOME)', async () => {
    const run = programs({ 'dbus-send': async () => '   boolean false\n' });
    await expect(trayWillShow('linux', run)).resolves.toBe(false);
  });

  it('asks gdbus when dbus-send is not installed', async () => {
    await expect(statusNotifierWatcherPresent(programs({ gdbus: async () => '(true,)\n' }))).resolves.toBe(true);
    await expect(statusNotifierWatcherPresent(programs({ gdbus: async () => '(false,)\n' }))).resolves.toBe(false);
  });

  it('counts a bus it cannot ask as no tray: closing the window then quits', async () => {
    await expect(statusNotifierWatcherPresent(programs({}))).resolves.toBeUndefined();
    await expect(trayWillShow('linux', programs({ 'dbus-send': async () => 'Error org.freedesktop.DBus.Error.NoServer' }))).resolves.toBe(false);
  });

  it('always shows on Windows and macOS, without asking anything', async () => {
    const run = programs({});
    await expect(trayWillShow('win32', run)).resolves.toBe(true);
    await expect(trayWillShow('darwin', run)).resolves.toBe(true);
    expect(run).not.toHaveBeenCalled();
  });
});
