import { sql } from 'drizzle-orm';
import { read, type Queryable } from '../db/engine';
import { firstSeqAtOrAfter } from './reads';

/**
 * What the audit summary report counts (docs/architecture.md §9), on either engine: events of a
 * range grouped by action, actor or outcome, and the calls that failed or were refused. A range is
 * of sequence numbers (`auditSeqAt` turns a time into one: `at` never decreases along `seq`), so
 * each count walks the key; a report finds each day's bound once for all its counts.
 */

/** The first sequence number at or after a time (one past the last event when none is). */
export const auditSeqAt = firstSeqAtOrAfter;

export interface AuditCountRow {
  key: string;
  /** The actor's last display name, for the actor column; null for the others. */
  name: string | null;
  count: number;
}

export interface AuditFailureRow {
  seq: number;
  at: number;
  actor: string;
  actorName: string | null;
  action: string;
  target: string | null;
  outcome: string;
  origin: string;
}

/** Events with a sequence number in [from, to) by `column`. */
export function auditCounts(db: Queryable, column: 'action' | 'actor' | 'outcome', from: number, to: number): Promise<AuditCountRow[]> {
  const name = column === 'actor' ? sql.raw('max(actor_name)') : sql.raw('NULL');
  const key = sql.raw(column);
  return db.all(
    sql`SELECT ${key} AS key, ${name} AS name, count(*) AS count FROM audit_events WHERE seq >= ${from} AND seq < ${to} GROUP BY ${key}`,
    (row) => ({
      key: read.text(row, 'key'),
      name: read.textOrNull(row, 'name'),
      count: read.number(row, 'count'),
    }),
  );
}

/** The newest `limit` events with a sequence number in [from, to) whose outcome was not ok. */
export function auditFailures(db: Queryable, from: number, to: number, limit: number): Promise<AuditFailureRow[]> {
  return db.all(
    sql`SELECT seq, at, actor, actor_name, action, target, outcome, origin FROM audit_events
         WHERE seq >= ${from} AND seq < ${to} AND outcome <> 'ok' ORDER BY seq DESC LIMIT ${limit}`,
    (row) => ({
      seq: read.number(row, 'seq'),
      at: read.number(row, 'at'),
      actor: read.text(row, 'actor'),
      actorName: read.textOrNull(row, 'actor_name'),
      action: read.text(row, 'action'),
      target: read.textOrNull(row, 'target'),
      outcome: read.text(row, 'outcome'),
      origin: read.text(row, 'origin'),
    }),
  );
}
