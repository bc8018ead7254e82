import { EventEmitter } from 'node:events';
import type { EventName, PayloadOf, Events } from '@shared/api';
import type { Audience } from '@shared/permissions';

/** `audience`: the one caller an addressed event is for (a terminal's output); transports deliver it to that caller alone. */
export type EventListener = (name: EventName, payload: unknown, audience?: Audience) => void;

/**
 * In-process fan-out of contract events to whichever transports are subscribed. An event emitted
 * inside a transaction goes out to them once it has committed (`whenCommitted`, the data layer's
 * afterCommit) and not at all if it rolls back: a window that reads again on hearing it must find
 * the change, which on PostgreSQL another connection sees only after the commit.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  private readonly inside = new EventEmitter();

  constructor(private readonly whenCommitted: (send: () => void) => void = (send) => send()) {
    // Each SSE client and window subscribes once; many are normal.
    this.emitter.setMaxListeners(0);
  }

  emit<N extends EventName>(name: N, payload: PayloadOf<Events[N]>, audience?: Audience): void {
    this.inside.emit('event', name, payload, audience);
    this.whenCommitted(() => this.emitter.emit('event', name, payload, audience));
  }

  /**
   * Every event at once, inside the transaction that made the change (and so also of a change that
   * then rolls back): only for the core's own bookkeeping that reads the change in that transaction
   * and applies it once committed (the health engine's inventory). Transports use {@link subscribe}.
   */
  subscribeInTransaction(listener: EventListener): () => void {
    this.inside.on('event', listener);
    return () => this.inside.off('event', listener);
  }

  /** Every event; the transport filters by name and permission. Returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
