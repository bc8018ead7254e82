import type { PayloadOf } from '@shared/api';
import type { Check, checkResultEvent } from '@shared/api/checks';
import type { FleetOverview, ServerHealth, serverStatusEvent } from '@shared/api/health';
import type { Incident } from '@shared/api/incidents';

/**
 * Pure patches of cached health reads from the engine's events (docs/architecture.md §7), so a result, a
 * status change or an incident updates what is on screen without refetching the fleet. Each
 * returns its input unchanged (the same object) when the event does not touch it, so TanStack
 * Query re-renders nothing.
 */

export type CheckResultBatch = PayloadOf<typeof checkResultEvent>;
export type CheckResultItem = CheckResultBatch['results'][number];
export type ServerStatusChange = PayloadOf<typeof serverStatusEvent>;
export type IncidentList = { items: Incident[]; total: number };
/** incidents.list's input as cached: `open`, `limit` and `offset` as the caller passed them. */
export type IncidentListFilter = { serverId?: string | undefined; open?: unknown; offset?: unknown; limit?: unknown };

const numberOr = (value: unknown, fallback: number): number =>
  typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : fallback;
const openFilter = (value: unknown): boolean | undefined =>
  value === true || value === 'true' ? true : value === false || value === 'false' ? false : undefined;

/** The latest result per check in a batch (a batch holds one per check, but be safe). */
export function resultsByCheck(batch: CheckResultBatch): Map<string, CheckResultItem> {
  const byCheck = new Map<string, CheckResultItem>();
  for (const result of batch.results) {
    const known = byCheck.get(result.checkId);
    if (!known || known.at <= result.at) byCheck.set(result.checkId, result);
  }
  return byCheck;
}

/** A check with a newer result applied; older results (a late event after a refetch) are ignored. */
export function applyResult(check: Check, result: CheckResultItem): Check {
  if (check.lastAt !== null && result.at < check.lastAt) return check;
  const stateChanged = check.state !== result.state;
  return {
    ...check,
    state: result.state,
    stateSince: stateChanged ? result.at : check.stateSince,
    paused: result.state === 'paused',
    lastAt: result.at,
    lastStatus: result.status,
    lastLatencyMs: result.latencyMs,
    lastMessage: result.message,
  };
}

/** A list of checks with the batch applied; the same array when no check in it changed. */
export function patchChecks(checks: Check[], results: Map<string, CheckResultItem>): Check[] {
  let changed = false;
  const next = checks.map((check) => {
    const result = results.get(check.id);
    if (!result) return check;
    const patched = applyResult(check, result);
    if (patched !== check) changed = true;
    return patched;
  });
  return changed ? next : checks;
}

/** 'checks.list' data (all checks, or one server's). */
export function patchCheckList(data: { items: Check[] } | undefined, results: Map<string, CheckResultItem>): { items: Check[] } | undefined {
  if (!data) return data;
  const items = patchChecks(data.items, results);
  return items === data.items ? data : { ...data, items };
}

/** 'checks.get' data. */
export function patchCheck(data: Check | undefined, results: Map<string, CheckResultItem>): Check | undefined {
  const result = data && results.get(data.id);
  return data && result ? applyResult(data, result) : data;
}

/** 'health.server' data: the server's checks. Its own status comes with `server.status`. */
export function patchServerHealthChecks(data: ServerHealth | undefined, results: Map<string, CheckResultItem>): ServerHealth | undefined {
  if (!data) return data;
  const checks = patchChecks(data.checks, results);
  return checks === data.checks ? data : { ...data, checks };
}

/** 'health.server' data after its server's status changed. */
export function patchServerHealthStatus(data: ServerHealth | undefined, change: ServerStatusChange): ServerHealth | undefined {
  if (!data || data.serverId !== change.serverId || data.status === change.to) return data;
  return { ...data, status: change.to, since: change.at };
}

/**
 * 'health.overview' data after a server's status changed: the server's cell and the counts. A
 * server the cached overview does not show (filtered out) changes nothing.
 */
export function patchOverviewStatus(data: FleetOverview | undefined, change: ServerStatusChange): FleetOverview | undefined {
  if (!data) return data;
  const index = data.servers.findIndex((server) => server.id === change.serverId);
  const current = data.servers[index];
  if (!current || current.status === change.to) return data;
  const servers = data.servers.slice();
  servers[index] = { ...current, status: change.to, since: change.at };
  const counts = { ...data.counts };
  counts[current.status] = Math.max(0, (counts[current.status] ?? 0) - 1);
  counts[change.to] = (counts[change.to] ?? 0) + 1;
  return { ...data, servers, counts };
}

const isOpen = (incident: Incident) => incident.endedAt === null;

/** 'health.overview' data after an incident opened, was acknowledged or resolved. */
export function patchOverviewIncident(data: FleetOverview | undefined, incident: Incident): FleetOverview | undefined {
  if (!data) return data;
  const known = data.openIncidents.some((candidate) => candidate.id === incident.id);
  if (!isOpen(incident)) {
    return known ? { ...data, openIncidents: data.openIncidents.filter((candidate) => candidate.id !== incident.id) } : data;
  }
  if (known) return { ...data, openIncidents: data.openIncidents.map((candidate) => (candidate.id === incident.id ? incident : candidate)) };
  // Only servers the overview shows (its filter) have their incidents listed.
  if (!data.servers.some((server) => server.id === incident.serverId)) return data;
  const openIncidents = [...data.openIncidents, incident].sort((a, b) => a.startedAt - b.startedAt);
  return { ...data, openIncidents };
}

/** Open first, then newest first: the order incidents.list answers in. */
export function incidentOrder(a: Incident, b: Incident): number {
  const open = Number(isOpen(b)) - Number(isOpen(a));
  return open !== 0 ? open : b.startedAt - a.startedAt;
}

export type IncidentEventKind = 'opened' | 'acknowledged' | 'resolved';

function matchesFilter(incident: Incident, filter: IncidentListFilter): boolean {
  if (filter.serverId !== undefined && incident.serverId !== filter.serverId) return false;
  const open = openFilter(filter.open);
  if (open === true && !isOpen(incident)) return false;
  if (open === false && isOpen(incident)) return false;
  return true;
}

/**
 * 'incidents.list' data for the given input after an incident event. A listed incident is
 * replaced (and moves to where it now sorts) or removed when it no longer matches (a resolved
 * one in a list of open ones). One the list did not hold is added only when it is new to the
 * filter (just opened; just resolved, for a list of resolved ones) and sorts into the first page:
 * where an older one sits on other pages is the server's to say.
 */
export function patchIncidentList(
  data: IncidentList | undefined,
  filter: IncidentListFilter,
  incident: Incident,
  kind: IncidentEventKind,
): IncidentList | undefined {
  if (!data) return data;
  const matches = matchesFilter(incident, filter);
  const offset = numberOr(filter.offset, 0);
  const index = data.items.findIndex((candidate) => candidate.id === incident.id);
  if (index !== -1) {
    if (!matches) return { items: data.items.filter((candidate) => candidate.id !== incident.id), total: Math.max(0, data.total - 1) };
    const items = data.items.map((candidate) => (candidate.id === incident.id ? incident : candidate));
    return { ...data, items: offset > 0 ? items : items.sort(incidentOrder) };
  }
  const isNew = kind === 'opened' || (kind === 'resolved' && openFilter(filter.open) === false);
  if (!matches || !isNew) return data;
  const total = data.total + 1;
  const limit = numberOr(filter.limit, 50);
  if (offset > 0) return { ...data, total };
  const last = data.items[data.items.length - 1];
  const fits = data.items.length < limit || (last !== undefined && incidentOrder(incident, last) < 0);
  if (!fits) return { ...data, total };
  return { items: [...data.items, incident].sort(incidentOrder).slice(0, limit), total };
}

/** 'health.server' data: its recent incidents (open first, then newest, as many as it had). */
export function patchServerHealthIncident(data: ServerHealth | undefined, incident: Incident, kind: IncidentEventKind): ServerHealth | undefined {
  if (!data || data.serverId !== incident.serverId) return data;
  const limit = Math.max(20, data.incidents.length);
  const patched = patchIncidentList({ items: data.incidents, total: data.incidents.length }, { serverId: data.serverId, limit }, incident, kind);
  return !patched || patched.items === data.incidents ? data : { ...data, incidents: patched.items };
}

/** 'incidents.get' data: the incident's fields, keeping the results it was loaded with. */
export function patchIncidentDetail<T extends Incident>(data: T | undefined, incident: Incident): T | undefined {
  if (!data || data.id !== incident.id) return data;
  return { ...data, ...incident };
}
