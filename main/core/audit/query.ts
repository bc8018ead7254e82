import type Database from 'better-sqlite3';
import type { AuditFilter } from '@shared/api/audit';
import { searchExpression } from './search';

/**
 * The export's filtered read on SQLite (main/core/audit/export.ts streams it). Field and word
 * filters are intersected in the search index, and time ranges become sequence ranges. Pages of
 * the log, on either engine, are main/core/audit/reads.ts.
 */

/** Where a filtered read runs: tables, conditions and parameters, and the sequence column to bound and order by. */
export interface AuditQuery {
  from: string;
  where: string;
  params: unknown[];
  /** The sequence column to bound and order by. */
  seq: string;
}

/**
 * The tables, conditions and parameters for a filter. Field and word filters run in the search
 * index, which then drives the query in sequence order (`seq` names its rowid, so the bounds
 * reach FTS5); time bounds become sequence bounds.
 */
export function auditQuery(sqlite: Database.Database, filter: AuditFilter, before?: number): AuditQuery {
  const expression = searchExpression(filter);
  const seq = expression ? 'audit_search.rowid' : 'audit_events.seq';
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (expression) {
    conditions.push('audit_search MATCH ?');
    params.push(expression);
  }
  if (filter.from !== undefined) {
    conditions.push(`${seq} >= ?`);
    params.push(firstSeqAtOrAfter(sqlite, filter.from));
  }
  if (filter.to !== undefined) {
    conditions.push(`${seq} < ?`);
    params.push(firstSeqAtOrAfter(sqlite, filter.to));
  }
  if (before !== undefined) {
    conditions.push(`${seq} < ?`);
    params.push(before);
  }
  if (filter.outcome === 'ok') conditions.push("audit_events.outcome = 'ok'");
  return {
    from: expression ? 'audit_search JOIN audit_events ON audit_events.seq = audit_search.rowid' : 'audit_events',
    where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '',
    params,
    seq,
  };
}

/**
 * The first sequence number whose time is at or after `at` (one past the last event when none
 * is): `at` never decreases along `seq`, so bisecting the primary key finds it in ~20 lookups.
 */
function firstSeqAtOrAfter(sqlite: Database.Database, at: number): number {
  // Two subqueries: SQLite answers a lone min() or max() from the key, both at once by a full scan.
  const bounds = sqlite.prepare('SELECT (SELECT min(seq) FROM audit_events) AS lo, (SELECT max(seq) FROM audit_events) AS hi').get() as {
    lo: number | null;
    hi: number | null;
  };
  if (bounds.lo === null || bounds.hi === null) return 1;
  const atOrAfter = sqlite.prepare<[number], { seq: number; at: number }>('SELECT seq, at FROM audit_events WHERE seq >= ? ORDER BY seq LIMIT 1');
  let lo = bounds.lo;
  let hi = bounds.hi + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = atOrAfter.get(mid);
    if (!row || row.at >= at) hi = mid;
    else lo = row.seq + 1;
  }
  return lo;
}
