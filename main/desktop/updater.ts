import type { UpdateChannel, UpdateErrorCode, UpdateState } from '@shared/api/updates';

/**
 * Auto-update for the packaged desktop app. The states are a pure function of (state, event);
 * the controller feeds it the events of an updater shaped like electron-updater's
 * `autoUpdater`, which is injected so tests drive a fake one.
 */

// The states are the contract's (updates.status shows them as they are).
export type { UpdateChannel, UpdateErrorCode, UpdateState };

export type UpdateEvent =
  | { type: 'checking' }
  | { type: 'available'; version: string }
  | { type: 'not-available' }
  | { type: 'progress'; percent: number }
  | { type: 'downloaded'; version: string }
  | { type: 'error'; code: UpdateErrorCode; hint: string }
  | { type: 'install' };

export const IDLE: UpdateState = { kind: 'idle' };

/** The next state; an event that does not apply to the current state leaves it as it is. */
export function nextUpdateState(state: UpdateState, event: UpdateEvent): UpdateState {
  switch (event.type) {
    case 'checking':
      return state.kind === 'idle' || state.kind === 'not-available' || state.kind === 'error' || state.kind === 'available' ? { kind: 'checking' } : state;
    case 'available':
      return state.kind === 'checking' ? { kind: 'available', version: event.version } : state;
    case 'not-available':
      return state.kind === 'checking' ? { kind: 'not-available' } : state;
    case 'progress':
      return state.kind === 'available' || state.kind === 'downloading'
        ? { kind: 'downloading', version: state.version, percent: clampPercent(event.percent) }
        : state;
    case 'downloaded':
      return state.kind === 'available' || state.kind === 'downloading' ? { kind: 'downloaded', version: event.version } : state;
    case 'error':
      // Once the install has begun the process is on its way out; an error then changes nothing.
      return state.kind === 'installing' ? state : { kind: 'error', code: event.code, hint: event.hint };
    case 'install':
      return state.kind === 'downloaded' ? { kind: 'installing', version: state.version } : state;
  }
}

function clampPercent(percent: number): number {
  if (!Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, Math.round(percent)));
}

export const UPDATE_HINTS: Readonly<Record<UpdateErrorCode, string>> = {
  offline: 'Guardian could not reach the release server. It will try again later; check the network or proxy.',
  'no-release': 'No release was found for this update channel yet. Nothing to do; Guardian will look again later.',
  'bad-signature':
    'The downloaded update is not signed by Guardian’s publisher (or its checksum does not match), so it was not installed. Download the app again from the releases page.',
  unknown: 'The update check failed. The log has the details; Guardian will try again later.',
};

const OFFLINE =
  /ERR_INTERNET_DISCONNECTED|ERR_NAME_NOT_RESOLVED|ERR_NETWORK_CHANGED|ERR_CONNECTION|ERR_PROXY|ERR_TIMED_OUT|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|socket hang up/i;
const NO_RELEASE =
  /ERR_UPDATER_LATEST_VERSION_NOT_FOUND|ERR_UPDATER_CHANNEL_FILE_NOT_FOUND|ERR_UPDATER_NO_PUBLISHED_VERSIONS|ERR_UPDATER_ASSET_NOT_FOUND|HttpError: 404|\b404\b/;
const BAD_SIGNATURE =
  /ERR_UPDATER_INVALID_SIGNATURE|not signed by the application owner|checksum mismatch|ERR_CHECKSUM|code signature|did not pass validation/i;

/** Reads an updater error (electron-updater puts its code on `code`) as one of our codes. */
export function classifyUpdateError(cause: unknown): UpdateErrorCode {
  const code = typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string' ? cause.code : '';
  const message = cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : '';
  const text = `${code} ${message}`;
  if (BAD_SIGNATURE.test(text)) return 'bad-signature';
  if (NO_RELEASE.test(text)) return 'no-release';
  if (OFFLINE.test(text)) return 'offline';
  return 'unknown';
}

/** The part of electron-updater's `autoUpdater` Guardian uses. */
export interface UpdaterLike {
  on(event: 'checking-for-update' | 'update-not-available', listener: () => void): unknown;
  on(event: 'update-available' | 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  checkForUpdates(): Promise<unknown>;
  downloadUpdate(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowPrerelease: boolean;
  allowDowngrade: boolean;
  channel: string | null;
}

export interface UpdateTimer {
  /** Calls `run` every `ms`; returns the function that stops it. */
  every(ms: number, run: () => void): () => void;
}

export const intervalTimer: UpdateTimer = {
  every(ms, run) {
    const handle = setInterval(run, ms);
    // A pending check must not keep a quitting app alive.
    handle.unref();
    return () => clearInterval(handle);
  },
};

export const CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface UpdateEnvironment {
  packaged: boolean;
  development: boolean;
  headless: boolean;
}

/** Why updates are off here, or undefined when they may run. */
export function updatesDisabledReason(env: UpdateEnvironment): string | undefined {
  if (env.headless) return 'Updates are for the desktop app; a server install is updated by whoever installed it.';
  if (env.development || !env.packaged) return 'This is a development build: there is no installed app to replace.';
  return undefined;
}

/** `GUARDIAN_UPDATE_CHANNEL=beta`, or a prerelease version (0.2.0-beta.1), picks the beta channel. */
export function updateChannelFrom(setting: string | undefined, appVersion: string): UpdateChannel {
  if (setting === 'beta' || setting === 'stable') return setting;
  return appVersion.includes('-') ? 'beta' : 'stable';
}

export interface UpdateLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface UpdateControllerOptions {
  updater: UpdaterLike;
  channel: UpdateChannel;
  environment: UpdateEnvironment;
  log: UpdateLog;
  timer?: UpdateTimer;
  onChange?: (state: UpdateState) => void;
}

export interface UpdateController {
  /** Checks now and every 6 h. False (and nothing scheduled) where updates are off. */
  start(): boolean;
  stop(): void;
  state(): UpdateState;
  /** Checks now ("Check now"). False where updates are off or a check, download or install is under way. */
  check(): boolean;
  channel(): UpdateChannel;
  /** Switches the channel; once started, a different channel is checked at once. */
  setChannel(channel: UpdateChannel): void;
  /** The user's consent: quits and installs a downloaded update. False when none is ready. */
  installNow(): boolean;
}

export function createUpdateController(options: UpdateControllerOptions): UpdateController {
  const { updater, log } = options;
  const timer = options.timer ?? intervalTimer;
  let state: UpdateState = IDLE;
  let channel = options.channel;
  let stopTimer: (() => void) | undefined;
  let wired = false;

  const apply = (event: UpdateEvent): void => {
    const next = nextUpdateState(state, event);
    if (next === state) return;
    state = next;
    if (next.kind !== 'downloading') log.info({ update: next }, `update: ${next.kind}`);
    options.onChange?.(next);
  };

  const fail = (cause: unknown): void => {
    const code = classifyUpdateError(cause);
    log.warn({ err: cause, code }, 'update: the check or download failed');
    apply({ type: 'error', code, hint: UPDATE_HINTS[code] });
  };

  const applyChannel = (): void => {
    updater.allowPrerelease = channel === 'beta';
    updater.channel = channel === 'beta' ? 'beta' : 'latest';
    // Setting `channel` allows downgrades in electron-updater. Going back from beta to stable
    // waits for the next stable release instead: an older Guardian may not read a database
    // the newer one has migrated.
    updater.allowDowngrade = false;
  };

  const wire = (): void => {
    if (wired) return;
    wired = true;
    // The download is started by us once a version is known, and installed on quit unless the
    // user asks for it sooner: never a restart the user did not choose.
    updater.autoDownload = false;
    updater.autoInstallOnAppQuit = true;
    applyChannel();
    updater.on('checking-for-update', () => apply({ type: 'checking' }));
    updater.on('update-not-available', () => apply({ type: 'not-available' }));
    updater.on('update-available', (info) => {
      apply({ type: 'available', version: info.version });
      updater.downloadUpdate().catch(fail);
    });
    updater.on('download-progress', (progress) => apply({ type: 'progress', percent: progress.percent }));
    updater.on('update-downloaded', (info) => apply({ type: 'downloaded', version: info.version }));
    updater.on('error', fail);
  };

  const check = (): boolean => {
    // A download under way or waiting for the restart is not interrupted by the next check.
    if (state.kind === 'checking' || state.kind === 'downloading' || state.kind === 'downloaded' || state.kind === 'installing') return false;
    updater.checkForUpdates().catch(fail);
    return true;
  };

  return {
    start() {
      const reason = updatesDisabledReason(options.environment);
      if (reason) {
        log.info({ reason }, 'update: automatic updates are off');
        return false;
      }
      if (stopTimer) return true;
      wire();
      check();
      stopTimer = timer.every(CHECK_INTERVAL_MS, () => void check());
      return true;
    },
    stop() {
      stopTimer?.();
      stopTimer = undefined;
    },
    state: () => state,
    check() {
      if (updatesDisabledReason(options.environment)) return false;
      wire();
      return check();
    },
    channel: () => channel,
    setChannel(next) {
      if (next === channel) return;
      channel = next;
      if (!wired) return;
      applyChannel();
      log.info({ channel }, 'update: channel changed');
      if (stopTimer) check();
    },
    installNow() {
      if (state.kind !== 'downloaded') return false;
      apply({ type: 'install' });
      updater.quitAndInstall(false, true);
      return true;
    },
  };
}
