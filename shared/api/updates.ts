import { z } from 'zod';
import { event, method } from './contract';

// The desktop app's own updates (electron-updater, main/desktop/updater.ts). Headless installs
// answer `supported: false`: whoever installed them updates them.

export const UPDATE_CHANNELS = ['stable', 'beta'] as const;
export const UpdateChannel = z.enum(UPDATE_CHANNELS);
export type UpdateChannel = z.infer<typeof UpdateChannel>;

export const UpdateErrorCode = z.enum(['offline', 'no-release', 'bad-signature', 'unknown']);
export type UpdateErrorCode = z.infer<typeof UpdateErrorCode>;

/** Where the updater is: idle → checking → available | not-available | error → downloading → downloaded → installing. */
export const UpdateState = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idle') }),
  z.object({ kind: z.literal('checking') }),
  z.object({ kind: z.literal('available'), version: z.string() }),
  z.object({ kind: z.literal('not-available') }),
  z.object({ kind: z.literal('error'), code: UpdateErrorCode, hint: z.string() }),
  z.object({ kind: z.literal('downloading'), version: z.string(), percent: z.number().int().min(0).max(100) }),
  z.object({ kind: z.literal('downloaded'), version: z.string() }),
  z.object({ kind: z.literal('installing'), version: z.string() }),
]);
export type UpdateState = z.infer<typeof UpdateState>;

export const UpdatesStatus = z.object({
  /** False headless and in a development build; `reason` says why. */
  supported: z.boolean(),
  reason: z.string().nullable(),
  channel: UpdateChannel,
  state: UpdateState,
});
export type UpdatesStatus = z.infer<typeof UpdatesStatus>;

const audited = { target: () => 'updates' };

export const updatesStatus = method({
  name: 'updates.status',
  summary:
    'Whether this Guardian updates itself, on which channel, and where the updater is (checking, downloading 42 %, ready to restart, an error with its hint).',
  input: z.strictObject({}),
  output: UpdatesStatus,
  permission: 'system:read',
  audit: false,
  http: { method: 'GET', path: '/updates' },
});

export const updatesCheck = method({
  name: 'updates.check',
  summary: 'Checks for an update now; one that is found downloads in the background. NOT_SUPPORTED_HERE (501) where this Guardian does not update itself.',
  input: z.strictObject({}),
  output: UpdatesStatus,
  permission: 'system:admin',
  audit: audited,
  http: { method: 'POST', path: '/updates/check' },
});

export const updatesSetChannel = method({
  name: 'updates.setChannel',
  summary: 'Follows the stable releases or the betas too; saved in the desktop settings and applied at once.',
  input: z.strictObject({ channel: UpdateChannel }),
  output: UpdatesStatus,
  permission: 'system:admin',
  audit: audited,
  http: { method: 'PUT', path: '/updates/channel' },
});

export const updatesInstall = method({
  name: 'updates.install',
  summary: '"Restart now": quits and installs the downloaded update. CONFLICT when none is ready; without this call an update waits for the app to quit.',
  input: z.strictObject({}),
  output: UpdatesStatus,
  permission: 'system:admin',
  audit: audited,
  http: { method: 'POST', path: '/updates/install' },
});

export const updateStatusEvent = event({
  name: 'update.status',
  summary: 'The update status changed (same shape as updates.status).',
  payload: UpdatesStatus,
  permission: 'system:read',
});
