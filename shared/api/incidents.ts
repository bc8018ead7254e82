import { z } from 'zod';
import { event, method, queryInt } from './contract';
import { StoredResult } from './checks';
import { ServerId } from './servers';

/** The `incidents.*` methods and events (docs/architecture.md §7): a server down or degraded, from start to end. */

export const IncidentId = z.uuid('Not an incident id');

export const Incident = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  /** The worst status the server reached during the incident. */
  severity: z.enum(['degraded', 'down']),
  startedAt: z.number().int(),
  endedAt: z.number().int().nullable(),
  /** Until now for an open incident. */
  durationMs: z.number().int(),
  cause: z.string(),
  /** The types of the checks that were bad when it opened or worsened, alphabetically (a rule's check-type matcher is told against them). */
  checkTypes: z.array(z.string()),
  acknowledgedAt: z.number().int().nullable(),
  acknowledgedBy: z.string().nullable(),
  note: z.string().nullable(),
});
export type Incident = z.infer<typeof Incident>;

export const incidentsList = method({
  name: 'incidents.list',
  summary: 'Incidents, newest first: all, open only, or one server’s.',
  input: z.strictObject({
    serverId: ServerId.optional(),
    open: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).optional(),
    limit: queryInt(1, 1000).default(50),
    offset: queryInt(0, 10_000_000).default(0),
  }),
  output: z.object({ items: z.array(Incident), total: z.number().int() }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/incidents' },
});

export const incidentsGet = method({
  name: 'incidents.get',
  summary: 'One incident with the results around it.',
  input: z.strictObject({ id: IncidentId }),
  output: Incident.extend({ results: z.array(StoredResult) }),
  permission: 'servers:read',
  audit: false,
  http: { method: 'GET', path: '/incidents/:id' },
});

export const incidentsAcknowledge = method({
  name: 'incidents.acknowledge',
  summary: 'Acknowledge an incident with a note saying who is on it.',
  input: z.strictObject({ id: IncidentId, note: z.string().trim().max(2000, 'The note is at most 2000 characters').default('') }),
  output: Incident,
  permission: 'servers:write',
  audit: { target: (input) => `incident:${input.id}` },
  http: { method: 'POST', path: '/incidents/:id/acknowledge' },
});

export const incidentOpened = event({ name: 'incident.opened', summary: 'An incident opened.', payload: Incident, permission: 'servers:read' });
export const incidentResolved = event({ name: 'incident.resolved', summary: 'An incident was resolved.', payload: Incident, permission: 'servers:read' });
export const incidentAcknowledged = event({
  name: 'incident.acknowledged',
  summary: 'An incident was acknowledged.',
  payload: Incident,
  permission: 'servers:read',
});
