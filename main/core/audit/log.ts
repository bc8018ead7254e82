import type Database from 'better-sqlite3';
import type { Job } from '@shared/api/jobs';
import type { Principal } from '@shared/permissions';
import { GENESIS, canonicalDetails, hashEvent, type ChainEvent } from './chain';
import type { AuditRow } from './rows';

export interface AuditEntry {
  actor: Principal | null;
  origin: string;
  action: string;
  target: string | undefined;
  outcome: string;
  correlationId: string;
  details: unknown;
}

/** Jobs record their end as `system:jobs`. */
const JOBS: Principal = { kind: 'system', id: 'jobs', name: 'jobs', role: 'owner' };

/** The event that records a job's end: its outcome (`ok` or the error code) and what it was. */
export function jobEndEvent(job: Job): AuditEntry {
  return {
    actor: JOBS,
    origin: 'system',
    action: 'job.finished',
    target: `job:${job.id}`,
    outcome: job.status === 'succeeded' ? 'ok' : (job.error?.code ?? job.status.toUpperCase()),
    correlationId: job.id,
    details: { kind: job.kind, title: job.title, status: job.status, createdBy: job.createdBy },
  };
}

/**
 * Events written before the chain existed (schema 4) are chained once, in order, from genesis,
 * when the database is opened. Appending is main/core/audit/store.ts.
 */
export function chainUnhashedEvents(sqlite: Database.Database): void {
  const pending = sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE hash IS NULL').get() as { n: number };
  if (pending.n === 0) return;
  const rows = sqlite
    .prepare<[], Pick<AuditRow, 'seq' | 'at' | 'actor' | 'origin' | 'action' | 'target' | 'outcome' | 'correlation_id' | 'details'>>(
      'SELECT seq, at, actor, origin, action, target, outcome, correlation_id, details FROM audit_events ORDER BY seq',
    )
    .all();
  const update = sqlite.prepare('UPDATE audit_events SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  sqlite
    .transaction(() => {
      let prev = GENESIS;
      for (const row of rows) {
        const event: ChainEvent = {
          seq: row.seq,
          at: row.at,
          actor: row.actor,
          actorName: null,
          origin: row.origin,
          action: row.action,
          target: row.target,
          outcome: row.outcome,
          correlationId: row.correlation_id,
          details: canonicalDetails(JSON.parse(row.details)),
        };
        const hash = hashEvent(prev, event);
        update.run(event.details, prev, hash, row.seq);
        prev = hash;
      }
    })
    .immediate();
}
