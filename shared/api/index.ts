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
  serversUpdate,
} from './servers';
import { systemInfo } from './system';

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
  'jobs.list': jobsList,
  'jobs.get': jobsGet,
  'jobs.cancel': jobsCancel,
  'system.info': systemInfo,
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
