import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type Database from 'better-sqlite3';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '@shared/api/errors';
import type { AuditFilter } from '@shared/api/audit';
import type { Clock } from '../clock';
import type { Artifacts, JobContext } from '../jobs';
import { toCsvCell } from '../csv';
import { auditQuery } from './query';
import { CHUNK, EVENT_COLUMNS, toAuditEvent, type AuditRow } from './rows';

/** Streams the filtered events, oldest first, to a file the job hands over. */
export async function exportEvents(
  { sqlite, artifacts, clock }: { sqlite: Database.Database; artifacts: Artifacts; clock: Clock },
  jobId: string,
  filter: AuditFilter,
  format: 'csv' | 'jsonl',
  job: Pick<JobContext, 'signal' | 'progress'>,
) {
  const { from, where, params, seq } = auditQuery(sqlite, filter);
  const total = (sqlite.prepare(`SELECT count(*) AS n FROM ${from} ${where}`).get(...params) as { n: number }).n;
  const stamp = new Date(clock.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const draft = artifacts.begin(jobId, `audit-${stamp}.${format}`);
  const out = createWriteStream(draft.path, { encoding: 'utf8' });
  const next = sqlite.prepare<unknown[], AuditRow>(
    `SELECT ${EVENT_COLUMNS} FROM ${from} ${where ? `${where} AND` : 'WHERE'} ${seq} > ? ORDER BY ${seq} LIMIT ?`,
  );
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    if (format === 'csv') await write(stringify([CSV_HEADER]));
    let after = 0;
    let written = 0;
    for (;;) {
      if (job.signal.aborted) throw new AppError('CANCELLED', 'The export was cancelled.', { hint: 'Start it again to get the file.' });
      const rows = next.all(...params, after, CHUNK);
      if (rows.length === 0) break;
      await write(format === 'csv' ? stringify(rows.map(csvRow)) : rows.map((row) => `${JSON.stringify(toAuditEvent(row))}\n`).join(''));
      after = rows[rows.length - 1]?.seq ?? after;
      written += rows.length;
      job.progress(written, total);
    }
    out.end();
    await once(out, 'finish');
    return {
      kind: 'audit.export' as const,
      format,
      events: written,
      artifact: draft.commit(format === 'csv' ? 'text/csv' : 'application/x-ndjson', 'audit:read'),
    };
  } catch (error) {
    out.destroy();
    draft.discard();
    throw error;
  }
}

const CSV_HEADER = ['seq', 'at', 'time', 'actor', 'actorName', 'origin', 'action', 'target', 'outcome', 'correlationId', 'details', 'prevHash', 'hash'];

function csvRow(row: AuditRow): string[] {
  return [
    String(row.seq),
    String(row.at),
    new Date(row.at).toISOString(),
    row.actor,
    row.actor_name ?? '',
    row.origin,
    row.action,
    row.target ?? '',
    row.outcome,
    row.correlation_id,
    row.details,
    row.prev_hash ?? '',
    row.hash ?? '',
  ].map(toCsvCell);
}
