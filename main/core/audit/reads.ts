import { sql, type SQL } from 'drizzle-orm';
import type { AuditEvent, AuditFilter } from '@shared/api/audit';
import { AppError } from '@shared/api/errors';
import { read, type Dialect, type Queryable, type Row } from '../db/engine';
import { chainRow, COLUMNS, EVENT_COLUMNS, toAuditEvent } from './rows';
import { facetTokens, searchExpression, searchText, searchWords } from './search';

/**
 * Reading the audit log on either engine (docs/architecture.md §4, §9): filtered pages by sequence
 * cursor, newest first, the same events for the same filter on both. Field and word filters go
 * through a full-text index, and time ranges become sequence ranges (`at` never decreases along
 * `seq`), so a page costs the same at millions of events:
 *
 * - SQLite: one FTS5 MATCH over `audit_search` (migration 0005, main/core/audit/search.ts), which
 *   then drives the query in sequence order;
 * - PostgreSQL: two tsvector columns of `audit_events` with a GIN index each (migrations-pg 0003),
 *   written with each event (main/core/audit/search.ts): the facets, the same tokens as SQLite's
 *   (a letter and the value's UTF-8 in hex), and the details' words.
 */

export type AuditPage = AuditFilter & { before?: number | undefined; limit: number };

/** The mapper for a row of `COLUMNS` (or `EVENT_COLUMNS`) as the event the API returns: the same event, details in the same order, from both engines. */
function auditEvent(dialect: Dialect): (row: Row) => AuditEvent {
  const chained = chainRow(dialect);
  return (row) => toAuditEvent(chained(row));
}

/** The search vectors of migrations-pg 0003_audit_search_text.sql, each with a GIN index. */
const PG_FACETS = sql.raw('audit_events.search_facets');
const PG_DETAILS = sql.raw('audit_events.search_words');

/** Where a filtered read runs: tables, conditions and the sequence column to bound and order by. */
export interface Plan {
  from: SQL;
  conditions: SQL[];
  seq: SQL;
}

function sqlitePlan(filter: AuditFilter): Plan {
  const expression = searchExpression(filter);
  if (!expression) return { from: sql.raw('audit_events'), conditions: [], seq: sql.raw('audit_events.seq') };
  // `seq` names the index's rowid, so the bounds and the order reach FTS5.
  return {
    from: sql.raw('audit_search JOIN audit_events ON audit_events.seq = audit_search.rowid'),
    conditions: [sql`audit_search MATCH ${expression}`],
    seq: sql.raw('audit_search.rowid'),
  };
}

/**
 * User input never reaches the query as tsquery syntax: the facets are hex tokens, and the words are
 * only letters and digits (split as for SQLite), joined by spaces for plainto_tsquery, which ANDs
 * them after the same normalisation as the index.
 */
function postgresPlan(filter: AuditFilter): Plan {
  const conditions: SQL[] = [];
  const facets = facetTokens(filter);
  if (facets.length) conditions.push(sql`${PG_FACETS} @@ plainto_tsquery('simple', ${facets.join(' ')})`);
  const words = filter.q ? searchWords(filter.q) : [];
  if (words.length) conditions.push(sql`${PG_DETAILS} @@ plainto_tsquery('simple', ${searchText(words.join(' '))})`);
  return { from: sql.raw('audit_events'), conditions, seq: sql.raw('audit_events.seq') };
}

/**
 * The first sequence number whose time is at or after `at` (one past the last event when none
 * is): bisecting the primary key finds it in ~20 lookups, where a range on `at` would scan.
 */
export async function firstSeqAtOrAfter(db: Queryable, at: number): Promise<number> {
  // Two subqueries: SQLite answers a lone min() or max() from the key, both at once by a full scan.
  const bounds = await db.get(sql`SELECT (SELECT min(seq) FROM audit_events) AS lo, (SELECT max(seq) FROM audit_events) AS hi`, (row) => ({
    lo: read.numberOrNull(row, 'lo'),
    hi: read.numberOrNull(row, 'hi'),
  }));
  if (!bounds || bounds.lo === null || bounds.hi === null) return 1;
  let lo = bounds.lo;
  let hi = bounds.hi + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const found = await db.get(sql`SELECT seq, at FROM audit_events WHERE seq >= ${mid} ORDER BY seq LIMIT 1`, (row) => ({
      seq: read.number(row, 'seq'),
      at: read.number(row, 'at'),
    }));
    if (!found || found.at >= at) hi = mid;
    else lo = found.seq + 1;
  }
  return lo;
}

/**
 * Where the events `filter` selects are read, on either engine: the tables, the conditions (time
 * bounds already turned into sequence bounds) and the sequence column to bound and order by. The
 * pages below and the streamed export (main/core/audit/export.ts) read through it.
 */
export async function filteredRead(db: Queryable, filter: AuditFilter): Promise<Plan> {
  const plan = db.dialect === 'sqlite' ? sqlitePlan(filter) : postgresPlan(filter);
  const { conditions, seq } = plan;
  if (filter.from !== undefined) conditions.push(sql`${seq} >= ${await firstSeqAtOrAfter(db, filter.from)}`);
  if (filter.to !== undefined) conditions.push(sql`${seq} < ${await firstSeqAtOrAfter(db, filter.to)}`);
  if (filter.outcome === 'ok') conditions.push(sql`audit_events.outcome = 'ok'`);
  return plan;
}

/** ` WHERE a AND b …`, or nothing when there are no conditions. */
export function whereAll(conditions: SQL[]): SQL {
  return conditions.length ? sql` WHERE ${sql.join(conditions, sql` AND `)}` : sql``;
}

/** One page of events, newest first, from before the cursor; `nextBefore` when there are more. */
export async function listAuditEvents(db: Queryable, filter: AuditPage): Promise<{ items: AuditEvent[]; nextBefore: number | null }> {
  const { from, conditions, seq } = await filteredRead(db, filter);
  if (filter.before !== undefined) conditions.push(sql`${seq} < ${filter.before}`);
  const rows = await db.all(
    sql`SELECT ${sql.raw(EVENT_COLUMNS)} FROM ${from}${whereAll(conditions)} ORDER BY ${seq} DESC LIMIT ${filter.limit + 1}`,
    auditEvent(db.dialect),
  );
  const more = rows.length > filter.limit;
  const items = rows.slice(0, filter.limit);
  return { items, nextBefore: more ? (items[items.length - 1]?.seq ?? null) : null };
}

export async function getAuditEvent(db: Queryable, seq: number): Promise<AuditEvent> {
  const event = await db.get(sql`SELECT ${sql.raw(COLUMNS)} FROM audit_events WHERE seq = ${seq}`, auditEvent(db.dialect));
  if (!event) throw new AppError('NOT_FOUND', `There is no audit event ${seq}.`, { hint: 'It may be older than the retention period.' });
  return event;
}
