import type { Check } from '@shared/api/checks';
import type { FleetOverview, FleetServer, ServerHealth } from '@shared/api/health';
import type { Incident } from '@shared/api/incidents';

/** Builders of health data as the contract answers it, for the health pages' tests. */

export const SERVER_ID = '7d1f6a43-3c2e-4b8a-9f51-2f3c4d5e6a7b';
export const CHECK_ID = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
export const INCIDENT_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

export function check(overrides: Partial<Check> = {}): Check {
  return {
    id: CHECK_ID,
    serverId: SERVER_ID,
    name: 'http https://web01.example.com/',
    type: 'http',
    config: { url: 'https://web01.example.com/', method: 'GET', expectedStatus: ['200-399'] },
    intervalMs: 60_000,
    timeoutMs: 10_000,
    retries: 1,
    confirmAfter: 2,
    paused: false,
    state: 'up',
    stateSince: 1_700_000_000_000,
    lastAt: 1_700_000_060_000,
    lastStatus: 'up',
    lastLatencyMs: 42,
    lastMessage: 'HTTP 200 in 42 ms',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: INCIDENT_ID,
    serverId: SERVER_ID,
    serverName: 'web-01',
    severity: 'down',
    startedAt: 1_700_000_100_000,
    endedAt: null,
    durationMs: 60_000,
    cause: 'http down: connection refused',
    checkTypes: ['http'],
    acknowledgedAt: null,
    acknowledgedBy: null,
    note: null,
    ...overrides,
  };
}

export function fleetServer(overrides: Partial<FleetServer> = {}): FleetServer {
  return {
    id: SERVER_ID,
    name: 'web-01',
    host: 'web01.example.com',
    environment: 'production',
    tags: ['web'],
    status: 'up',
    since: 1_700_000_000_000,
    checks: 1,
    ...overrides,
  };
}

/** A uuid-shaped id for the n-th generated server. */
export function serverId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** `count` servers, every tenth down, every seventh degraded, the rest up. */
export function fleet(count: number): FleetServer[] {
  return Array.from({ length: count }, (_, i) =>
    fleetServer({ id: serverId(i), name: `srv-${String(i).padStart(5, '0')}`, status: i % 10 === 0 ? 'down' : i % 7 === 0 ? 'degraded' : 'up' }),
  );
}

export function overview(overrides: Partial<FleetOverview> = {}): FleetOverview {
  const servers = overrides.servers ?? [fleetServer()];
  const counts: Record<string, number> = { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0 };
  for (const server of servers) counts[server.status] = (counts[server.status] ?? 0) + 1;
  return {
    generatedAt: 1_700_000_200_000,
    schedule: { late: 0, oldestLagMs: 0, cause: null },
    counts,
    servers,
    grid: null,
    openIncidents: [],
    uptime: { h24: 0.9995, d7: 0.999, d30: null, since: 1_600_000_000_000 },
    slowest: [],
    flakiest: [],
    certificates: [],
    ...overrides,
  };
}

export function serverHealth(overrides: Partial<ServerHealth> = {}): ServerHealth {
  return {
    serverId: SERVER_ID,
    status: 'up',
    since: 1_700_000_000_000,
    checks: [check()],
    uptime: { h24: 1, d7: 0.99, d30: 0.98, d90: null, since: 1_600_000_000_000 },
    incidents: [],
    maintenance: [],
    ...overrides,
  };
}
