import type { SecretKind, SlotKind } from '@shared/api/vault';

export const KIND_LABELS: Record<SecretKind, string> = {
  password: 'Password',
  ssh_key: 'SSH key',
  api_token: 'API token',
  note: 'Note',
};

export const SLOT_LABELS: Record<SlotKind, string> = {
  os: 'OS keychain',
  passphrase: 'Passphrase',
  keyfile: 'Key file',
};

/** When the unlocked vault locks itself, in a sentence: after a while unused, or never (a service started with its key file). */
export function autoLockWords(autoLockMs: number | null): string {
  return autoLockMs === null
    ? 'It stays unlocked while this service runs: it was started with its key file.'
    : `It locks itself after ${formatDuration(autoLockMs)} without use.`;
}

/** 900000 → "15 minutes"; 90 minutes → "1 hour 30 minutes". */
export function formatDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const part = (value: number, unit: string) => `${value} ${unit}${value === 1 ? '' : 's'}`;
  if (hours === 0) return part(minutes, 'minute');
  return rest === 0 ? part(hours, 'hour') : `${part(hours, 'hour')} ${part(rest, 'minute')}`;
}
