import type Database from 'better-sqlite3';
import type { Principal } from '../../../shared/permissions';
import type { Clock } from '../clock';
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

/**
 * The append-only record of audited calls. Only `append` writes; nothing in the product
 * updates or deletes an event.
 */
export class AuditLog {
  private readonly insert: Database.Statement;

  constructor(
    sqlite: Database.Database,
    private readonly clock: Clock,
  ) {
    this.insert = sqlite.prepare(
      `INSERT INTO audit_events (at, actor, origin, action, target, outcome, correlation_id, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  append(entry: AuditEntry): void {
    this.insert.run(
      this.clock.now(),
      entry.actor ? `${entry.actor.kind}:${entry.actor.id}` : 'anonymous',
      entry.origin,
      entry.action,
      entry.target ?? null,
      entry.outcome,
      entry.correlationId,
      JSON.stringify(redactDetails(entry.details) ?? {}),
    );
  }
}

