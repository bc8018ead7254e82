import { AUDIT_FAILURES_LISTED, type AuditCount, type AuditFailure, type AuditSummaryReport } from '@shared/api/reports';
import { auditCounts, auditFailures, auditSeqAt } from '../audit';
import { DAY_MS } from '../clock';
import { headerOf, type BuildContext } from './build';
import type { ReportDocument } from './document';
import { yieldToLoop } from './sink';
import { timeText } from './words';

/**
 * The audit log over a period: events by action, by actor and by outcome, and the calls that
 * failed or were refused. Counted a day at a time (each a short indexed query), yielding between
 * days, so a year of a busy log never holds the event loop.
 */

interface Counter {
  count: number;
  name: string | null;
}

function add(into: Map<string, Counter>, key: string, count: number, name: string | null = null): void {
  const entry = into.get(key);
  if (entry) {
    entry.count += count;
    entry.name = name ?? entry.name;
  } else into.set(key, { count, name });
}

const sorted = (counts: Map<string, Counter>): AuditCount[] =>
  [...counts.entries()].map(([key, { count, name }]) => ({ key, name, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

export async function buildAuditSummaryReport(ctx: BuildContext): Promise<ReportDocument> {
  const { db, period } = ctx;
  const byAction = new Map<string, Counter>();
  const byActor = new Map<string, Counter>();
  const byOutcome = new Map<string, Counter>();
  const first = await auditSeqAt(db, period.from);
  let from = first;
  let step = 0;
  for (let day = period.from; day < period.to; day += DAY_MS) {
    ctx.signal.throwIfAborted();
    const to = await auditSeqAt(db, Math.min(day + DAY_MS, period.to));
    for (const row of await auditCounts(db, 'action', from, to)) add(byAction, row.key, row.count);
    for (const row of await auditCounts(db, 'actor', from, to)) add(byActor, row.key, row.count, row.name);
    for (const row of await auditCounts(db, 'outcome', from, to)) add(byOutcome, row.key, row.count);
    from = to;
    step += 1;
    ctx.progress(step);
    await yieldToLoop();
  }
  const failures: AuditFailure[] = await auditFailures(db, first, from, AUDIT_FAILURES_LISTED);

  const events = [...byOutcome.values()].reduce((sum, entry) => sum + entry.count, 0);
  const failuresTotal = events - (byOutcome.get('ok')?.count ?? 0);
  const header = headerOf(ctx);
  const json: AuditSummaryReport = {
    report: 'audit-summary',
    ...header.json,
    events,
    byAction: sorted(byAction),
    byActor: sorted(byActor),
    byOutcome: sorted(byOutcome),
    failures,
    failuresTotal,
  };
  const actorLabel = (entry: { key: string; name: string | null }) => (entry.name ? `${entry.name} (${entry.key})` : entry.key);

  return {
    ...header.doc,
    facts: [
      { label: 'Events', value: events.toLocaleString('en') },
      { label: 'Failed or refused', value: failuresTotal.toLocaleString('en') },
      { label: 'Actors', value: String(byActor.size) },
      { label: 'Actions', value: String(byAction.size) },
    ],
    tables: [
      countsTable('By action', 'Action', json.byAction, (entry) => entry.key),
      countsTable('By actor', 'Actor', json.byActor, actorLabel),
      countsTable('By outcome', 'Outcome', json.byOutcome, (entry) => entry.key),
      {
        title: failuresTotal > failures.length ? `Failures (the latest ${failures.length} of ${failuresTotal})` : 'Failures',
        columns: [
          { header: 'Time', weight: 1.5 },
          { header: 'Actor', weight: 1.6 },
          { header: 'Action', weight: 1.6 },
          { header: 'Target', weight: 1.6 },
          { header: 'Outcome', weight: 1.3 },
          { header: 'Origin', weight: 1.1 },
        ],
        rows: function* () {
          for (const row of failures)
            yield [timeText(row.at), actorLabel({ key: row.actor, name: row.actorName }), row.action, row.target ?? '', row.outcome, row.origin];
        },
        empty: 'No call failed or was refused in this period.',
      },
    ],
    csv: {
      columns: ['section', 'key', 'name', 'count', 'at', 'target', 'outcome', 'origin'],
      rows: function* () {
        for (const [section, list] of [
          ['action', json.byAction],
          ['actor', json.byActor],
          ['outcome', json.byOutcome],
        ] as const) {
          for (const entry of list) yield [section, entry.key, entry.name, entry.count, null, null, null, null];
        }
        for (const row of failures)
          yield ['failure', row.action, row.actorName ?? row.actor, null, new Date(row.at).toISOString(), row.target, row.outcome, row.origin];
      },
    },
    json,
  };
}

function countsTable(title: string, what: string, counts: readonly AuditCount[], label: (entry: AuditCount) => string) {
  return {
    title,
    columns: [
      { header: what, weight: 4 },
      { header: 'Events', weight: 1, align: 'right' as const },
    ],
    rows: function* () {
      for (const entry of counts) yield [label(entry), entry.count.toLocaleString('en')];
    },
    empty: 'No events in this period.',
  };
}
