import type { InventoryReport, InventoryRow } from '@shared/api/reports';
import type { Server } from '@shared/api/servers';
import { type CheckRegistry, statusOfServer } from '../health';
import { headerOf, type BuildContext } from './build';
import type { ReportDocument } from './document';
import { yieldToLoop } from './sink';
import { plural } from './words';

const STATUS_ORDER = ['down', 'degraded', 'up', 'unknown', 'paused'];

/** A server's checks and status as the health engine holds them, keyed by server id. */
export type ServerStatuses = Record<string, { checks: number; status: string }>;

/**
 * The status of each server now, read from the health engine (which lives on the main thread)
 * when the job starts, so the report itself can be made in a worker thread.
 */
export function serverStatuses(servers: readonly Server[], registry: CheckRegistry): ServerStatuses {
  const statuses: ServerStatuses = {};
  for (const server of servers) {
    const checks = registry.checksOf(server.id);
    statuses[server.id] = { checks: checks.length, status: statusOfServer(checks).status };
  }
  return statuses;
}

/** The inventory: every server in scope with its checks and its status as the report is made. */
export async function buildInventoryReport(ctx: BuildContext, statuses: ServerStatuses): Promise<ReportDocument> {
  const rows: InventoryRow[] = [];
  const byStatus: Record<string, number> = {};
  for (const [index, server] of ctx.servers.entries()) {
    const { checks, status } = statuses[server.id] ?? { checks: 0, status: 'unknown' };
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    rows.push({
      serverId: server.id,
      name: server.name,
      host: server.host,
      port: server.port,
      environment: server.environment,
      tags: server.tags,
      checks,
      status,
    });
    ctx.progress(index + 1);
    if (index % 100 === 99) {
      ctx.signal.throwIfAborted();
      await yieldToLoop();
    }
  }
  const header = headerOf(ctx);
  const json: InventoryReport = { report: 'inventory', ...header.json, servers: rows, byStatus };
  const environments = new Set(rows.map((row) => row.environment));
  const statusWords = Object.entries(byStatus)
    .sort((a, b) => STATUS_ORDER.indexOf(a[0]) - STATUS_ORDER.indexOf(b[0]))
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');

  return {
    ...header.doc,
    facts: [
      { label: 'Servers', value: String(rows.length) },
      { label: 'Status now', value: statusWords || 'no servers' },
      { label: 'Environments', value: [...environments].sort().join(', ') || '-' },
      {
        label: 'Checks',
        value: plural(
          rows.reduce((sum, row) => sum + row.checks, 0),
          'check',
        ),
      },
    ],
    tables: [
      {
        title: 'Servers',
        columns: [
          { header: 'Name', weight: 2.4 },
          { header: 'Host', weight: 2 },
          { header: 'Port', weight: 0.7, align: 'right' },
          { header: 'Environment', weight: 1.6 },
          { header: 'Tags', weight: 1.6 },
          { header: 'Checks', weight: 0.8, align: 'right' },
          { header: 'Status', weight: 1 },
        ],
        rows: function* () {
          for (const row of rows) yield [row.name, row.host, String(row.port), row.environment, row.tags.join(', '), String(row.checks), row.status];
        },
        empty: 'No server is in the scope of this report.',
      },
    ],
    csv: {
      columns: ['name', 'host', 'port', 'environment', 'tags', 'checks', 'status'],
      rows: function* () {
        for (const row of rows) yield [row.name, row.host, row.port, row.environment, row.tags.join(';'), row.checks, row.status];
      },
    },
    json,
  };
}
