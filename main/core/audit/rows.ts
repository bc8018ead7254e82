import type { AuditEvent } from '@shared/api/audit';
import { read, type Dialect, type Row } from '../db/engine';
import { canonicalDetails, type StoredEvent } from './chain';

/** An audit_events row, its details as the text the chain hashes (`chainRow`). */
export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  actor_name: string | null;
  origin: string;
  action: string;
  target: string | null;
  outcome: string;
  correlation_id: string;
  details: string;
  prev_hash: string | null;
  hash: string | null;
}

export const COLUMNS = 'seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash';
/** The columns when the search index joins in (it has a `details` column of its own, always null). */
export const EVENT_COLUMNS = COLUMNS.split(', ')
  .map((column) => `audit_events.${column}`)
  .join(', ');
/** Rows read or removed at a time by the jobs, which yield to the event loop between chunks. */
export const CHUNK = 5000;
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The mapper for a row of `COLUMNS` (or `EVENT_COLUMNS`) on `dialect`, its details as the text the
 * chain hashes. SQLite keeps the canonical text that was hashed, byte for byte: it is used as it
 * is (any change to it is an edit, and a million events verify without parsing a million JSON
 * documents). PostgreSQL's jsonb keeps the value, not the text (it returns the keys reordered and
 * spaced), so the canonical text is made again from it (main/core/audit/chain.ts).
 */
export function chainRow(dialect: Dialect): (row: Row) => AuditRow {
  const details = dialect === 'sqlite' ? (row: Row) => read.text(row, 'details') : (row: Row) => canonicalDetails(read.json(row, 'details'));
  return (row) => ({
    seq: read.number(row, 'seq'),
    at: read.number(row, 'at'),
    actor: read.text(row, 'actor'),
    actor_name: read.textOrNull(row, 'actor_name'),
    origin: read.text(row, 'origin'),
    action: read.text(row, 'action'),
    target: read.textOrNull(row, 'target'),
    outcome: read.text(row, 'outcome'),
    correlation_id: read.text(row, 'correlation_id'),
    details: details(row),
    prev_hash: read.textOrNull(row, 'prev_hash'),
    hash: read.textOrNull(row, 'hash'),
  });
}

/** A row as the chain sees it. */
export function storedEvent(row: AuditRow): StoredEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    actorName: row.actor_name,
    origin: row.origin,
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    correlationId: row.correlation_id,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const event = storedEvent(row);
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(event.details) as Record<string, unknown>;
  } catch {
    details = { unreadable: event.details };
  }
  return { ...event, details, prevHash: event.prevHash ?? '', hash: event.hash ?? '' };
}
