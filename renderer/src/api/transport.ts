import type { EventName, MethodName } from '@shared/api';

export interface CallOptions {
  /** Aborts the request when the caller no longer needs the answer (HTTP only). */
  signal?: AbortSignal;
}

/**
 * How bytes reach the core. A transport resolves with the method's raw output (not yet parsed)
 * or rejects with an AppError; it never knows the method's types.
 */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(method: MethodName, input: unknown, options?: CallOptions): Promise<unknown>;
  /** Raw event payloads, one callback per event name. Returns the unsubscribe function. */
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  /**
   * Called each time the event stream opens, the first time and after every drop: events
   * emitted before then never arrived, so data read before then (or still being read) should be
   * read again. Returns the unsubscribe function.
   */
  onReconnect(listener: () => void): () => void;
  /**
   * The signed-in session's CSRF token, sent with every state-changing HTTP request (the
   * session cookie itself is HttpOnly). Null after sign-out. IPC ignores it: there the main
   * process holds the session.
   */
  setCsrfToken(token: string | null): void;
}
