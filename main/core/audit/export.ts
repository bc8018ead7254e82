import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '@shared/api/errors';
import type { AuditFilter } from '@shared/api/audit';
import type { Clock } from '../clock';
import { read, type Queryable } from '../db/engine';
import type { Artifacts, JobContext } from '../jobs';
import { toCsvCell } from '../csv';
import { filteredRead, whereAll } from './reads';
import { CHUNK, chainRow, EVENT_COLUMNS, toAuditEvent, yieldToLoop, type AuditRow } from './rows';

/**
 * Streams the filtered events, oldest first, to a file the job hands over, on either engine: in
 * chunks read in sequence order that yield to the event loop between them. The details are written
 * in the canonical form the chain hashed (main/core/audit/rows.ts `chainRow`), so a JSON Lines
 * export from either engine verifies on its own (main/core/audit/verify-file.ts).
 */
export async function exportEvents(
  { data, artifacts, clock }: { data: Queryable; artifacts: Artifacts; clock: Clock },
  jobId: string,
  filter: AuditFilter,
  format: 'csv' | 'jsonl',
  job: Pick<JobContext, 'signal' | 'progress'>,
) {
  const { from, conditions, seq } = await filteredRead(data, filter);
  const total = (await data.get(sql`SELECT count(*) AS n FROM ${from}${whereAll(conditions)}`, (row) => read.number(row, 'n'))) ?? 0;
  const stamp = new Date(clock.now()).toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const draft = artifacts.begin(jobId, `audit-${stamp}.${format}`);
  const out = createWriteStream(draft.path, { encoding: 'utf8' });
  const mapRow = chainRow(data.dialect);
  const next = (after: number) =>
    data.all(sql`SELECT ${sql.raw(EVENT_COLUMNS)} FROM ${from}${whereAll([...conditions, sql`${seq} > ${after}`])} ORDER BY ${seq} LIMIT ${CHUNK}`, mapRow);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    if (format === 'csv') await write(stringify([CSV_HEADER]));
    let after = 0;
    let written = 0;
    for (;;) {
      if (job.signal.aborted) throw new AppError('CANCELLED', 'The export was cancelled.', { hint: 'Start it again to get the file.' });
      const rows = await next(after);
      if (rows.length === 0) break;
      await write(format === 'csv' ? stringify(rows.map(csvRow)) : rows.map((row) => `${JSON.stringify(toAuditEvent(row))}\n`).join(''));
      after = rows[rows.length - 1]?.seq ?? after;
      written += rows.length;
      job.progress(written, total);
      await yieldToLoop();
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
    // The file may still be opening (a cancel or a shutdown before the first row): wait until the
    // stream has closed before removing its folder, or the open fails in a removed folder with an
    // error nobody listens to, which takes the whole process down.
    out.destroy();
    await finished(out).catch(() => undefined);
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
