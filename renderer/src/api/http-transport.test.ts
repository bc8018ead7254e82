import { describe, expect, it, vi } from 'vitest';
import { AppError } from '@shared/api';
import { server } from '../testing/fixtures';
import { createClient } from './client';
import { correlationIdOf } from './app-errors';
import { createHttpTransport, EVENTS_PATH, type EventSourceLike } from './http-transport';

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** A server as the contract answers it: the fixture every renderer test shares, so a new field reaches this one too. */
const SERVER = server();

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** A client over HTTP whose fetch answers `reply` and records what was sent. */
function httpClient(reply: () => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: init.method,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    });
    return reply();
  });
  return { client: createClient(createHttpTransport({ fetch })), sent };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('HTTP client: requests', () => {
  it('sends a list as GET with the input in the query string and no body', async () => {
    const { client, sent } = httpClient(() => json(200, { items: [SERVER], total: 1 }));
    const page = await client.call('servers.list', { q: 'web', tags: ['db', 'eu-west'], sort: 'port', order: 'desc', limit: 10000 });

    expect(page.total).toBe(1);
    expect(page.items[0]?.name).toBe('web-01');
    const request = sent[0];
    expect(request?.method).toBe('GET');
    const url = new URL(request?.url ?? '', 'http://page.test');
    expect(url.pathname).toBe('/api/v1/servers');
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: 'web', tags: 'db,eu-west', sort: 'port', order: 'desc', limit: '10000' });
    expect(request?.body).toBeUndefined();
    expect(request?.headers['content-type']).toBeUndefined();
  });

  it('sends a create as POST with a JSON body', async () => {
    const { client, sent } = httpClient(() => json(201, { ...SERVER, check: null }));
    await client.call('servers.create', { name: 'web-01', host: 'web01.example.com' });

    expect(sent[0]).toMatchObject({
      url: '/api/v1/servers',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: { name: 'web-01', host: 'web01.example.com' },
    });
  });

  it('puts the id in the path of an update and leaves it out of the body', async () => {
    const { client, sent } = httpClient(() => json(200, SERVER));
    await client.call('servers.update', { id: SERVER.id, port: 2222 });

    expect(sent[0]).toMatchObject({ url: `/api/v1/servers/${SERVER.id}`, method: 'PATCH', body: { port: 2222 } });
  });

  it('sends a delete without a body or content type', async () => {
    const { client, sent } = httpClient(() => json(200, { id: SERVER.id }));
    await client.call('servers.delete', { id: SERVER.id });

    expect(sent[0]?.method).toBe('DELETE');
    expect(sent[0]?.url).toBe(`/api/v1/servers/${SERVER.id}`);
    expect(sent[0]?.body).toBeUndefined();
    expect(sent[0]?.headers['content-type']).toBeUndefined();
  });
});

describe('HTTP client: failures', () => {
  it('turns an error answer into the AppError it describes, field issues included', async () => {
    const { client } = httpClient(() =>
      json(409, {
        error: {
          code: 'CONFLICT',
          message: 'A server named web-01 already exists.',
          hint: 'Choose another name, or edit the existing server.',
          retryable: false,
          correlationId: 'abc-123',
          issues: [{ path: ['name'], message: 'This name is already used by another server' }],
        },
      }),
    );
    const error = await failure(client.call('servers.create', { name: 'web-01', host: 'web01.example.com' }));

    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('A server named web-01 already exists.');
    expect(error.hint).toBe('Choose another name, or edit the existing server.');
    expect(error.issues).toEqual([{ path: ['name'], message: 'This name is already used by another server' }]);
    expect(correlationIdOf(error)).toBe('abc-123');
  });

  it('reports an answer without an error body by its HTTP status', async () => {
    const { client } = httpClient(() => new Response('<html>Bad gateway</html>', { status: 502 }));
    const error = await failure(client.call('servers.facets', {}));

    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain('HTTP 502');
    expect(error.hint).not.toBe('');
  });

  it('reports a network failure as UNREACHABLE with what to do', async () => {
    const { client } = httpClient(() => Promise.reject(new TypeError('Failed to fetch')));
    const error = await failure(client.call('servers.facets', {}));

    expect(error.code).toBe('UNREACHABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('Cannot reach the Guardian server.');
    expect(error.hint).toMatch(/guardian serve/);
  });

  it('refuses a success answer that does not match the contract', async () => {
    const { client } = httpClient(() => json(200, { items: 'nope' }));
    const error = await failure(client.call('servers.list', {}));

    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('servers.list');
  });

  it('lets an aborted request end as an abort, not as a network failure', async () => {
    const { client } = httpClient(() => Promise.reject(new DOMException('The user aborted a request.', 'AbortError')));
    await expect(client.call('servers.facets', {})).rejects.toMatchObject({ name: 'AbortError' });
  });
});

class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | undefined;
  readonly listeners = new Map<string, ((event: Event) => void)[]>();
  closed = false;
  readyState = 0;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(type: string, listener: (event: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  fire(type: string, data?: string) {
    const event = data === undefined ? new Event(type) : new MessageEvent(type, { data });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

describe('HTTP client: events', () => {
  const eventClient = () => createClient(createHttpTransport({ fetch: vi.fn(), createEventSource: (url) => new FakeEventSource(url) }));

  it('delivers the server-sent events the contract describes and drops the others', () => {
    const client = eventClient();
    const received: unknown[] = [];
    const off = client.subscribe('servers.changed', (payload) => received.push(payload));
    const source = FakeEventSource.last;

    expect(source?.url).toBe(EVENTS_PATH);
    source?.fire('servers.changed', JSON.stringify({ change: 'created', ids: ['a'] }));
    source?.fire('servers.changed', JSON.stringify({ change: 'exploded' }));
    source?.fire('servers.changed', 'not json');
    expect(received).toEqual([{ change: 'created', ids: ['a'] }]);

    off();
    expect(source?.closed).toBe(true);
  });

  it('asks for a refresh each time the stream opens: at first, and when it comes back after a drop', () => {
    const client = eventClient();
    const refresh = vi.fn();
    client.onReconnect(refresh);
    client.subscribe('job.progress', () => undefined);
    const source = FakeEventSource.last;

    source?.fire('open');
    expect(refresh).toHaveBeenCalledTimes(1);
    source?.fire('error');
    source?.fire('open');
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('reopens a stream the browser gave up on (a 503 while Guardian restarts), and then asks for a refresh', () => {
    vi.useFakeTimers();
    try {
      const client = eventClient();
      const refresh = vi.fn();
      const received: unknown[] = [];
      client.onReconnect(refresh);
      client.subscribe('servers.changed', (payload) => received.push(payload));
      const first = FakeEventSource.last;
      first?.fire('open');
      if (first) first.readyState = 2;
      first?.fire('error');
      expect(first?.closed).toBe(true);

      vi.advanceTimersByTime(999);
      expect(FakeEventSource.last).toBe(first);
      vi.advanceTimersByTime(1);
      const second = FakeEventSource.last;
      expect(second).not.toBe(first);
      second?.fire('open');
      expect(refresh).toHaveBeenCalledTimes(2);
      second?.fire('servers.changed', JSON.stringify({ change: 'created', ids: ['b'] }));
      expect(received).toEqual([{ change: 'created', ids: ['b'] }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not reopen a stream nobody listens to any more', () => {
    vi.useFakeTimers();
    try {
      const client = eventClient();
      const off = client.subscribe('servers.changed', () => undefined);
      const first = FakeEventSource.last;
      if (first) first.readyState = 2;
      first?.fire('error');
      off();
      vi.advanceTimersByTime(60_000);
      expect(FakeEventSource.last).toBe(first);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('HTTP client: the session’s CSRF token', () => {
  const ME = {
    id: 'u1',
    username: 'alice',
    displayName: '',
    role: 'admin',
    mustChangePassword: false,
    totpEnabled: false,
    csrfToken: 'csrf-abc',
    sessionExpiresAt: 2_000_000_000_000,
    idleTimeoutMs: 900_000,
  };

  /** Answers each request by its verb and path, recording what was sent. */
  function routed(routes: Record<string, unknown>) {
    const sent: Sent[] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, method: init.method, headers: { ...(init.headers as Record<string, string>) }, body: undefined });
      const path = new URL(url, 'http://page.test').pathname.replace('/api/v1', '');
      const key = `${init.method ?? 'GET'} ${path}`;
      return json(200, routes[key] ?? {});
    });
    return { client: createClient(createHttpTransport({ fetch })), sent };
  }

  const ROUTES = {
    'POST /auth/login': ME,
    'GET /servers': { items: [SERVER], total: 1 },
    'POST /servers': { ...SERVER, check: null },
    [`DELETE /servers/${SERVER.id}`]: { id: SERVER.id },
    'POST /auth/logout': { ok: true },
    'GET /auth/status': { setupRequired: false, user: { ...ME, csrfToken: 'csrf-after-reload' }, onboarding: 'done' },
  };

  it('sends the token from sign-in on POST and DELETE, never on GET', async () => {
    const { client, sent } = routed(ROUTES);
    await client.call('auth.login', { username: 'alice', password: 'correct horse battery' });
    await client.call('servers.list', {});
    await client.call('servers.create', { name: 'web-01', host: 'web01.example.com' });
    await client.call('servers.delete', { id: SERVER.id });

    const [login, list, create, remove] = sent;
    expect(login?.headers['x-csrf-token']).toBeUndefined();
    expect(list?.method).toBe('GET');
    expect(list?.headers['x-csrf-token']).toBeUndefined();
    expect(create?.method).toBe('POST');
    expect(create?.headers['x-csrf-token']).toBe('csrf-abc');
    expect(remove?.method).toBe('DELETE');
    expect(remove?.headers['x-csrf-token']).toBe('csrf-abc');
  });

  it('takes the token from auth.status after a reload, and forgets it at sign-out', async () => {
    const { client, sent } = routed(ROUTES);
    await client.call('servers.create', { name: 'web-01', host: 'web01.example.com' });
    await client.call('auth.status', {});
    await client.call('servers.create', { name: 'web-02', host: 'web02.example.com' });
    await client.call('auth.logout', {});
    await client.call('servers.create', { name: 'web-03', host: 'web03.example.com' });

    expect(sent[0]?.headers['x-csrf-token']).toBeUndefined();
    expect(sent[2]?.headers['x-csrf-token']).toBe('csrf-after-reload');
    expect(sent[3]?.headers['x-csrf-token']).toBe('csrf-after-reload');
    expect(sent[4]?.headers['x-csrf-token']).toBeUndefined();
  });

  it('tells failure listeners about every AppError, with the method', async () => {
    const { client } = httpClient(() => json(200, {}));
    const seen: string[] = [];
    client.onFailure((error, method) => seen.push(`${method}:${error.code}`));
    await failure(client.call('servers.list', {}));
    expect(seen).toEqual(['servers.list:INTERNAL']);
  });
});

describe('HTTP client: the first-run setup token', () => {
  const OWNER = { username: 'root-admin', password: 'a long enough passphrase' };

  it('sends the token from the printed link with auth.setup only', async () => {
    const sent: Sent[] = [];
    const fetch = vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, method: init.method, headers: { ...(init.headers as Record<string, string>) }, body: undefined });
      return json(200, {});
    });
    const client = createClient(createHttpTransport({ fetch, setupToken: 'tok-from-the-link-0123456789' }));
    await client.call('auth.setup', OWNER).catch(() => undefined);
    await client.call('auth.login', OWNER).catch(() => undefined);
    expect(sent.map((request) => request.headers['x-guardian-setup-token'])).toEqual(['tok-from-the-link-0123456789', undefined]);
  });
});
