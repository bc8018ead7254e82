/**
 * A browser's and a script's view of Guardian's HTTP API for tests: requests with fetch, the
 * Guardian error shape, and a cookie session with its CSRF token. Only tests import this module.
 */
import { expect } from 'vitest';
import { AppErrorShape } from '@shared/api';
import type { Me } from '@shared/api/auth';

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

/** One request; a JSON body when `body` is given, the JSON answer parsed when it is JSON. */
export async function send<T = unknown>(
  base: string,
  verb: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const hasBody = options.body !== undefined;
  const response = await fetch(new URL(path.replace(/^\//, ''), base), {
    method: verb,
    headers: { ...options.headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, headers: response.headers, text, body: (json && text ? JSON.parse(text) : text) as T };
}

/** The Guardian error an answer carries (fails the test when it carries none). */
export function errorOf(answer: Answer): AppErrorShape {
  return AppErrorShape.parse((answer.body as { error?: unknown }).error);
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** A browser's session: the cookie it was given and the CSRF token from Me. */
export interface BrowserSession {
  token: string;
  me: Me;
  /** Headers for a safe request (GET). */
  read: Record<string, string>;
  /** Headers for a request that changes state. */
  write: Record<string, string>;
}

/** The session a successful sign-in answer established. */
export function sessionOf(answer: Answer<Me>): BrowserSession {
  expect(answer.status, answer.text).toBe(200);
  const setCookie = answer.headers.getSetCookie().find((line) => line.startsWith('guardian_session='));
  if (!setCookie) throw new Error(`No session cookie in ${JSON.stringify(answer.headers.getSetCookie())}`);
  const pair = setCookie.split(';')[0] ?? '';
  return {
    token: pair.slice('guardian_session='.length),
    me: answer.body,
    read: { cookie: pair },
    write: { cookie: pair, 'x-csrf-token': answer.body.csrfToken },
  };
}
