/**
 * Hands events to one subscriber (an event stream, a window) in the order they were emitted, each
 * after its subscriber's access was read again from the database (docs/architecture.md §3). The
 * read is async, so events emitted meanwhile wait in order and go out together after the next
 * read: each event is checked by a read made after it was emitted, so a key revoked or a session
 * signed out before an event never receives it. When the access is gone (or cannot be read), the
 * gate closes for good and `end` is called once.
 */
export interface EventGate<T> {
  /** Queues one event for the subscriber. */
  push(event: T): void;
  /** Stops: nothing more is delivered, and `end` is not called. */
  close(): void;
}

export function eventGate<T, A>(options: {
  /** The subscriber's access now, or null once it must hear nothing more. */
  access: () => Promise<A | null>;
  deliver: (event: T, access: A) => void;
  end: () => void;
}): EventGate<T> {
  const waiting: T[] = [];
  let reading = false;
  let closed = false;

  const drain = async (): Promise<void> => {
    reading = true;
    try {
      while (waiting.length > 0 && !closed) {
        const batch = waiting.splice(0);
        let access: A | null;
        try {
          access = await options.access();
        } catch {
          // The access could not be read (the database is closing): end rather than guess.
          access = null;
        }
        if (closed) return;
        if (access === null) {
          closed = true;
          waiting.length = 0;
          options.end();
          return;
        }
        for (const event of batch) options.deliver(event, access);
      }
    } finally {
      reading = false;
    }
  };

  return {
    push(event) {
      if (closed) return;
      waiting.push(event);
      if (!reading) void drain();
    },
    close() {
      closed = true;
      waiting.length = 0;
    },
  };
}
