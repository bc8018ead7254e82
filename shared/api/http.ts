import { pathParams, type MethodDef } from './contract';

/** Where the REST routes live. */
export const API_PREFIX = '/api/v1';

/**
 * The longest path parameter the HTTP server routes, as sent (percent-escapes included). Every id
 * a route takes is shorter (the longest, a session id, is at most 64 characters); a longer one is
 * answered 414 URI_TOO_LONG.
 */
export const PATH_PARAM_MAX_LENGTH = 100;

/**
 * A browser session's state-changing requests (these verbs) carry the session's CSRF token in
 * this header; the server compares it with the session's (docs/architecture.md §3).
 */
export const CSRF_HEADER = 'x-csrf-token';
export const STATE_CHANGING_VERBS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The header `auth.setup` over HTTP carries the first-run setup token in (main/headless/http/setup-token.ts). */
export const SETUP_TOKEN_HEADER = 'x-guardian-setup-token';

export interface HttpRequestParts {
  verb: MethodDef['http']['method'];
  /** Path with parameters filled in and query string appended, under API_PREFIX. */
  url: string;
  /** JSON body for POST/PUT/PATCH, undefined otherwise. */
  body: Record<string, unknown> | undefined;
}

const hasBody = (verb: MethodDef['http']['method']) => verb === 'POST' || verb === 'PUT' || verb === 'PATCH';

/**
 * How a method call travels over HTTP: path parameters from the input, the rest as the JSON body
 * (POST/PUT/PATCH) or the query string (GET/DELETE; arrays comma-separated). The server undoes
 * exactly this in `inputFromHttp`.
 */
export function toHttpRequest(def: MethodDef, input: Record<string, unknown> = {}): HttpRequestParts {
  const rest: Record<string, unknown> = { ...input };
  let path = def.http.path;
  for (const param of pathParams(def.http.path)) {
    path = path.replace(`:${param}`, encodeURIComponent(String(rest[param] ?? '')));
    delete rest[param];
  }
  if (hasBody(def.http.method)) return { verb: def.http.method, url: API_PREFIX + path, body: rest };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || value === null) continue;
    query.set(key, Array.isArray(value) ? value.map(String).join(',') : String(value));
  }
  const search = query.toString();
  return { verb: def.http.method, url: API_PREFIX + path + (search ? `?${search}` : ''), body: undefined };
}

/** Rebuilds a method's raw input from an HTTP request's parts (validation is the router's). */
export function inputFromHttp(def: MethodDef, params: Record<string, string>, query: Record<string, unknown>, body: unknown): unknown {
  const base = hasBody(def.http.method) ? (body ?? {}) : query;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base;
  return { ...base, ...params };
}
