import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { AppError } from '@shared/api/errors';
import { TERMINAL_END_REASONS, type TerminalEndReason, type TerminalRecording } from '@shared/api/terminal';
import { read, type AsyncDatabase, type Row } from '../db/engine';

/**
 * The terminal_recordings table on either engine (docs/architecture.md §4): one row per ended
 * session, its asciicast text gzip-compressed as a run's output is (output-codec.ts), on libuv's
 * thread pool.
 */

const pack = promisify(gzip);
const unpack = promisify(gunzip);

const COLUMNS = sql.raw(
  'id, server_id, server_name, address, opened_by, opened_by_name, started_at, ended_at, end_reason, cols, rows, output_bytes, truncated, recording_bytes, sha256',
);

const reasonOf = (value: string): TerminalEndReason => TERMINAL_END_REASONS.find((reason) => reason === value) ?? 'disconnected';

function toRecording(row: Row): TerminalRecording {
  const startedAt = read.number(row, 'started_at');
  const endedAt = read.number(row, 'ended_at');
  return {
    id: read.text(row, 'id'),
    serverId: read.text(row, 'server_id'),
    serverName: read.text(row, 'server_name'),
    address: read.text(row, 'address'),
    openedBy: read.text(row, 'opened_by'),
    openedByName: read.text(row, 'opened_by_name'),
    startedAt,
    endedAt,
    durationMs: endedAt - startedAt,
    endReason: reasonOf(read.text(row, 'end_reason')),
    cols: read.number(row, 'cols'),
    rows: read.number(row, 'rows'),
    outputBytes: read.number(row, 'output_bytes'),
    truncated: read.boolean(row, 'truncated'),
    recordingBytes: read.number(row, 'recording_bytes'),
    sha256: read.text(row, 'sha256'),
  };
}

export class TerminalStore {
  constructor(private readonly db: AsyncDatabase) {}

  async add(recording: Omit<TerminalRecording, 'durationMs'>, asciicast: string): Promise<void> {
    const packed = await pack(Buffer.from(asciicast, 'utf8'));
    const r = recording;
    await this.db.run(sql`
      INSERT INTO terminal_recordings (id, server_id, server_name, address, opened_by, opened_by_name, started_at, ended_at, end_reason, cols, rows,
        output_bytes, truncated, recording_gz, recording_bytes, sha256)
      VALUES (${r.id}, ${r.serverId}, ${r.serverName}, ${r.address}, ${r.openedBy}, ${r.openedByName}, ${r.startedAt}, ${r.endedAt}, ${r.endReason},
        ${r.cols}, ${r.rows}, ${r.outputBytes}, ${r.truncated}, ${packed}, ${r.recordingBytes}, ${r.sha256})`);
  }

  list(limit: number, filter: { serverId?: string | undefined; since?: number | undefined }): Promise<TerminalRecording[]> {
    const where = [sql`1 = 1`];
    if (filter.serverId !== undefined) where.push(sql`server_id = ${filter.serverId}`);
    if (filter.since !== undefined) where.push(sql`started_at >= ${filter.since}`);
    return this.db.all(
      sql`SELECT ${COLUMNS} FROM terminal_recordings WHERE ${sql.join(where, sql` AND `)} ORDER BY started_at DESC, id DESC LIMIT ${limit}`,
      toRecording,
    );
  }

  async get(id: string): Promise<(TerminalRecording & { asciicast: string }) | undefined> {
    const row = await this.db.get(sql`SELECT ${COLUMNS}, recording_gz FROM terminal_recordings WHERE id = ${id}`, (stored) => ({
      recording: toRecording(stored),
      packed: read.bytesOrNull(stored, 'recording_gz'),
    }));
    if (!row) return undefined;
    let asciicast: string;
    try {
      asciicast = row.packed === null ? '' : (await unpack(row.packed)).toString('utf8');
    } catch (cause) {
      throw new AppError('INTERNAL', 'A terminal recording could not be read: it is not the compressed text Guardian writes.', {
        hint: 'The database may have been changed by hand or by another program; check its schema with guardian db check.',
        retryable: false,
        cause,
      });
    }
    return { ...row.recording, asciicast };
  }

  /** Removes up to `limit` recordings of sessions that ended before `before`, oldest first; how many. */
  async removeEndedBefore(before: number, limit: number): Promise<number> {
    const ids = await this.db.all(sql`SELECT id FROM terminal_recordings WHERE ended_at < ${before} ORDER BY ended_at LIMIT ${limit}`, (row) =>
      read.text(row, 'id'),
    );
    if (ids.length === 0) return 0;
    const { changes } = await this.db.run(
      sql`DELETE FROM terminal_recordings WHERE id IN (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    return changes;
  }
}
