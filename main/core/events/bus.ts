import { EventEmitter } from 'node:events';
import type { EventName, PayloadOf, Events } from '@shared/api';

export type EventListener = (name: EventName, payload: unknown) => void;

/** In-process fan-out of contract events to whichever transports are subscribed. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Each SSE client and window subscribes once; many are normal.
    this.emitter.setMaxListeners(0);
  }

  emit<N extends EventName>(name: N, payload: PayloadOf<Events[N]>): void {
    this.emitter.emit('event', name, payload);
  }

  /** Every event; the transport filters by name and permission. Returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
