import { describe, expect, it } from 'vitest';
import {
  patchCheckList,
  patchIncidentList,
  patchOverviewIncident,
  patchOverviewStatus,
  patchServerHealthChecks,
  patchServerHealthIncident,
  patchServerHealthStatus,
  resultsByCheck,
  type CheckResultItem,
} from './health-cache';
import { check, CHECK_ID, fleetServer, incident, overview, SERVER_ID, serverHealth, serverId } from './testing/fixtures';

const OTHER_CHECK = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';

function result(overrides: Partial<CheckResultItem> = {}): CheckResultItem {
  return {
    checkId: CHECK_ID,
    serverId: SERVER_ID,
    at: 1_700_000_120_000,
    status: 'down',
    state: 'down',
    latencyMs: null,
    message: 'connection refused',
    ...overrides,
  };
}

const batch = (...results: CheckResultItem[]) => resultsByCheck({ results });

describe('check results patch the cached checks', () => {
  it('sets the state, the last result and since when, for the checks in the batch only', () => {
    const other = check({ id: OTHER_CHECK, name: 'tcp web01:22' });
    const data = { items: [check(), other] };
    const patched = patchCheckList(data, batch(result()));
    expect(patched?.items[0]).toMatchObject({
      state: 'down',
      stateSince: 1_700_000_120_000,
      lastAt: 1_700_000_120_000,
      lastStatus: 'down',
      lastLatencyMs: null,
      lastMessage: 'connection refused',
    });
    expect(patched?.items[1]).toBe(other);
  });

  it('keeps since-when while the state holds (a failed try damped by confirmAfter)', () => {
    const patched = patchCheckList({ items: [check()] }, batch(result({ state: 'up', status: 'down' })));
    expect(patched?.items[0]).toMatchObject({ state: 'up', lastStatus: 'down', stateSince: 1_700_000_000_000 });
  });

  it('ignores a result older than the cached one (a late event after a refetch)', () => {
    const data = { items: [check({ lastAt: 1_700_000_200_000 })] };
    expect(patchCheckList(data, batch(result({ at: 1_700_000_100_000 })))).toBe(data);
  });

  it('leaves the data untouched when the batch is about other checks', () => {
    const data = serverHealth();
    expect(patchServerHealthChecks(data, batch(result({ checkId: OTHER_CHECK })))).toBe(data);
  });

  it('marks a check paused from its state', () => {
    const patched = patchServerHealthChecks(serverHealth(), batch(result({ state: 'paused', status: 'up' })));
    expect(patched?.checks[0]).toMatchObject({ state: 'paused', paused: true });
  });

  it('keeps the newest of two results for the same check in one batch', () => {
    const results = batch(result({ at: 2, message: 'newer' }), result({ at: 1, message: 'older' }));
    expect(results.get(CHECK_ID)?.message).toBe('newer');
  });
});

describe('server.status patches the overview and the server', () => {
  const servers = [fleetServer(), fleetServer({ id: serverId(1), name: 'db-01', status: 'down' })];

  it('moves the server between the counts and recolours its cell', () => {
    const data = overview({ servers });
    expect(data.counts).toMatchObject({ up: 1, down: 1 });
    const patched = patchOverviewStatus(data, { serverId: SERVER_ID, from: 'up', to: 'degraded', at: 5 });
    expect(patched?.counts).toMatchObject({ up: 0, degraded: 1, down: 1 });
    expect(patched?.servers[0]).toMatchObject({ status: 'degraded', since: 5 });
    expect(patched?.servers[1]).toBe(servers[1]);
  });

  it('changes nothing for a server the filtered overview does not show, or a status it already has', () => {
    const data = overview({ servers });
    expect(patchOverviewStatus(data, { serverId: serverId(9), from: 'up', to: 'down', at: 5 })).toBe(data);
    expect(patchOverviewStatus(data, { serverId: SERVER_ID, from: 'down', to: 'up', at: 5 })).toBe(data);
  });

  it('sets the server health status and since when, for that server only', () => {
    const data = serverHealth();
    expect(patchServerHealthStatus(data, { serverId: SERVER_ID, from: 'up', to: 'down', at: 9 })).toMatchObject({ status: 'down', since: 9 });
    expect(patchServerHealthStatus(data, { serverId: serverId(1), from: 'up', to: 'down', at: 9 })).toBe(data);
  });
});

describe('incident events insert and update incidents', () => {
  const older = incident({ id: '11111111-1111-4111-8111-111111111111', startedAt: 1_000, endedAt: 2_000 });

  it('adds an opened incident to the overview, oldest open first, and drops it when resolved', () => {
    const early = incident({ id: '22222222-2222-4222-8222-222222222222', startedAt: 500 });
    const data = overview({ openIncidents: [early] });
    const opened = patchOverviewIncident(data, incident());
    expect(opened?.openIncidents.map((i) => i.id)).toEqual([early.id, incident().id]);
    const resolved = patchOverviewIncident(opened, incident({ endedAt: 1_700_000_300_000 }));
    expect(resolved?.openIncidents.map((i) => i.id)).toEqual([early.id]);
  });

  it('does not list in the overview an incident of a server its filter leaves out', () => {
    const data = overview();
    expect(patchOverviewIncident(data, incident({ serverId: serverId(4) }))).toBe(data);
  });

  it('updates an acknowledged incident in place in the overview', () => {
    const data = overview({ openIncidents: [incident()] });
    const acked = patchOverviewIncident(data, incident({ acknowledgedAt: 7, acknowledgedBy: 'alice', note: 'on it' }));
    expect(acked?.openIncidents[0]).toMatchObject({ acknowledgedBy: 'alice', note: 'on it' });
  });

  it('puts a new incident first in a list (open first, then newest) and counts it', () => {
    const data = { items: [older], total: 1 };
    const patched = patchIncidentList(data, { limit: 50 }, incident(), 'opened');
    expect(patched?.items.map((i) => i.id)).toEqual([incident().id, older.id]);
    expect(patched?.total).toBe(2);
  });

  it('removes a resolved incident from a list of open ones', () => {
    const data = { items: [incident()], total: 1 };
    expect(patchIncidentList(data, { open: true }, incident({ endedAt: 9 }), 'resolved')).toEqual({ items: [], total: 0 });
  });

  it('adds a just-resolved incident to a list of resolved ones', () => {
    const data = { items: [older], total: 1 };
    const patched = patchIncidentList(data, { open: false, limit: 50 }, incident({ endedAt: 1_700_000_400_000 }), 'resolved');
    expect(patched?.items.map((i) => i.id)).toEqual([incident().id, older.id]);
    expect(patched?.total).toBe(2);
  });

  it('leaves a list of another server, or a later page, as it is, but counts a new one on a later page', () => {
    const data = { items: [older], total: 1 };
    expect(patchIncidentList(data, { serverId: serverId(3) }, incident(), 'opened')).toBe(data);
    expect(patchIncidentList(data, { offset: 50 }, incident(), 'opened')).toEqual({ items: [older], total: 2 });
  });

  it('does not add an acknowledged incident the list did not hold (it sits on another page)', () => {
    const data = { items: [older], total: 80 };
    expect(patchIncidentList(data, {}, incident({ acknowledgedAt: 5 }), 'acknowledged')).toBe(data);
  });

  it('keeps a full first page at its size', () => {
    const page = Array.from({ length: 3 }, (_, i) => incident({ id: `3333333${i}-3333-4333-8333-333333333333`, startedAt: 3_000 - i }));
    const patched = patchIncidentList({ items: page, total: 10 }, { limit: 3 }, incident(), 'opened');
    expect(patched?.items).toHaveLength(3);
    expect(patched?.items[0]?.id).toBe(incident().id);
    expect(patched?.total).toBe(11);
  });

  it('patches the server’s own recent incidents', () => {
    const data = serverHealth({ incidents: [older] });
    expect(patchServerHealthIncident(data, incident(), 'opened')?.incidents.map((i) => i.id)).toEqual([incident().id, older.id]);
    expect(patchServerHealthIncident(data, incident({ serverId: serverId(2) }), 'opened')).toBe(data);
  });
});
