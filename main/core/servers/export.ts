import { stringify } from 'csv-stringify/sync';
import type { EXPORT_FORMATS, Server } from '@shared/api/servers';
import { toCsvCell } from '../csv';
import { CSV_COLUMNS } from './import-parse';

export interface ExportFile {
  fileName: string;
  mimeType: string;
  count: number;
  content: string;
}

/**
 * Servers in the import format, so an export can be imported again as it is. A jump host is
 * written by name (`nameOf`, which knows servers the filters left out), as the import reads it.
 */
export function exportServers(
  servers: Server[],
  format: (typeof EXPORT_FORMATS)[number],
  now: number,
  nameOf: (id: string) => string | undefined = () => undefined,
): ExportFile {
  const stamp = new Date(now).toISOString().slice(0, 10);
  const portable = servers.map(({ name, host, port, user, environment, tags, notes, jumpHostId, dependsOnId }) => ({
    name,
    host,
    port,
    user,
    environment,
    tags,
    notes,
    jumpHost: jumpHostId === null ? null : (nameOf(jumpHostId) ?? null),
    dependsOn: dependsOnId === null ? null : (nameOf(dependsOnId) ?? null),
  }));
  switch (format) {
    case 'json':
      return {
        fileName: `guardian-servers-${stamp}.json`,
        mimeType: 'application/json',
        count: servers.length,
        content: `${JSON.stringify({ servers: portable }, null, 2)}\n`,
      };
    case 'csv':
      return {
        fileName: `guardian-servers-${stamp}.csv`,
        mimeType: 'text/csv',
        count: servers.length,
        content: stringify(
          portable.map((server) => ({
            name: toCsvCell(server.name),
            host: server.host,
            ssh_port: server.port,
            user: server.user ?? '',
            environment: server.environment,
            tags: server.tags.join(';'),
            notes: toCsvCell(server.notes),
            jump_host: server.jumpHost === null ? '' : toCsvCell(server.jumpHost),
            depends_on: server.dependsOn === null ? '' : toCsvCell(server.dependsOn),
          })),
          { header: true, columns: [...CSV_COLUMNS] },
        ),
      };
  }
}
