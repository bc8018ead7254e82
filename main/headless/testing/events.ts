/**
 * Reads `GET /api/v1/events` with plain fetch, as a script without an EventSource library
 * would, and parses the Server-Sent Events it carries.
 */

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

export interface EventReader {
  /** Every event received so far, in order. */
  received: ServerSentEvent[];
  /** Resolves with the first event (already received or still to come) that `match` accepts. */
  waitFor(match: (event: ServerSentEvent) => boolean, timeoutMs?: number): Promise<ServerSentEvent>;
  /** Resolves once the server has ended the stream; rejects if it is still open after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<void>;
  close(): void;
}

function parseBlock(block: string): ServerSentEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) as unknown };
  } catch {
    return { event, data: text };
  }
}

/**
 * Opens the stream and resolves once its headers have arrived: from then on the server has
 * subscribed this client, so nothing emitted afterwards is missed.
 */
export async function openEvents(url: URL, headers: Record<string, string> = {}): Promise<EventReader> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { ...headers, accept: 'text/event-stream' } });
  if (response.status !== 200 || !response.body) {
    controller.abort();
    throw new Error(`The event stream answered ${response.status}`);
  }
  const received: ServerSentEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();

  let markEnded = () => {};
  const endedAt = new Promise<void>((resolve) => (markEnded = resolve));
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const parsed = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (parsed) received.push(parsed);
        }
        for (const wake of waiters) wake();
      }
    } catch {
      // Aborted by close(), or the server went away; waiters time out on their own.
    }
    markEnded();
  })();

  return {
    received,
    waitFor(match, timeoutMs = 15_000) {
      return new Promise<ServerSentEvent>((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return;
          finish();
          resolve(found);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`No matching event within ${timeoutMs} ms; received: ${JSON.stringify(received).slice(0, 1000)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    ended(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`The event stream was still open after ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([endedAt, timeout]).finally(() => clearTimeout(timer));
    },
    close() {
      controller.abort();
    },
  };
}
