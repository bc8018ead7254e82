import { z } from 'zod';
import { changeEvent, method } from './contract';
import { ServerId, Tag } from './servers';

/**
 * The `maintenance.*` methods (docs/architecture.md §7): windows, by server or tag, in which
 * results are marked and incidents held back.
 */

export const MaintenanceId = z.uuid('Not a maintenance window id');

export const MaintenanceScope = z
  .strictObject({
    serverIds: z.array(ServerId).max(10_000).default([]),
    tags: z.array(Tag).max(32).default([]),
  })
  .refine((scope) => scope.serverIds.length + scope.tags.length > 0, 'Name at least one server or tag');

export const MaintenanceSchedule = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('once'), startsAt: z.number().int().min(0), endsAt: z.number().int().min(0) })
    .refine((w) => w.endsAt > w.startsAt, { message: 'The window must end after it starts', path: ['endsAt'] }),
  z.strictObject({
    kind: z.literal('recurring'),
    /** A cron expression (5 or 6 fields) for when each window opens. */
    cron: z.string().trim().min(9, 'A cron expression such as "0 2 * * 0"').max(100),
    durationMinutes: z
      .number()
      .int()
      .min(1, 'At least 1 minute')
      .max(7 * 24 * 60, 'At most a week'),
    /** An IANA time zone, e.g. Europe/Berlin. */
    timezone: z.string().trim().min(1).max(64).default('UTC'),
  }),
]);
export type MaintenanceSchedule = z.infer<typeof MaintenanceSchedule>;

export const MaintenanceWindow = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.object({ serverIds: z.array(z.string()), tags: z.array(z.string()) }),
  schedule: z.union([
    z.object({ kind: z.literal('once'), startsAt: z.number().int(), endsAt: z.number().int() }),
    z.object({ kind: z.literal('recurring'), cron: z.string(), durationMinutes: z.number().int(), timezone: z.string() }),
  ]),
  /** Open right now. */
  active: z.boolean(),
  /** The next time it opens (null for a past one-off window). */
  nextStart: z.number().int().nullable(),
  createdAt: z.number().int(),
  createdBy: z.string(),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

const MaintenanceName = z.string().trim().min(1, 'Name cannot be empty').max(100, 'Name is at most 100 characters');

export const maintenanceList = method({
  name: 'maintenance.list',
  summary: 'Maintenance windows, all or those touching one server.',
  input: z.strictObject({ serverId: ServerId.optional() }),
  output: z.object({ items: z.array(MaintenanceWindow) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/maintenance' },
});

export const maintenanceCreate = method({
  name: 'maintenance.create',
  summary: 'Add a maintenance window (one-off or recurring, by server or tag): results are marked and incidents held back; checks keep running.',
  input: z.strictObject({ name: MaintenanceName, scope: MaintenanceScope, schedule: MaintenanceSchedule }),
  output: MaintenanceWindow,
  permission: 'servers:write',
  audit: { target: (_input, out) => (out ? `maintenance:${out.id}` : undefined) },
  http: { method: 'POST', path: '/maintenance' },
});

export const maintenanceUpdate = method({
  name: 'maintenance.update',
  summary: 'Change a maintenance window.',
  input: z.strictObject({ id: MaintenanceId, name: MaintenanceName.optional(), scope: MaintenanceScope.optional(), schedule: MaintenanceSchedule.optional() }),
  output: MaintenanceWindow,
  permission: 'servers:write',
  audit: { target: (input) => `maintenance:${input.id}` },
  http: { method: 'PATCH', path: '/maintenance/:id' },
});

export const maintenanceDelete = method({
  name: 'maintenance.delete',
  summary: 'Remove a maintenance window.',
  input: z.strictObject({ id: MaintenanceId }),
  output: z.object({ id: z.string() }),
  permission: 'servers:write',
  audit: { target: (input) => `maintenance:${input.id}` },
  http: { method: 'DELETE', path: '/maintenance/:id' },
});

export const maintenanceChanged = changeEvent({
  name: 'maintenance.changed',
  summary: 'Maintenance windows were created, changed or deleted.',
  changes: ['created', 'updated', 'deleted'],
  permission: 'servers:read',
});
