import type { ServerRow } from '../servers/table';

/**
 * A stored server with the inventory's defaults, for tests that write or hand over servers
 * directly rather than through the service: a column added to servers is added here once.
 */
export function serverRow(fields: Pick<ServerRow, 'id' | 'name' | 'host'> & Partial<ServerRow>): ServerRow {
  return {
    port: 22,
    user: null,
    environment: 'production',
    tags: [],
    notes: '',
    jumpHostId: null,
    agentForwarding: false,
    dependsOnId: null,
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  };
}
