import type Database from 'better-sqlite3';
import type { Job } from '@shared/api/jobs';
import type { Principal } from '@shared/permissions';
import type { Clock } from '../clock';
import { GENESIS, canonicalDetails, hashEvent, type ChainEvent } from './chain';
import { redactDetails } from './redact';

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

interface Head {
  seq: number;
  hash: string;
}

/**
 * The append-only, hash-chained record of audited calls. Only `append` writes; nothing in the
 * product updates or deletes an event except retention (main/core/audit/retention.ts). The head
 * is read inside the write transaction, so two processes on one data dir (the CLI next to
 * `guardian serve`) extend one chain, never fork it.
 */
export class AuditLog {
  private readonly insert: Database.Statement;
  private readonly index: Database.Statement<[number, number]>;
  private readonly lastEvent: Database.Statement<[], Head>;
  private readonly lastCheckpoint: Database.Statement<[], { last_seq: number; last_hash: string }>;
  private readonly appendBatch: (entries: readonly AuditEntry[]) => void;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly clock: Clock,
  ) {
    this.insert = sqlite.prepare(
      `INSERT INTO audit_events (seq, at, actor, actor_name, origin, action, target, outcome, correlation_id, details, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The search index (migration 0005) takes a transaction's events in one statement, as one
    // pending FTS5 segment, from the view that turns an event into its filter tokens.
    this.index = sqlite.prepare(
      'INSERT INTO audit_search (rowid, facets, details) SELECT seq, facets, details FROM audit_search_source WHERE seq > ? AND seq <= ?',
    );
    this.lastEvent = sqlite.prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    this.lastCheckpoint = sqlite.prepare('SELECT last_seq, last_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1');
    const many = sqlite.transaction((entries: readonly AuditEntry[]) => {
      const start = this.head();
      let head = start;
      for (const entry of entries) head = this.write(head, entry);
      this.index.run(start.seq, head.seq);
    });
    // IMMEDIATE: the head is read under the write lock, so no other writer slips in between.
    this.appendBatch = (entries) => many.immediate(entries);
    this.chainUnhashed();
  }

  append(entry: AuditEntry): void {
    this.appendBatch([entry]);
  }

  /** Many events in one transaction (system jobs, benchmarks). */
  appendMany(entries: readonly AuditEntry[]): void {
    this.appendBatch(entries);
  }

  /** The chain's head: the last event, else the last checkpoint, else genesis. */
  head(): Head {
    const last = this.lastEvent.get();
    if (last?.hash) return last;
    const checkpoint = this.lastCheckpoint.get();
    return checkpoint ? { seq: checkpoint.last_seq, hash: checkpoint.last_hash } : { seq: last?.seq ?? 0, hash: GENESIS };
  }

  private write(head: Head, entry: AuditEntry): Head {
    const event: ChainEvent = {
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
    const hash = hashEvent(head.hash, event);
    const { seq, at, actor, actorName, origin, action, target, outcome, correlationId, details } = event;
    this.insert.run(seq, at, actor, actorName, origin, action, target, outcome, correlationId, details, head.hash, hash);
    return { seq: event.seq, hash };
  }

  /** Events written before the chain existed (schema 4) are chained once, in order, from genesis. */
  private chainUnhashed(): void {
    const pending = this.sqlite.prepare('SELECT count(*) AS n FROM audit_events WHERE hash IS NULL').get() as { n: number };
    if (pending.n === 0) return;
    const rows = this.sqlite
      .prepare<
        [],
        {
          seq: number;
          at: number;
          actor: string;
          origin: string;
          action: string;
          target: string | null;
          outcome: string;
          correlation_id: string;
          details: string;
        }
      >('SELECT seq, at, actor, origin, action, target, outcome, correlation_id, details FROM audit_events ORDER BY seq')
      .all();
    const update = this.sqlite.prepare('UPDATE audit_events SET details = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    this.sqlite
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
}
