import type { UpdateErrorCode, UpdateState } from '@shared/api/updates';

const ERROR_TITLES: Readonly<Record<UpdateErrorCode, string>> = {
  offline: 'The release server could not be reached',
  'no-release': 'No release for this channel yet',
  'bad-signature': 'The downloaded update failed its signature check',
  unknown: 'The update check failed',
};

export function updateErrorTitle(code: UpdateErrorCode): string {
  return ERROR_TITLES[code];
}

/** The header's short word on the updater, or null when there is nothing worth a glance. */
export function headerText(state: UpdateState): string | null {
  switch (state.kind) {
    case 'idle':
    case 'checking':
    case 'not-available':
      return null;
    case 'available':
      return `Update ${state.version} found`;
    case 'downloading':
      return `Update ${state.version} downloading ${state.percent} %`;
    case 'downloaded':
      return `Update ${state.version} ready`;
    case 'installing':
      return `Installing update ${state.version}…`;
    case 'error':
      return 'Update failed';
  }
}

/** One sentence for Settings → Updates. */
export function statusSentence(state: UpdateState): string {
  switch (state.kind) {
    case 'idle':
      return 'No check yet since Guardian started.';
    case 'checking':
      return 'Checking for updates…';
    case 'available':
      return `Version ${state.version} was found and is being downloaded.`;
    case 'not-available':
      return 'Guardian is up to date.';
    case 'downloading':
      return `Downloading version ${state.version}: ${state.percent} %.`;
    case 'downloaded':
      return `Version ${state.version} is ready. It is installed when you quit Guardian, or now with Restart now.`;
    case 'installing':
      return `Installing version ${state.version}: Guardian is restarting.`;
    case 'error':
      return `${updateErrorTitle(state.code)}.`;
  }
}

/** Whether "Check now" can do anything: not while a check, a download or a waiting update is under way. */
export function mayCheckNow(state: UpdateState): boolean {
  return state.kind === 'idle' || state.kind === 'not-available' || state.kind === 'error';
}
