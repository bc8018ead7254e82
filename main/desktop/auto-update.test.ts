import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpdatesStatus } from '@shared/api/updates';
import { LOCAL_OWNER } from '@shared/permissions';
import { failure, success, useTempCore } from '@core/testing/harness';
import { createDesktopUpdates, startChannel, type DesktopUpdatesOptions } from './auto-update';
import { createDesktopSettings, memoryStore, type DesktopSettingsStore } from './desktop-settings';
import { FakeUpdater } from './testing/fake-updater';
import { CHECK_INTERVAL_MS, intervalTimer, type UpdateEnvironment } from './updater';

const PACKAGED: UpdateEnvironment = { packaged: true, development: false, headless: false };

function setup(overrides: Partial<DesktopUpdatesOptions> = {}) {
  const updater = new FakeUpdater();
  const settings: DesktopSettingsStore = overrides.settings ?? createDesktopSettings(memoryStore());
  const loadUpdater = vi.fn(() => Promise.resolve(updater));
  const updates = createDesktopUpdates({
    environment: PACKAGED,
    appVersion: '1.0.0',
    channelOverride: undefined,
    settings,
    loadUpdater,
    log: { info: vi.fn(), warn: vi.fn() },
    timer: intervalTimer,
    ...overrides,
  });
  const seen: UpdatesStatus[] = [];
  updates.control.onChange((status) => seen.push(status));
  return { updater, settings, loadUpdater, updates, control: updates.control, seen };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the channel at start', () => {
  it.each([
    ['the override wins', 'beta', 'stable', '1.0.0', 'beta'],
    ['then the saved choice', undefined, 'beta', '1.0.0', 'beta'],
    ['a saved stable keeps a beta build on stable', undefined, 'stable', '1.1.0-beta.1', 'stable'],
    ['else the version', undefined, null, '1.1.0-beta.1', 'beta'],
    ['an unknown override is ignored', 'nightly', 'beta', '1.0.0', 'beta'],
  ] as const)('%s', (_name, override, saved, version, expected) => {
    expect(startChannel(override, saved, version)).toBe(expected);
  });
});

describe('the desktop updates control', () => {
  it('is supported in the packaged app, idle before the updater has loaded', () => {
    const { control } = setup();
    expect(control.status()).toEqual({ supported: true, reason: null, channel: 'stable', state: { kind: 'idle' } });
  });

  it('says why in a development build, and never loads the updater there', async () => {
    const { control, updates, loadUpdater } = setup({ environment: { ...PACKAGED, packaged: false } });
    await updates.start();
    expect(loadUpdater).not.toHaveBeenCalled();
    expect(control.status()).toMatchObject({ supported: false, reason: expect.stringMatching(/development build/), state: { kind: 'idle' } });
    expect(control.install()).toBe(false);
  });

  it('loads the updater on start, checks, and tells every listener each state', async () => {
    const { updater, updates, control, seen } = setup();
    await updates.start();
    expect(updater.checkForUpdates).toHaveBeenCalledOnce();
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.4.0' });
    updater.emit('download-progress', { percent: 42 });
    expect(seen.map((status) => status.state)).toEqual([
      { kind: 'checking' },
      { kind: 'available', version: '1.4.0' },
      { kind: 'downloading', version: '1.4.0', percent: 42 },
    ]);
    expect(control.status().state).toEqual({ kind: 'downloading', version: '1.4.0', percent: 42 });
  });

  it('checks now when asked, once the updater is there', async () => {
    const { updater, updates, control } = setup();
    control.check();
    await updates.start();
    updater.emit('checking-for-update');
    updater.emit('update-not-available', { version: '1.0.0' });
    control.check();
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
  });

  it('saves a channel, applies it to the updater, checks it and reports it', async () => {
    const { updater, updates, control, settings, seen } = setup();
    await updates.start();
    updater.emit('checking-for-update');
    updater.emit('update-not-available', { version: '1.0.0' });
    seen.length = 0;

    control.setChannel('beta');
    expect(settings.get().updateChannel).toBe('beta');
    expect(updater).toMatchObject({ channel: 'beta', allowPrerelease: true, allowDowngrade: false });
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([{ supported: true, reason: null, channel: 'beta', state: { kind: 'not-available' } }]);

    control.setChannel('beta');
    expect(seen).toHaveLength(1);
  });

  it('uses the saved channel at the next start', async () => {
    const saved = createDesktopSettings(memoryStore());
    saved.set({ updateChannel: 'beta' });
    const { updater, updates, control } = setup({ settings: saved });
    expect(control.status().channel).toBe('beta');
    await updates.start();
    expect(updater).toMatchObject({ channel: 'beta', allowPrerelease: true });
  });

  it('installs only a downloaded update, and only when asked', async () => {
    const { updater, updates, control } = setup();
    expect(control.install()).toBe(false);
    await updates.start();
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.4.0' });
    expect(control.install()).toBe(false);
    updater.emit('update-downloaded', { version: '1.4.0' });
    vi.advanceTimersByTime(5 * CHECK_INTERVAL_MS);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();

    expect(control.install()).toBe(true);
    expect(updater.quitAndInstall).toHaveBeenCalledOnce();
    expect(control.status().state).toEqual({ kind: 'installing', version: '1.4.0' });
  });

  it('stops checking when stopped, even before the updater had loaded', async () => {
    const { updater, updates } = setup();
    updates.stop();
    await updates.start();
    vi.advanceTimersByTime(3 * CHECK_INTERVAL_MS);
    expect(updater.checkForUpdates).not.toHaveBeenCalled();
  });
});

describe('the updates control inside the core', () => {
  const env = useTempCore({ prefix: 'guardian-desktop-updates-', lazy: true });
  const call = (name: string, input: unknown = {}) => env.core.router.call(LOCAL_OWNER, name, input, { origin: 'ipc' });

  it('serves updates.* and emits update.status from the desktop updater', async () => {
    const { updater, updates } = setup();
    await env.start({ mode: 'desktop', updates: updates.control });
    const emitted: unknown[] = [];
    env.core.events.subscribe((name, payload) => {
      if (name === 'update.status') emitted.push(payload);
    });
    await updates.start();

    expect(failure(await call('updates.install'))).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/Check for updates first/) });
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.4.0' });
    updater.emit('update-downloaded', { version: '1.4.0' });
    expect(success(await call('updates.status'))).toMatchObject({ supported: true, state: { kind: 'downloaded', version: '1.4.0' } });
    expect(emitted).toHaveLength(3);

    expect(success(await call('updates.install'))).toMatchObject({ state: { kind: 'installing', version: '1.4.0' } });
    expect(updater.quitAndInstall).toHaveBeenCalledOnce();
  });
});
