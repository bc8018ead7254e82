import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeUpdater } from './testing/fake-updater';
import {
  CHECK_INTERVAL_MS,
  classifyUpdateError,
  createUpdateController,
  IDLE,
  intervalTimer,
  nextUpdateState,
  updateChannelFrom,
  updatesDisabledReason,
  type UpdateControllerOptions,
  type UpdateEnvironment,
  type UpdateEvent,
  type UpdateState,
} from './updater';

const PACKAGED: UpdateEnvironment = { packaged: true, development: false, headless: false };

function setup(overrides: Partial<UpdateControllerOptions> = {}) {
  const updater = new FakeUpdater();
  const log = { info: vi.fn(), warn: vi.fn() };
  const changes: UpdateState[] = [];
  const controller = createUpdateController({
    updater,
    channel: 'stable',
    environment: PACKAGED,
    log,
    timer: intervalTimer,
    onChange: (state) => changes.push(state),
    ...overrides,
  });
  return { updater, log, changes, controller };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('nextUpdateState', () => {
  const downloaded: UpdateState = { kind: 'downloaded', version: '1.2.0' };
  const cases: Array<[string, UpdateState, UpdateEvent, UpdateState]> = [
    ['idle starts a check', IDLE, { type: 'checking' }, { kind: 'checking' }],
    ['a check finds a version', { kind: 'checking' }, { type: 'available', version: '1.2.0' }, { kind: 'available', version: '1.2.0' }],
    ['a check finds nothing', { kind: 'checking' }, { type: 'not-available' }, { kind: 'not-available' }],
    [
      'progress rounds and clamps',
      { kind: 'available', version: '1.2.0' },
      { type: 'progress', percent: 140.2 },
      { kind: 'downloading', version: '1.2.0', percent: 100 },
    ],
    [
      'progress moves on',
      { kind: 'downloading', version: '1.2.0', percent: 10 },
      { type: 'progress', percent: 42.6 },
      { kind: 'downloading', version: '1.2.0', percent: 43 },
    ],
    ['the download completes', { kind: 'downloading', version: '1.2.0', percent: 99 }, { type: 'downloaded', version: '1.2.0' }, downloaded],
    ['install only from downloaded', downloaded, { type: 'install' }, { kind: 'installing', version: '1.2.0' }],
    ['no install before a download', { kind: 'available', version: '1.2.0' }, { type: 'install' }, { kind: 'available', version: '1.2.0' }],
    ['no progress without a version', IDLE, { type: 'progress', percent: 50 }, IDLE],
    ['a downloaded update is not re-checked', downloaded, { type: 'checking' }, downloaded],
    ['an error after a check', { kind: 'checking' }, { type: 'error', code: 'offline', hint: 'h' }, { kind: 'error', code: 'offline', hint: 'h' }],
    ['an error is retried', { kind: 'error', code: 'offline', hint: 'h' }, { type: 'checking' }, { kind: 'checking' }],
  ];
  it.each(cases)('%s', (_name, state, event, expected) => {
    expect(nextUpdateState(state, event)).toEqual(expected);
  });
});

describe('classifyUpdateError', () => {
  it.each([
    [new Error('net::ERR_INTERNET_DISCONNECTED'), 'offline'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }), 'offline'],
    [Object.assign(new Error('Cannot find latest.yml'), { code: 'ERR_UPDATER_CHANNEL_FILE_NOT_FOUND' }), 'no-release'],
    [new Error('HttpError: 404 Not Found'), 'no-release'],
    [Object.assign(new Error('New version 1.2.0 is not signed by the application owner'), { code: 'ERR_UPDATER_INVALID_SIGNATURE' }), 'bad-signature'],
    [new Error('sha512 checksum mismatch, expected abc, got def'), 'bad-signature'],
    [new Error('something else'), 'unknown'],
    ['not an error at all', 'unknown'],
  ])('%s → %s', (cause, code) => {
    expect(classifyUpdateError(cause)).toBe(code);
  });
});

describe('where updates run', () => {
  it('never in development, unpackaged or headless', () => {
    expect(updatesDisabledReason(PACKAGED)).toBeUndefined();
    expect(updatesDisabledReason({ ...PACKAGED, development: true })).toMatch(/development/);
    expect(updatesDisabledReason({ ...PACKAGED, packaged: false })).toMatch(/development/);
    expect(updatesDisabledReason({ ...PACKAGED, headless: true })).toMatch(/server install/);
  });

  it.each([[{ ...PACKAGED, development: true }], [{ ...PACKAGED, packaged: false }], [{ ...PACKAGED, headless: true }]])(
    'does not check or schedule anything when off (%o)',
    (environment) => {
      const { updater, controller } = setup({ environment });
      expect(controller.start()).toBe(false);
      vi.advanceTimersByTime(3 * CHECK_INTERVAL_MS);
      expect(updater.checkForUpdates).not.toHaveBeenCalled();
      expect(updater.listenerCount('update-available')).toBe(0);
    },
  );

  it('picks the channel from the setting, else from the version', () => {
    expect(updateChannelFrom('beta', '1.0.0')).toBe('beta');
    expect(updateChannelFrom('stable', '1.1.0-beta.2')).toBe('stable');
    expect(updateChannelFrom(undefined, '1.1.0-beta.2')).toBe('beta');
    expect(updateChannelFrom('nightly', '1.0.0')).toBe('stable');
  });
});

describe('the update controller', () => {
  it('configures the updater for the channel: beta allows prereleases, nothing downloads by itself', () => {
    const stable = setup();
    stable.controller.start();
    expect(stable.updater).toMatchObject({ channel: 'latest', allowPrerelease: false, autoDownload: false, autoInstallOnAppQuit: true });

    const beta = setup({ channel: 'beta' });
    beta.controller.start();
    expect(beta.updater).toMatchObject({ channel: 'beta', allowPrerelease: true, autoDownload: false, autoInstallOnAppQuit: true });
  });

  it('switches the channel at once and checks it; back on stable it does not downgrade', () => {
    const { updater, controller } = setup();
    controller.start();
    updater.emit('checking-for-update');
    updater.emit('update-not-available', { version: '1.0.0' });

    controller.setChannel('beta');
    expect(controller.channel()).toBe('beta');
    expect(updater).toMatchObject({ channel: 'beta', allowPrerelease: true, allowDowngrade: false });
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);

    // electron-updater allows downgrades whenever `channel` is set; ours turns that back off.
    updater.allowDowngrade = true;
    controller.setChannel('stable');
    expect(updater).toMatchObject({ channel: 'latest', allowPrerelease: false, allowDowngrade: false });
    controller.setChannel('stable');
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(3);
  });

  it('keeps a channel chosen before the start for the start', () => {
    const { updater, controller } = setup();
    controller.setChannel('beta');
    expect(updater.checkForUpdates).not.toHaveBeenCalled();
    controller.start();
    expect(updater).toMatchObject({ channel: 'beta', allowPrerelease: true });
    expect(updater.checkForUpdates).toHaveBeenCalledOnce();
  });

  it('checks now on request, but not while a check, a download or a waiting update is under way, nor where updates are off', () => {
    const { updater, controller } = setup();
    controller.start();
    updater.emit('checking-for-update');
    expect(controller.check()).toBe(false);
    updater.emit('update-not-available', { version: '1.0.0' });
    expect(controller.check()).toBe(true);
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.2.0' });
    updater.emit('download-progress', { percent: 5 });
    expect(controller.check()).toBe(false);
    updater.emit('update-downloaded', { version: '1.2.0' });
    expect(controller.check()).toBe(false);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);

    const off = setup({ environment: { ...PACKAGED, development: true } });
    expect(off.controller.check()).toBe(false);
    expect(off.updater.checkForUpdates).not.toHaveBeenCalled();
  });

  it('checks at start and every 6 hours, until stopped', () => {
    const { updater, controller } = setup();
    controller.start();
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(CHECK_INTERVAL_MS - 1);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
    controller.stop();
    vi.advanceTimersByTime(2 * CHECK_INTERVAL_MS);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
  });

  it('reports nothing new when no update is available', () => {
    const { updater, controller, changes } = setup();
    controller.start();
    updater.emit('checking-for-update');
    updater.emit('update-not-available', { version: '1.0.0' });
    expect(changes).toEqual([{ kind: 'checking' }, { kind: 'not-available' }]);
    expect(updater.downloadUpdate).not.toHaveBeenCalled();
  });

  it('downloads an available update with progress, then waits for the user', () => {
    const { updater, controller, changes } = setup();
    controller.start();
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.2.0' });
    expect(updater.downloadUpdate).toHaveBeenCalledOnce();
    updater.emit('download-progress', { percent: 12.4 });
    updater.emit('download-progress', { percent: 87.9 });
    updater.emit('update-downloaded', { version: '1.2.0' });

    expect(changes).toEqual([
      { kind: 'checking' },
      { kind: 'available', version: '1.2.0' },
      { kind: 'downloading', version: '1.2.0', percent: 12 },
      { kind: 'downloading', version: '1.2.0', percent: 88 },
      { kind: 'downloaded', version: '1.2.0' },
    ]);
    // The next periodic check does not disturb an update waiting to be installed.
    vi.advanceTimersByTime(CHECK_INTERVAL_MS);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(1);
    expect(controller.state()).toEqual({ kind: 'downloaded', version: '1.2.0' });
  });

  it('never installs without consent; installs once the user says so', () => {
    const { updater, controller } = setup();
    controller.start();
    expect(controller.installNow()).toBe(false);
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.2.0' });
    expect(controller.installNow()).toBe(false);
    updater.emit('update-downloaded', { version: '1.2.0' });
    vi.advanceTimersByTime(10 * CHECK_INTERVAL_MS);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();

    expect(controller.installNow()).toBe(true);
    expect(updater.quitAndInstall).toHaveBeenCalledOnce();
    expect(controller.state()).toEqual({ kind: 'installing', version: '1.2.0' });
    expect(controller.installNow()).toBe(false);
    expect(updater.quitAndInstall).toHaveBeenCalledOnce();
  });

  it('maps an error event to a code and a hint, logs it, and tries again at the next check', () => {
    const { updater, controller, log } = setup();
    controller.start();
    updater.emit('checking-for-update');
    updater.emit('error', Object.assign(new Error('net::ERR_INTERNET_DISCONNECTED'), { code: 'ERR_INTERNET_DISCONNECTED' }));
    expect(controller.state()).toMatchObject({ kind: 'error', code: 'offline', hint: expect.stringMatching(/network/) });
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ code: 'offline' }), expect.any(String));

    vi.advanceTimersByTime(CHECK_INTERVAL_MS);
    expect(updater.checkForUpdates).toHaveBeenCalledTimes(2);
  });

  it('maps a rejected check (no event) and a bad signature during download', async () => {
    const { updater, controller } = setup();
    updater.checkForUpdates.mockRejectedValueOnce(Object.assign(new Error('No published versions on GitHub'), { code: 'ERR_UPDATER_NO_PUBLISHED_VERSIONS' }));
    controller.start();
    await vi.waitFor(() => expect(controller.state()).toMatchObject({ kind: 'error', code: 'no-release' }));

    vi.advanceTimersByTime(CHECK_INTERVAL_MS);
    updater.emit('checking-for-update');
    updater.emit('update-available', { version: '1.2.0' });
    updater.emit('download-progress', { percent: 100 });
    updater.emit('error', new Error('New version 1.2.0 is not signed by the application owner'));
    expect(controller.state()).toMatchObject({ kind: 'error', code: 'bad-signature' });
    expect(controller.installNow()).toBe(false);
    expect(updater.quitAndInstall).not.toHaveBeenCalled();
  });
});
