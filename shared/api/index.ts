import {
  authChangePassword,
  authCheckPassword,
  authLogin,
  authLogout,
  authMe,
  authSetup,
  authStatus,
  authTotpBegin,
  authTotpConfirm,
  authTotpDisable,
  onboardingUpdate,
  sessionsList,
  sessionsRevoke,
} from './auth';
import type { EventDef, MethodDef } from './contract';
import { jobProgress, jobsCancel, jobsGet, jobsList } from './jobs';
import {
  serversChanged,
  serversCreate,
  serversDelete,
  serversExport,
  serversFacets,
  serversGet,
  serversImport,
  serversList,
  serversProbe,
  serversUpdate,
} from './servers';
import { systemInfo } from './system';
import {
  authReauth,
  secretsCopy,
  secretsCreate,
  secretsDelete,
  secretsInspectKey,
  secretsList,
  secretsReveal,
  secretsUpdate,
  vaultAddSlot,
  vaultChangePassphrase,
  vaultExport,
  vaultImport,
  vaultInit,
  vaultLock,
  vaultRemoveSlot,
  vaultRotate,
  vaultStatus,
  vaultUnlock,
} from './vault';
import {
  apikeysCreate,
  apikeysList,
  apikeysRevoke,
  usersCreate,
  usersDelete,
  usersDisable,
  usersEnable,
  usersList,
  usersResetMfa,
  usersResetPassword,
  usersUpdate,
} from './users';

/** Every method anything outside the core can call. Nothing else crosses a process boundary. */
export const methods = {
  'servers.list': serversList,
  'servers.facets': serversFacets,
  'servers.get': serversGet,
  'servers.create': serversCreate,
  'servers.update': serversUpdate,
  'servers.delete': serversDelete,
  'servers.import': serversImport,
  'servers.export': serversExport,
  'servers.probe': serversProbe,
  'jobs.list': jobsList,
  'jobs.get': jobsGet,
  'jobs.cancel': jobsCancel,
  'system.info': systemInfo,
  'auth.status': authStatus,
  'auth.checkPassword': authCheckPassword,
  'auth.setup': authSetup,
  'auth.login': authLogin,
  'auth.logout': authLogout,
  'auth.me': authMe,
  'auth.changePassword': authChangePassword,
  'auth.totpBegin': authTotpBegin,
  'auth.totpConfirm': authTotpConfirm,
  'auth.totpDisable': authTotpDisable,
  'sessions.list': sessionsList,
  'sessions.revoke': sessionsRevoke,
  'onboarding.update': onboardingUpdate,
  'users.list': usersList,
  'users.create': usersCreate,
  'users.update': usersUpdate,
  'users.disable': usersDisable,
  'users.enable': usersEnable,
  'users.resetPassword': usersResetPassword,
  'users.resetMfa': usersResetMfa,
  'users.delete': usersDelete,
  'apikeys.list': apikeysList,
  'apikeys.create': apikeysCreate,
  'apikeys.revoke': apikeysRevoke,
  'auth.reauth': authReauth,
  'vault.status': vaultStatus,
  'vault.init': vaultInit,
  'vault.unlock': vaultUnlock,
  'vault.lock': vaultLock,
  'vault.addSlot': vaultAddSlot,
  'vault.removeSlot': vaultRemoveSlot,
  'vault.changePassphrase': vaultChangePassphrase,
  'vault.rotate': vaultRotate,
  'vault.export': vaultExport,
  'vault.import': vaultImport,
  'secrets.list': secretsList,
  'secrets.create': secretsCreate,
  'secrets.update': secretsUpdate,
  'secrets.delete': secretsDelete,
  'secrets.reveal': secretsReveal,
  'secrets.inspectKey': secretsInspectKey,
  'secrets.copy': secretsCopy,
} as const;

export const events = {
  'servers.changed': serversChanged,
  'job.progress': jobProgress,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Events = typeof events;
export type EventName = keyof Events;

export const methodList: readonly MethodDef[] = Object.values(methods);
export const eventList: readonly EventDef[] = Object.values(events);

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}

export * from './contract';
export * from './errors';
