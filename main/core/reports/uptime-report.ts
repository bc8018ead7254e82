import type { UptimeReport, UptimeRow } from '@shared/api/reports';
import { headerOf, type BuildContext } from './build';
import type { ReportDocument } from './document';
import { yieldToLoop } from './sink';
import { fleetTotals, uptimePercent, UptimeReader } from './uptime';
import { durationText, latencyText, percentText, plural } from './words';

/** The uptime/SLA report: a line per server, the fleet's totals, and a daily chart per server. */
export async function buildUptimeReport(ctx: BuildContext): Promise<ReportDocument> {
  const reader = new UptimeReader(ctx.db);
  const rows: UptimeRow[] = [];
  for (const [index, server] of ctx.servers.entries()) {
    ctx.signal.throwIfAborted();
    rows.push(await reader.row(server, ctx.period, ctx.slaTarget, ctx.now));
    ctx.progress(index + 1);
    await yieldToLoop();
  }
  const fleet = fleetTotals(rows);
  const header = headerOf(ctx);
  const json: UptimeReport = { report: 'uptime', ...header.json, slaTarget: ctx.slaTarget, servers: rows, fleet };
  const maintenance = rows.reduce((sum, row) => sum + row.maintenance, 0);

  return {
    ...header.doc,
    facts: [
      { label: 'Fleet uptime', value: percentText(fleet.uptimePercent) },
      { label: 'SLA target', value: `${ctx.slaTarget} %` },
      {
        label: 'Servers meeting the SLA',
        value: `${fleet.meetingSla} of ${fleet.servers}${fleet.withoutData ? ` (${fleet.withoutData} without results)` : ''}`,
      },
      { label: 'Incidents', value: String(fleet.incidents) },
      { label: 'Downtime (time in incidents)', value: durationText(fleet.downtimeMs) },
      {
        label: 'Results counted',
        value: `${fleet.results.toLocaleString('en')}${maintenance ? ` (${maintenance.toLocaleString('en')} in maintenance left out)` : ''}`,
      },
    ],
    tables: [
      {
        title: 'Servers',
        columns: [
          { header: 'Server', weight: 2.6 },
          { header: 'Environment', weight: 1.3 },
          { header: 'Uptime', weight: 1.2, align: 'right' },
          { header: 'Incidents', weight: 1, align: 'right' },
          { header: 'Downtime', weight: 1.3, align: 'right' },
          { header: 'p95', weight: 0.9, align: 'right' },
          { header: 'SLA', weight: 0.9 },
        ],
        rows: function* () {
          for (const row of rows) {
            yield [
              row.name,
              row.environment,
              percentText(row.uptimePercent),
              String(row.incidents),
              durationText(row.downtimeMs),
              latencyText(row.p95Ms),
              row.sla,
            ];
          }
        },
        footer: [
          `Fleet (${plural(fleet.servers, 'server')})`,
          '',
          percentText(fleet.uptimePercent),
          String(fleet.incidents),
          durationText(fleet.downtimeMs),
          '',
          `${fleet.meetingSla} met`,
        ],
        empty: 'No server is in the scope of this report.',
      },
    ],
    csv: {
      columns: [
        'server',
        'host',
        'environment',
        'tags',
        'checks',
        'results',
        'failures',
        'degraded',
        'maintenance_results',
        'uptime_percent',
        'incidents',
        'downtime_seconds',
        'p95_ms',
        'sla_target_percent',
        'sla',
      ],
      rows: function* () {
        for (const row of rows) {
          yield [
            row.name,
            row.host,
            row.environment,
            row.tags.join(';'),
            row.checks,
            row.results,
            row.failures,
            row.degraded,
            row.maintenance,
            row.uptimePercent,
            row.incidents,
            row.downtimeMs / 1000,
            row.p95Ms,
            ctx.slaTarget,
            row.sla,
          ];
        }
      },
    },
    json,
    charts: {
      count: rows.length,
      target: ctx.slaTarget,
      heading: (index) => {
        const row = rows[index];
        if (!row) return { title: '', subtitle: '' };
        return {
          title: row.name,
          subtitle: `${percentText(row.uptimePercent)} up · ${plural(row.incidents, 'incident')} · ${durationText(row.downtimeMs)} down · p95 ${latencyText(row.p95Ms)} · SLA ${row.sla}`,
        };
      },
      bars: async (index) => {
        const row = rows[index];
        if (!row) return [];
        return (await reader.days(row.serverId, ctx.period)).map((day) => ({ day: day.day, uptimePercent: uptimePercent(day.count, day.failures) }));
      },
    },
  };
}
