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
import { auditExport, auditGet, auditList, auditPrune, auditSettings, auditSettingsChanged, auditUpdateSettings, auditVerify } from './audit';
import type { EventDef, MethodDef } from './contract';
import { checkResultEvent, checksChanged, checksCreate, checksDelete, checksGet, checksList, checksPause, checksResume, checksRun, checksTest, checksUpdate } from './checks';
import { healthOverview, healthSeries, healthServer, serverStatusEvent } from './health';
import { incidentAcknowledged, incidentOpened, incidentResolved, incidentsAcknowledge, incidentsGet, incidentsList } from './incidents';
import { maintenanceChanged, maintenanceCreate, maintenanceDelete, maintenanceList, maintenanceUpdate } from './maintenance';
import { monitoringChanged, monitoringSettings, monitoringUpdateSettings } from './monitoring';
import { jobProgress, jobsCancel, jobsGet, jobsList, jobsSaveArtifact } from './jobs';
import {
  schedulesChanged,
  schedulesCreate,
  schedulesDelete,
  schedulesList,
  schedulesOutputFolders,
  schedulesRun,
  schedulesRuns,
  schedulesSetOutputFolders,
  schedulesTasks,
  schedulesUpdate,
} from './schedules';
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
import { reportsGenerate } from './reports';
import { systemInfo } from './system';
import { updatesCheck, updatesInstall, updatesSetChannel, updateStatusEvent, updatesStatus } from './updates';
import {
  authReauth,
  secretsChanged,
  secretsCopy,
  secretsCreate,
  secretsDelete,
  secretsInspectKey,
  secretsList,
  secretsReveal,
  secretsUpdate,
  vaultAddSlot,
  vaultChanged,
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
  apikeysChanged,
  apikeysCreate,
  apikeysList,
  apikeysRevoke,
  securityChanged,
  securitySettings,
  securityUpdateSettings,
  usersChanged,
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
  'jobs.saveArtifact': jobsSaveArtifact,
  'system.info': systemInfo,
  'updates.status': updatesStatus,
  'updates.check': updatesCheck,
  'updates.setChannel': updatesSetChannel,
  'updates.install': updatesInstall,
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
  'security.settings': securitySettings,
  'security.updateSettings': securityUpdateSettings,
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
  'checks.list': checksList,
  'checks.get': checksGet,
  'checks.create': checksCreate,
  'checks.update': checksUpdate,
  'checks.delete': checksDelete,
  'checks.pause': checksPause,
  'checks.resume': checksResume,
  'checks.run': checksRun,
  'checks.test': checksTest,
  'health.overview': healthOverview,
  'health.server': healthServer,
  'health.series': healthSeries,
  'incidents.list': incidentsList,
  'incidents.get': incidentsGet,
  'incidents.acknowledge': incidentsAcknowledge,
  'maintenance.list': maintenanceList,
  'maintenance.create': maintenanceCreate,
  'maintenance.update': maintenanceUpdate,
  'maintenance.delete': maintenanceDelete,
  'monitoring.settings': monitoringSettings,
  'monitoring.updateSettings': monitoringUpdateSettings,
  'reports.generate': reportsGenerate,
  'schedules.list': schedulesList,
  'schedules.create': schedulesCreate,
  'schedules.update': schedulesUpdate,
  'schedules.delete': schedulesDelete,
  'schedules.run': schedulesRun,
  'schedules.runs': schedulesRuns,
  'schedules.tasks': schedulesTasks,
  'schedules.outputFolders': schedulesOutputFolders,
  'schedules.setOutputFolders': schedulesSetOutputFolders,
  'audit.list': auditList,
  'audit.get': auditGet,
  'audit.verify': auditVerify,
  'audit.export': auditExport,
  'audit.settings': auditSettings,
  'audit.updateSettings': auditUpdateSettings,
  'audit.prune': auditPrune,
} as const;

export const events = {
  'servers.changed': serversChanged,
  'job.progress': jobProgress,
  'check.result': checkResultEvent,
  'server.status': serverStatusEvent,
  'incident.opened': incidentOpened,
  'incident.resolved': incidentResolved,
  'incident.acknowledged': incidentAcknowledged,
  'update.status': updateStatusEvent,
  'checks.changed': checksChanged,
  'maintenance.changed': maintenanceChanged,
  'monitoring.changed': monitoringChanged,
  'schedules.changed': schedulesChanged,
  'users.changed': usersChanged,
  'apikeys.changed': apikeysChanged,
  'security.changed': securityChanged,
  'secrets.changed': secretsChanged,
  'vault.changed': vaultChanged,
  'audit.settingsChanged': auditSettingsChanged,
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
