import { API_PREFIX, toHttpRequest } from '../../../shared/api/http';
import { methods, type EventName, type MethodName } from '../../../shared/api';
import { errorFromWire, isAbort, unexpectedAnswer, unreachable } from './app-errors';
import type { CallOptions, Transport } from './transport';

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The part of EventSource this transport uses, so tests can pass a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

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

/** The header the server compares with the session's token on POST, PUT, PATCH and DELETE. */
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE_VERBS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The header the server compares with its first-run setup token on auth.setup. */
export const SETUP_TOKEN_HEADER = 'x-guardian-setup-token';

interface Credentials {
  csrfToken: string | null;
  setupToken: string | null;
}

/** The method calls of the browser build: REST over fetch, same origin, session cookie. */
async function httpCall(
  fetcher: FetchLike,
  baseUrl: string,
  { csrfToken, setupToken }: Credentials,
  name: MethodName,
  input: unknown,
  options?: CallOptions,
) {
  const request = toHttpRequest(methods[name], asRecord(input));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrfToken && UNSAFE_VERBS.has(request.verb)) headers[CSRF_HEADER] = csrfToken;
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
 * after the last one leaves. EventSource reconnects by itself; a reopen after an error is
 * reported so caches can be refreshed.
 */
function eventStream(url: string, create: (url: string) => EventSourceLike) {
  let source: EventSourceLike | undefined;
  let hadError = false;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const reconnectListeners = new Set<() => void>();
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

  const open = () => {
    if (source) return;
    source = create(url);
    hadError = false;
    source.addEventListener('error', () => {
      hadError = true;
    });
    source.addEventListener('open', () => {
      if (!hadError) return;
      hadError = false;
      for (const listener of reconnectListeners) listener();
    });
    for (const name of listeners.keys()) attach(name);
  };

  const closeIfIdle = () => {
    const active = [...listeners.values()].some((set) => set.size > 0);
    if (active || !source) return;
    source.close();
    source = undefined;
    attached.clear();
  };

  return {
    subscribe(name: EventName, listener: (payload: unknown) => void) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener);
      open();
      attach(name);
      return () => {
        set.delete(listener);
        closeIfIdle();
      };
    },
    onReconnect(listener: () => void) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
  };
}

export function createHttpTransport(options: HttpTransportOptions = {}): Transport {
  const baseUrl = options.baseUrl ?? '';
  const fetcher: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const create =
    options.createEventSource ?? ((url: string) => new EventSource(url));
  const stream = eventStream(baseUrl + EVENTS_PATH, create);
  // Kept in memory only: a reload asks auth.status, which hands it back.
  let csrfToken: string | null = null;
  const setupToken = options.setupToken ?? null;
  return {
    kind: 'http',
    call: (name, input, callOptions) => httpCall(fetcher, baseUrl, { csrfToken, setupToken }, name, input, callOptions),
    subscribe: (name, listener) => stream.subscribe(name, listener),
    onReconnect: (listener) => {
      const off = stream.onReconnect(listener);
      return () => {
        off();
      };
    },
    setCsrfToken(token) {
      csrfToken = token;
    },
  };
}
