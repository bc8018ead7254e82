import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppErrorShape } from '@shared/api';
import type { Me } from '@shared/api/auth';
import type { Server } from '@shared/api/servers';
import type { ApiKey, User } from '@shared/api/users';
import { ROLES, roleAllows, type Permission, type Role } from '@shared/permissions';
import { openEvents } from '../testing/events';
import { cleanUp, pollUntil, runCli, startGuardian, type Guardian } from '../testing/guardian';

// Two real `guardian serve` children on 127.0.0.1, each with a fresh data dir and no account:
// `guardian` for everything that signs in successfully, `lockable` for failed sign-ins, which
// lock sign-in for the whole address (127.0.0.1) and would spoil the other tests.
let guardian: Guardian;
let lockable: Guardian;

interface Key {
  id: string;
  token: string;
}
const keys = {} as Record<Role | 'limited' | 'revokedByCli' | 'revokedByHttp', Key>;

async function createKey(dataDir: string, name: string, role: Role, extra: readonly string[] = []): Promise<Key> {
  const result = await runCli(['apikey', 'create', '--name', name, '--role', role, '--json', '--data-dir', dataDir, ...extra]);
  if (result.code !== 0) throw new Error(`guardian apikey create failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as Key;
}

const bearer = (key: Key) => ({ authorization: `Bearer ${key.token}` });

beforeAll(async () => {
  [guardian, lockable] = await Promise.all([startGuardian({ apiKey: false }), startGuardian({ apiKey: false })]);
  // Made with the CLI while serve runs (same SQLite file), in parallel: one process start each.
  const made = await Promise.all([
    ...ROLES.map(async (role) => [role, await createKey(guardian.dataDir, `role-${role}`, role)] as const),
    (async () => ['limited', await createKey(guardian.dataDir, 'read-only', 'operator', ['--permission', 'servers:read'])] as const)(),
    (async () => ['revokedByCli', await createKey(guardian.dataDir, 'revoke-cli', 'viewer')] as const)(),
    (async () => ['revokedByHttp', await createKey(guardian.dataDir, 'revoke-http', 'viewer')] as const)(),
  ]);
  for (const [name, key] of made) keys[name] = key;
}, 60_000);
afterAll(cleanUp);

interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

async function send<T = unknown>(
  server: Guardian,
  verb: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const hasBody = options.body !== undefined;
  const response = await fetch(server.at(path), {
    method: verb,
    headers: { ...options.headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, headers: response.headers, text, body: (json && text ? JSON.parse(text) : text) as T };
}

/** The first-run token `serve` wrote to the data dir, which auth/setup over HTTP needs. */
const setupHeader = (server: Guardian) => ({ 'x-guardian-setup-token': server.setupToken() ?? '' });

function errorOf(answer: Answer): AppErrorShape {
  return AppErrorShape.parse((answer.body as { error?: unknown }).error);
}

/** A browser's view of a session: the cookie it was given and the CSRF token from Me. */
interface Session {
  setCookie: string;
  token: string;
  me: Me;
  /** Headers for a safe request (GET). */
  read: Record<string, string>;
  /** Headers for a request that changes state. */
  write: Record<string, string>;
}

function sessionOf(answer: Answer<Me>): Session {
  expect(answer.status).toBe(200);
  const setCookie = answer.headers.getSetCookie().find((line) => line.startsWith('guardian_session='));
  if (!setCookie) throw new Error(`No session cookie in ${JSON.stringify(answer.headers.getSetCookie())}`);
  const pair = setCookie.split(';')[0] ?? '';
  return {
    setCookie,
    token: pair.slice('guardian_session='.length),
    me: answer.body,
    read: { cookie: pair },
    write: { cookie: pair, 'x-csrf-token': answer.body.csrfToken },
  };
}

const OWNER = { username: 'olivia', password: 'a long and unusual sentence 42' };
let owner: Session;

const signIn = (server: Guardian, username: string, password: string) => send<Me>(server, 'POST', 'api/v1/auth/login', { body: { username, password } });

describe('without credentials', () => {
  it('refuses the API with 401 UNAUTHENTICATED and a hint', async () => {
    const answer = await send(guardian, 'GET', 'api/v1/servers');
    expect(answer.status).toBe(401);
    const error = errorOf(answer);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.hint.length).toBeGreaterThan(0);
  });

  it('keeps /healthz, /readyz and (from this machine) /metrics open', async () => {
    expect((await send(guardian, 'GET', 'healthz')).status).toBe(200);
    expect((await send(guardian, 'GET', 'readyz')).status).toBe(200);
    const metrics = await send<string>(guardian, 'GET', 'metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE');
  });

  it('answers auth/status anonymously: setup is required while no account exists', async () => {
    const answer = await send(guardian, 'GET', 'api/v1/auth/status');
    expect(answer).toMatchObject({ status: 200, body: { setupRequired: true, user: null, onboarding: 'welcome' } });
  });

  it('refuses the event stream with 401', async () => {
    const answer = await send(guardian, 'GET', 'api/v1/events');
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe('UNAUTHENTICATED');
  });
});

describe('the first owner over HTTP', () => {
  it('is created by auth/setup, which signs it in with an HttpOnly, SameSite=Strict cookie', async () => {
    const answer = await send<Me>(guardian, 'POST', 'api/v1/auth/setup', { body: OWNER, headers: setupHeader(guardian) });
    owner = sessionOf(answer);
    expect(owner.me).toMatchObject({ username: OWNER.username, role: 'owner', mustChangePassword: false });
    expect(owner.me.csrfToken.length).toBeGreaterThan(0);
    expect(owner.setCookie).toMatch(/; HttpOnly/i);
    expect(owner.setCookie).toMatch(/; SameSite=Strict/i);
    expect(owner.setCookie).toMatch(/; Path=\/(;|$)/);
    expect(owner.setCookie).not.toMatch(/; Secure/i);
    // The token lives only in the cookie, out of reach of the page's scripts.
    expect(owner.token.length).toBeGreaterThan(10);
    expect(answer.text).not.toContain(owner.token);

    const status = await send(guardian, 'GET', 'api/v1/auth/status', { headers: owner.read });
    expect(status.body).toMatchObject({ setupRequired: false, user: { username: OWNER.username } });
  });

  it('cannot be created twice: a second auth/setup is 409 CONFLICT', async () => {
    const answer = await send(guardian, 'POST', 'api/v1/auth/setup', { body: { username: 'mallory', password: 'another long sentence 77' } });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('CONFLICT');
  });
});

describe('a cookie session', () => {
  it('reads with the cookie alone, but changes state only with the CSRF header', async () => {
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: owner.read })).status).toBe(200);

    const body = { name: 'csrf-web', host: 'csrf.test' };
    const withoutToken = await send(guardian, 'POST', 'api/v1/servers', { headers: owner.read, body });
    expect(withoutToken.status).toBe(403);
    expect(errorOf(withoutToken)).toMatchObject({ code: 'PERMISSION_DENIED', message: expect.stringContaining('CSRF') });

    const wrongToken = await send(guardian, 'POST', 'api/v1/servers', { headers: { ...owner.read, 'x-csrf-token': 'x'.repeat(43) }, body });
    expect(wrongToken.status).toBe(403);

    const withToken = await send<Server>(guardian, 'POST', 'api/v1/servers', { headers: owner.write, body });
    expect(withToken.status).toBe(200);
    expect(withToken.body.name).toBe('csrf-web');
  });

  it('ends at auth/logout: the cookie is cleared and no longer works', async () => {
    const second = sessionOf(await signIn(guardian, OWNER.username, OWNER.password));
    expect(second.token).not.toBe(owner.token);

    const out = await send(guardian, 'POST', 'api/v1/auth/logout', { headers: second.write });
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie().find((line) => line.startsWith('guardian_session='));
    expect(cleared).toMatch(/^guardian_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);

    const after = await send(guardian, 'GET', 'api/v1/servers', { headers: second.read });
    expect(after.status).toBe(401);
    expect(errorOf(after).code).toBe('UNAUTHENTICATED');
    // Only that session ended.
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: owner.read })).status).toBe(200);
  });
});

interface Probe {
  what: string;
  verb: 'GET' | 'POST';
  path: string;
  permission: Permission;
  body?: (role: Role) => unknown;
  /** Beyond the permission: only an owner may create an owner (AccountStore). */
  ownerOnly?: boolean;
  /** Creates an account or a key: refused to every API key unless an owner allowed it (not here). */
  managesAccess?: boolean;
}

const PROBES: Probe[] = [
  { what: 'list servers', verb: 'GET', path: 'api/v1/servers', permission: 'servers:read' },
  {
    what: 'add a server',
    verb: 'POST',
    path: 'api/v1/servers',
    permission: 'servers:write',
    body: (role) => ({ name: `by-${role}`, host: `${role}.roles.test` }),
  },
  { what: 'list jobs', verb: 'GET', path: 'api/v1/jobs', permission: 'jobs:read' },
  { what: 'read system info', verb: 'GET', path: 'api/v1/system/info', permission: 'system:read' },
  { what: 'list accounts', verb: 'GET', path: 'api/v1/users', permission: 'users:read' },
  {
    what: 'add a viewer account',
    verb: 'POST',
    path: 'api/v1/users',
    permission: 'users:write',
    managesAccess: true,
    body: (role) => ({ username: `viewer-by-${role}`, role: 'viewer', password: 'temporary sentence 1234' }),
  },
  {
    what: 'add an owner account',
    verb: 'POST',
    path: 'api/v1/users',
    permission: 'users:write',
    ownerOnly: true,
    managesAccess: true,
    body: (role) => ({ username: `owner-by-${role}`, role: 'owner', password: 'temporary sentence 1234' }),
  },
  { what: 'list API keys', verb: 'GET', path: 'api/v1/apikeys', permission: 'apikeys:read' },
  {
    what: 'create a viewer key',
    verb: 'POST',
    path: 'api/v1/apikeys',
    permission: 'apikeys:write',
    managesAccess: true,
    body: (role) => ({ name: `by-${role}`, role: 'viewer' }),
  },
];

const allowed = (role: Role, probe: Probe) => roleAllows(role, probe.permission) && (!probe.ownerOnly || role === 'owner');
const allowedToKey = (role: Role, probe: Probe) => allowed(role, probe) && !probe.managesAccess;

describe('roles over HTTP (API keys made with the CLI)', () => {
  it('follows the role table in the examples the issue names', () => {
    expect(PROBES.filter((probe) => allowed('viewer', probe)).map((p) => p.what)).toEqual(['list servers', 'list jobs', 'read system info']);
    expect(allowed('operator', PROBES[1] as Probe) && !allowed('operator', PROBES[4] as Probe)).toBe(true);
    expect(allowed('auditor', PROBES[4] as Probe) && !allowed('auditor', PROBES[5] as Probe)).toBe(true);
    expect(allowed('admin', PROBES[5] as Probe) && !allowed('admin', PROBES[6] as Probe)).toBe(true);
    expect(PROBES.every((probe) => allowed('owner', probe))).toBe(true);
  });

  it.each(ROLES)('%s key: may do what the role allows, refused the rest with 403', async (role) => {
    const expected: Record<string, number> = {};
    const actual: Record<string, number> = {};
    for (const probe of PROBES) {
      const answer = await send(guardian, probe.verb, probe.path, { headers: bearer(keys[role]), body: probe.body?.(role) });
      expected[probe.what] = allowedToKey(role, probe) ? 200 : 403;
      actual[probe.what] = answer.status;
      if (answer.status === 403) expect(errorOf(answer).code).toBe('PERMISSION_DENIED');
    }
    expect(actual).toEqual(expected);
  });
});

describe('API keys', () => {
  it('limited to servers:read, reads servers but may not add one', async () => {
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(keys.limited) })).status).toBe(200);
    const post = await send(guardian, 'POST', 'api/v1/servers', { headers: bearer(keys.limited), body: { name: 'limited', host: 'limited.test' } });
    expect(post.status).toBe(403);
    expect(errorOf(post).code).toBe('PERMISSION_DENIED');
  });

  it('refuses an unknown key with 401 and a hint', async () => {
    const answer = await send(guardian, 'GET', 'api/v1/servers', { headers: { authorization: 'Bearer gdn_no-such-key-0123456789abcdefghijklmnop' } });
    expect(answer.status).toBe(401);
    const error = errorOf(answer);
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.hint).toContain('guardian apikey create');
  });

  it('stops a key revoked with "guardian apikey revoke" at its next call', async () => {
    const key = keys.revokedByCli;
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(key) })).status).toBe(200);
    const revoked = await runCli(['apikey', 'revoke', key.id, '--data-dir', guardian.dataDir]);
    expect(revoked.code).toBe(0);
    const answer = await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(key) });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).code).toBe('UNAUTHENTICATED');
  });

  it('stops a key revoked over HTTP at its next call', async () => {
    const key = keys.revokedByHttp;
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(key) })).status).toBe(200);
    const revoked = await send<ApiKey>(guardian, 'POST', `api/v1/apikeys/${key.id}/revoke`, { headers: owner.write });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(Number));
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(key) })).status).toBe(401);
  });

  it('stops a key once its expiry has passed', async () => {
    // The expiry is an absolute time and a CLI start takes about a second: if this machine was
    // too slow to use the key before it expired, try again with a longer window.
    let key: Key | null = null;
    let expiresAt = 0;
    for (const windowMs of [3_000, 8_000, 20_000]) {
      expiresAt = Date.now() + windowMs;
      const created = await runCli([
        'apikey',
        'create',
        '--name',
        `expiring-${windowMs}`,
        '--role',
        'viewer',
        '--json',
        '--data-dir',
        guardian.dataDir,
        '--expires',
        new Date(expiresAt).toISOString(),
      ]);
      if (created.code !== 0 || Date.now() + 750 >= expiresAt) continue;
      key = JSON.parse(created.stdout) as Key;
      break;
    }
    if (!key) throw new Error('Could not create a key and use it before it expired');
    const used = key;
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: bearer(used) })).status).toBe(200);
    const expired = await pollUntil(
      () => send(guardian, 'GET', 'api/v1/servers', { headers: bearer(used) }),
      (answer) => answer.status !== 200,
      { what: 'the key to expire', timeoutMs: expiresAt - Date.now() + 10_000, intervalMs: 200 },
    );
    expect(expired.status).toBe(401);
    expect(errorOf(expired).code).toBe('UNAUTHENTICATED');
  });

  it('are listed without their tokens, with when and from where each was last used', async () => {
    expect((await send(guardian, 'POST', 'api/v1/apikeys', { headers: owner.write, body: { name: 'never used', role: 'viewer' } })).status).toBe(200);
    const answer = await send<{ items: ApiKey[] }>(guardian, 'GET', 'api/v1/apikeys', { headers: owner.read });
    expect(answer.status).toBe(200);
    for (const key of Object.values(keys)) expect(answer.text).not.toContain(key.token);
    const viewer = answer.body.items.find((item) => item.id === keys.viewer.id);
    expect(viewer).toMatchObject({ name: 'role-viewer', lastUsedAt: expect.any(Number), lastUsedOrigin: 'http:127.0.0.1' });
    const unused = answer.body.items.find((item) => item.name === 'never used');
    expect(unused).toMatchObject({ lastUsedAt: null, lastUsedOrigin: null, owner: { username: OWNER.username } });
  });
});

describe('an account made by an owner', () => {
  it('must change its temporary password before anything else', async () => {
    const temporary = 'temporary sentence 5678';
    const created = await send<User>(guardian, 'POST', 'api/v1/users', {
      headers: owner.write,
      body: { username: 'mona', role: 'operator', password: temporary },
    });
    expect(created).toMatchObject({ status: 200, body: { username: 'mona', mustChangePassword: true } });

    const mona = sessionOf(await signIn(guardian, 'mona', temporary));
    expect(mona.me.mustChangePassword).toBe(true);
    const refused = await send(guardian, 'GET', 'api/v1/servers', { headers: mona.read });
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('PASSWORD_CHANGE_REQUIRED');

    const changed = await send<Me>(guardian, 'POST', 'api/v1/auth/password', {
      headers: mona.write,
      body: { currentPassword: temporary, newPassword: 'my very own sentence 9012' },
    });
    expect(changed).toMatchObject({ status: 200, body: { mustChangePassword: false } });
    expect((await send(guardian, 'GET', 'api/v1/servers', { headers: mona.read })).status).toBe(200);
  });
});

describe('the event stream', () => {
  it('delivers servers.changed to a viewer key when an owner adds a server', async () => {
    const stream = await openEvents(guardian.at('api/v1/events'), bearer(keys.viewer));
    try {
      const created = await send<Server>(guardian, 'POST', 'api/v1/servers', { headers: owner.write, body: { name: 'sse-web', host: 'sse.test' } });
      expect(created.status).toBe(200);
      const event = await stream.waitFor((e) => e.event === 'servers.changed' && (e.data as { ids?: string[] }).ids?.includes(created.body.id) === true);
      expect(event.data).toMatchObject({ change: 'created' });
    } finally {
      stream.close();
    }
  });
});

describe('failed sign-ins (own server: they lock the address)', () => {
  const SAM = { username: 'sam', password: 'sams long secret sentence 31' };

  beforeAll(async () => {
    sessionOf(await send<Me>(lockable, 'POST', 'api/v1/auth/setup', { body: SAM, headers: setupHeader(lockable) }));
  });

  it('answers a wrong password and a missing account identically, but for the correlation id', async () => {
    const wrong = await signIn(lockable, SAM.username, 'not the right sentence 1');
    const missing = await signIn(lockable, 'ghost', 'not the right sentence 1');
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).code).toBe('SIGN_IN_FAILED');
    expect(missing.status).toBe(401);
    expect(errorOf(missing).correlationId).not.toBe(errorOf(wrong).correlationId);
    expect({ ...errorOf(missing), correlationId: '' }).toEqual({ ...errorOf(wrong), correlationId: '' });
  });

  it('after five failures refuses even the right password with 429 RATE_LIMITED', async () => {
    // Two failures above; three more make five from this address.
    for (let i = 0; i < 3; i++) expect((await signIn(lockable, SAM.username, `wrong sentence number ${i}`)).status).toBe(401);
    const right = await signIn(lockable, SAM.username, SAM.password);
    expect(right.status).toBe(429);
    const error = errorOf(right);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(error.hint).toMatch(/try again in \d+ minutes?/);
    expect(right.headers.getSetCookie()).toEqual([]);
  });

  it('limits sign-in requests per address with 429 in the Guardian error shape', async () => {
    const answers = await Promise.all(Array.from({ length: 32 }, () => signIn(lockable, 'throwaway', 'not the right sentence 2')));
    const limited = answers.filter((answer) => answer.status === 429 && errorOf(answer).message.includes('from this address'));
    expect(answers.map((answer) => answer.status).filter((status) => status !== 429)).toEqual([]);
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) {
      const error = errorOf(answer);
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.hint).toMatch(/^Wait \d+ s/);
      expect(answer.headers.get('x-correlation-id')).toBe(error.correlationId);
    }
  });
});
