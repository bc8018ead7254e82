import { sql } from 'drizzle-orm';
import type { Clock } from '../clock';
import { read, type AsyncDatabase, type Dialect, type Queryable, type Row } from '../db/engine';
import { GENESIS, canonicalDetails, hashEvent, type ChainEvent } from './chain';
import type { AuditEntry } from './log';
import { redactDetails } from './redact';
import { COLUMNS } from './rows';
import { facetText, searchText } from './search';

/**
 * Appending to the audit log on either engine (docs/architecture.md §4, §9). Each append is one
 * transaction (inside the caller's when there is one, as the router's) that reads the chain's head
 * under a lock every writer of the database takes, so processes sharing a database (the CLI beside
 * `guardian serve`, two nodes on one PostgreSQL) extend one chain and never fork it:
 *
 * - SQLite: the transaction's BEGIN IMMEDIATE holds the file's write lock;
 * - PostgreSQL: `pg_advisory_xact_lock` on a key of Guardian's own, held until commit.
 */

/** The advisory lock key the chain's writers take on PostgreSQL ("GUAR" "DAUD" in ASCII). */
export const AUDIT_CHAIN_LOCK = 0x4755_4152_4441_5544n;

// Written once per row count, given only values: an append's cost is its statements, not building them.
const ROWS_PER_INSERT = 200;
/** PostgreSQL's rows also carry their search vectors, made from text Guardian computes (migrations-pg 0003); SQLite's index reads its view. */
const SEARCH_COLUMNS = { sqlite: '', postgres: ', search_facets, search_words' } as const;
const insertTexts = new Map<string, string>();
function insertEvents(dialect: Dialect, rows: number): string {
  const key = `${dialect}:${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const row = `(${Array(12).fill('?').join(', ')}${dialect === 'postgres' ? ", to_tsvector('simple', ?), to_tsvector('simple', ?)" : ''})`;
    text = `INSERT INTO audit_events (${COLUMNS}${SEARCH_COLUMNS[dialect]}) VALUES ${Array(rows).fill(row).join(', ')}`;
    insertTexts.set(key, text);
  }
  return text;
}
const INDEX_EVENTS = 'INSERT INTO audit_search (rowid, facets, details) SELECT seq, facets, details FROM audit_search_source WHERE seq > ? AND seq <= ?';

/**
 * Indexes for search the events a copy wrote straight to the table (`guardian db copy`): SQLite's
 * FTS5 index takes them from its view (migration 0005), PostgreSQL's vectors come from the
 * functions of migrations-pg 0002, which compute the text the audit log writes with each event.
 */
export async function indexCopiedEvents(tx: Queryable): Promise<void> {
  if (tx.dialect === 'sqlite') {
    await tx.run(sql`INSERT INTO audit_search (rowid, facets, details) SELECT seq, facets, details FROM audit_search_source`);
    return;
  }
  await tx.run(sql`UPDATE audit_events SET
    search_facets = to_tsvector('simple', guardian_audit_facets(action, actor, actor_name, target, outcome)),
    search_words = to_tsvector('simple', guardian_search_words(details::text))
    WHERE search_facets IS NULL`);
}

/**
 * Takes the chain's lock for the rest of `tx`: every writer of the chain (appends, a prune's
 * checkpoint) holds it while it reads the head and writes. On SQLite the transaction's
 * `BEGIN IMMEDIATE` already holds the file's write lock.
 */
export async function lockChain(tx: Queryable): Promise<void> {
  // A bigint parameter: the key does not fit a 32-bit integer.
  if (tx.dialect === 'postgres') await tx.run(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK.toString()}::bigint)`);
}

export interface ChainHead {
  seq: number;
  hash: string;
}

const headOf = (row: Row): { seq: number; hash: string | null } => ({ seq: read.number(row, 'seq'), hash: read.textOrNull(row, 'hash') });

/** The chain's head: the last event, else the last checkpoint, else genesis. */
export async function chainHead(db: Queryable): Promise<ChainHead> {
  const last = await db.get(sql`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`, headOf);
  if (last?.hash) return { seq: last.seq, hash: last.hash };
  const checkpoint = await db.get(sql`SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1`, (row) => ({
    seq: read.number(row, 'last_seq'),
    hash: read.text(row, 'last_hash'),
  }));
  return checkpoint ?? { seq: last?.seq ?? 0, hash: GENESIS };
}

export class AuditStore {
  constructor(
    private readonly db: AsyncDatabase,
    private readonly clock: Clock,
  ) {}

  /** Appends `entries` in order, in one transaction, after the head read under the chain's lock. */
  append(entries: readonly AuditEntry[]): Promise<ChainHead> {
    return this.db.transaction(async (tx) => {
      await lockChain(tx);
      const start = await chainHead(tx);
      let head = start;
      const values: unknown[][] = [];
      for (const entry of entries) {
        const event = this.event(head, entry);
        const hash = hashEvent(head.hash, event);
        const { seq, at, actor, actorName, origin, action, target, outcome, correlationId, details } = event;
        const row: unknown[] = [seq, at, actor, actorName, origin, action, target, outcome, correlationId, details, head.hash, hash];
        if (tx.dialect === 'postgres') row.push(facetText(event), searchText(details));
        values.push(row);
        head = { seq, hash };
      }
      // Up to 200 events per statement: on PostgreSQL each statement is a round trip.
      for (let from = 0; from < values.length; from += ROWS_PER_INSERT) {
        const rows = values.slice(from, from + ROWS_PER_INSERT);
        await tx.execute(insertEvents(tx.dialect, rows.length), rows.flat());
      }
      // SQLite's search index takes the transaction's events in one statement (migration 0005);
      // PostgreSQL's indexes the table itself.
      if (tx.dialect === 'sqlite' && head.seq > start.seq) {
        await tx.execute(INDEX_EVENTS, [start.seq, head.seq]);
      }
      return head;
    });
  }

  private event(head: ChainHead, entry: AuditEntry): ChainEvent {
    return {
      seq: head.seq + 1,
      at: this.clock.now(),
      actor: entry.actor ? `${entry.actor.kind}:${entry.actor.id}` : 'anonymous',
      actorName: entry.actor?.name ?? null,
      origin: entry.origin,
      action: entry.action,
      target: entry.target ?? null,
      outcome: entry.outcome,
      correlationId: entry.correlationId,
      details: canonicalDetails(redactDetails(entry.details) ?? {}),
    };
  }
}
