import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { BreakKind } from '@shared/api/audit';

/**
 * The audit log's hash chain (docs/architecture.md §9). Each event's hash is
 *
 *     SHA-256( previous event's hash (hex) ‖ canonical JSON of the event )
 *
 * where the canonical JSON is RFC 8785 (JCS: keys sorted, no spaces, ECMAScript number and string
 * forms) of `{ seq, at, actor, actorName, origin, action, target, outcome, correlationId, details }`.
 * The first event follows GENESIS (64 zeros), or the checkpoint retention left. Anyone can check an
 * exported JSON Lines file with this definition and any JCS library.
 */

export const GENESIS = '0'.repeat(64);

export interface ChainEvent {
  seq: number;
  at: number;
  actor: string;
  actorName: string | null;
  origin: string;
  action: string;
  target: string | null;
  outcome: string;
  correlationId: string;
  /** The details as canonical JSON text (as stored). */
  details: string;
}

/** The details in the canonical form they are stored and hashed in. */
export function canonicalDetails(details: unknown): string {
  return canonicalize(details ?? {}) ?? '{}';
}

/**
 * The event's canonical JSON, built around the stored (already canonical) details text so a
 * million events verify without parsing a million JSON documents. Keys in JCS order.
 */
export function canonicalEvent(event: ChainEvent): string {
  const s = JSON.stringify;
  return (
    `{"action":${s(event.action)},"actor":${s(event.actor)},"actorName":${s(event.actorName)},"at":${s(event.at)},` +
    `"correlationId":${s(event.correlationId)},"details":${event.details},"origin":${s(event.origin)},` +
    `"outcome":${s(event.outcome)},"seq":${s(event.seq)},"target":${s(event.target)}}`
  );
}

export function hashEvent(prevHash: string, event: ChainEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalEvent(event)).digest('hex');
}

export interface ChainBreak {
  seq: number;
  kind: BreakKind;
  message: string;
}

export interface StoredEvent extends ChainEvent {
  prevHash: string | null;
  hash: string | null;
}

/**
 * Walks events in order and finds the first broken link. Feed it events one by one (`push`);
 * it remembers only the previous hash and one event of look-ahead, so a million events stream
 * through in constant memory.
 */
export class ChainWalker {
  private expectedSeq: number;
  private prev: string;
  private pending: StoredEvent | null = null;
  count = 0;
  broken: ChainBreak | null = null;

  constructor(anchor: { seq: number; hash: string }) {
    this.expectedSeq = anchor.seq + 1;
    this.prev = anchor.hash;
  }

  /** The hash of the last event that verified. */
  get head(): string {
    return this.prev;
  }

  get headSeq(): number {
    return this.expectedSeq - 1;
  }

  push(event: StoredEvent): void {
    if (this.broken) return;
    if (this.pending) this.check(this.pending, event);
    this.pending = event;
  }

  /** Checks the last event (it had no successor to look at). */
  finish(): void {
    if (this.pending && !this.broken) this.check(this.pending, null);
    this.pending = null;
  }

  /** Only called while nothing is broken: `push` and `finish` stop at the first break. */
  private check(event: StoredEvent, next: StoredEvent | null): void {
    if (event.seq !== this.expectedSeq) {
      const missing = event.seq - this.expectedSeq === 1 ? `event ${this.expectedSeq} is` : `events ${this.expectedSeq} to ${event.seq - 1} are`;
      this.fail(this.expectedSeq, 'removed', `${missing} missing: removed from the log`);
      return;
    }
    const recomputed = hashEvent(event.prevHash ?? '', event);
    if (event.prevHash === this.prev && event.hash === recomputed) {
      this.prev = recomputed;
      this.expectedSeq += 1;
      this.count += 1;
      return;
    }
    if (event.hash !== recomputed) {
      for (const offset of [1, -1, 2, -2, 3, -3]) {
        if (hashEvent(event.prevHash ?? '', { ...event, seq: event.seq + offset }) === event.hash) {
          this.fail(event.seq, 'reordered', `event ${event.seq} holds the event recorded as ${event.seq + offset}: events were reordered`);
          return;
        }
      }
      if (event.prevHash === this.prev) {
        if (next && next.prevHash === recomputed) {
          this.fail(event.seq, 'hash-altered', `event ${event.seq}'s stored hash was changed; its content is what was recorded`);
        } else {
          this.fail(event.seq, 'edited', `event ${event.seq} was edited: its content no longer matches its hash`);
        }
        return;
      }
      this.fail(event.seq, 'edited', `event ${event.seq} was edited and does not follow event ${event.seq - 1}`);
      return;
    }
    this.fail(
      event.seq,
      'relinked',
      `event ${event.seq} does not follow event ${event.seq - 1}: an earlier event was replaced and re-hashed, or events were removed and renumbered`,
    );
  }

  private fail(seq: number, kind: BreakKind, message: string): void {
    this.broken = { seq, kind, message };
  }
}
