import { API_PREFIX, CSRF_HEADER, SETUP_TOKEN_HEADER, STATE_CHANGING_VERBS, toHttpRequest } from '@shared/api/http';
import { methods, type EventName, type MethodName } from '@shared/api';
import { errorFromWire, isAbort, unexpectedAnswer, unreachable } from './app-errors';
import type { CallOptions, Transport } from './transport';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The part of EventSource this transport uses, so tests can pass a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
  /** 2 (CLOSED) once the browser has given up reconnecting (the server answered other than 200). */
  readonly readyState?: number;
}

const CLOSED = 2;
/** How long to wait before reopening a stream the browser gave up on, doubling up to the cap. */
const REOPEN_FIRST_MS = 1000;
const REOPEN_MAX_MS = 30_000;

export interface HttpTransportOptions {
  /** Origin the API lives on; '' means the page's own origin. */
  baseUrl?: string;
  fetch?: FetchLike;
  createEventSource?: (url: string) => EventSourceLike;
  /** The first-run token from the link `guardian serve` printed (setup-token.ts), sent with auth.setup. */
  setupToken?: string | null;
}

export const EVENTS_PATH = `${API_PREFIX}/events`;

/** Method inputs are objects; the router reports anything else, so nothing is guessed here. */
function asRecord(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return {};
  return { ...input };
}

async function readJson(response: Response): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    const text = await response.text();
    return { ok: true, value: text === '' ? undefined : (JSON.parse(text) as unknown) };
  } catch {
    return { ok: false };
  }
}

interface Credentials {
  csrfToken: string | null;
  setupToken: string | null;
}

/** The method calls of the browser build: REST over fetch, same origin, session cookie. */
async function httpCall(fetcher: FetchLike, baseUrl: string, { csrfToken, setupToken }: Credentials, name: MethodName, input: unknown, options?: CallOptions) {
  const request = toHttpRequest(methods[name], asRecord(input));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrfToken && STATE_CHANGING_VERBS.has(request.verb)) headers[CSRF_HEADER] = csrfToken;
  if (setupToken && name === 'auth.setup') headers[SETUP_TOKEN_HEADER] = setupToken;
  const init: RequestInit = { method: request.verb, headers, credentials: 'same-origin' };
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.body);
  }
  if (options?.signal) init.signal = options.signal;

  let response: Response;
  try {
    response = await fetcher(baseUrl + request.url, init);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw unreachable(error);
  }
  const body = await readJson(response);
  if (response.ok) {
    if (!body.ok) throw unexpectedAnswer();
    return body.value;
  }
  if (body.ok && typeof body.value === 'object' && body.value !== null && 'error' in body.value) {
    throw errorFromWire(body.value.error, response.status);
  }
  throw unexpectedAnswer(response.status);
}

/**
 * One EventSource shared by every subscriber, opened on the first subscription and closed
 * after the last one leaves. EventSource reconnects by itself after a dropped connection; when
 * the browser gives up instead (the server answered 503 while restarting, or anything but 200),
 * the stream is reopened here, waiting longer each time. Every open, the first included, is
 * reported: nothing emitted before it reached this page, so whatever was read before it may be
 * stale (docs/architecture.md §3).
 */
function eventStream(url: string, create: (url: string) => EventSourceLike) {
  let source: EventSourceLike | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let reopenDelay = REOPEN_FIRST_MS;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const openListeners = new Set<() => void>();
  const attached = new Set<string>();

  const attach = (name: string) => {
    if (!source || attached.has(name)) return;
    attached.add(name);
    source.addEventListener(name, (event) => {
      const data: unknown = 'data' in event ? event.data : undefined;
      if (typeof data !== 'string') return;
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        return;
      }
      for (const listener of listeners.get(name) ?? []) listener(payload);
    });
  };

  const active = () => [...listeners.values()].some((set) => set.size > 0);

  const drop = () => {
    source?.close();
    source = undefined;
    attached.clear();
  };

  const open = () => {
    if (source) return;
    const opened = create(url);
    source = opened;
    opened.addEventListener('error', () => {
      if (opened !== source || opened.readyState !== CLOSED) return;
      // The browser will not try again by itself: try later, while anyone still listens.
      drop();
      const delay = reopenDelay;
      reopenDelay = Math.min(reopenDelay * 2, REOPEN_MAX_MS);
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined;
        if (active()) open();
      }, delay);
    });
    opened.addEventListener('open', () => {
      if (opened !== source) return;
      reopenDelay = REOPEN_FIRST_MS;
      for (const listener of openListeners) listener();
    });
    for (const name of listeners.keys()) attach(name);
  };

  const closeIfIdle = () => {
    if (active()) return;
    if (reopenTimer !== undefined) clearTimeout(reopenTimer);
    reopenTimer = undefined;
    drop();
  };

  return {
    subscribe(name: EventName, listener: (payload: unknown) => void) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener);
      if (reopenTimer === undefined) open();
      attach(name);
      return () => {
        set.delete(listener);
        closeIfIdle();
      };
    },
    onOpen(listener: () => void) {
      openListeners.add(listener);
      return () => openListeners.delete(listener);
    },
  };
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const baseUrl = options.baseUrl ?? '';
  const fetcher: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const create = options.createEventSource ?? ((url: string) => new EventSource(url));
  const stream = eventStream(baseUrl + EVENTS_PATH, create);
  // Kept in memory only: a reload asks auth.status, which hands it back.
  let csrfToken: string | null = null;
  const setupToken = options.setupToken ?? null;
  return {
    kind: 'http',
    call: (name, input, callOptions) => httpCall(fetcher, baseUrl, { csrfToken, setupToken }, name, input, callOptions),
    subscribe: (name, listener) => stream.subscribe(name, listener),
    onReconnect: (listener) => {
      const off = stream.onOpen(listener);
      return () => {
        off();
      };
    },
    setCsrfToken(token) {
      csrfToken = token;
    },
  };
}
