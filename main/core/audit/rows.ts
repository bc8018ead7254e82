import type { AuditEvent } from '@shared/api/audit';
import type { StoredEvent } from './chain';

/** An audit_events row as SQLite returns it. */
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
