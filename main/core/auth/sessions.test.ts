import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal, Role } from '@shared/permissions';
import type { CallResult } from '../api/router';
import type { Core } from '../app';
import { attemptSignIn, failure, RecordingSink, success, useTempCore, visibleParts } from '../testing/harness';
import { SessionStore } from './sessions';
import { hashToken } from './tokens';

const NOW = 1_767_225_600_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const PASSWORD = 'violet tulips at dawn';

interface SessionItem {
  id: string;
  userId: string;
  username: string;
  current: boolean;
}

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
const env = useTempCore({ prefix: 'guardian-sessions-', clock, lazy: true });
const start = env.start;

/** What a caller can compare between two answers; the message names the id asked for. */
const visible = visibleParts('code', 'hint', 'retryable');

/** A signed-in window or browser: its sink holds the token, as a transport would. */
interface Signed {
  sink: RecordingSink;
  token: string;
  principal(): Principal | null;
  call(method: string, input?: unknown): Promise<CallResult>;
}

async function signIn(c: Core, username: string, method: 'auth.login' | 'auth.setup' = 'auth.login'): Promise<Signed> {
  const { result, sink } = await attemptSignIn(c, { username, password: PASSWORD }, { method, userAgent: 'vitest' });
  success(result);
  const token = sink.token ?? '';
  const principal = () => c.signIn.authenticate(token)?.principal ?? null;
  return {
    sink,
    token,
    principal,
    call: (name, input = {}) => c.router.call(principal(), name, input, { origin: 'http:127.0.0.1', session: sink }),
  };
}

async function addUser(c: Core, username: string, role: Role): Promise<string> {
  return (await c.accounts.create(null, { username, role, password: PASSWORD, mustChangePassword: false })).id;
}

describe('session lifetime', () => {
  it('ends a session left idle for 15 minutes', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');

    t += 15 * MINUTE - 1;
    expect(owner.principal()).not.toBeNull();
    // That use was itself activity; now stay away for the full idle time.
    t += 15 * MINUTE;
    expect(owner.principal()).toBeNull();
    expect(failure(await owner.call('auth.me')).code).toBe('UNAUTHENTICATED');
  });

  it('keeps a used session alive past the idle time, but never past 12 hours', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    expect(owner.sink.expiresAt).toBe(NOW + 12 * HOUR);

    while (t + 14 * MINUTE < NOW + 12 * HOUR) {
      t += 14 * MINUTE;
      expect(owner.principal()).not.toBeNull();
    }
    t = NOW + 12 * HOUR - 1;
    expect(owner.principal()).not.toBeNull();
    t = NOW + 12 * HOUR;
    expect(owner.principal()).toBeNull();
  });

  it('measures idle time from the last recorded activity, which is written at most every 15 seconds', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');

    // Activity 10 s after sign-in is not written; idle time still counts from sign-in.
    t += 10 * SECOND;
    expect(owner.principal()).not.toBeNull();
    t = NOW + 15 * MINUTE;
    expect(owner.principal()).toBeNull();
  });

  it('follows the session policy given to createCore', async () => {
    const c = await start({ sessions: { idleMs: MINUTE, absoluteMs: 3 * MINUTE } });
    const owner = await signIn(c, 'olivia', 'auth.setup');
    expect(success<{ idleTimeoutMs: number }>(await owner.call('auth.me')).idleTimeoutMs).toBe(MINUTE);

    t += 50 * SECOND;
    expect(owner.principal()).not.toBeNull();
    t += 50 * SECOND;
    expect(owner.principal()).not.toBeNull();
    t += MINUTE;
    expect(owner.principal()).toBeNull();
  });
});

describe('sessions.list and sessions.revoke', () => {
  it('lists only your own sessions, marking the current one', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    const viewerId = await addUser(c, 'victor', 'viewer');
    const viewer = await signIn(c, 'victor');
    const viewerElsewhere = await signIn(c, 'victor');

    const { items } = success<{ items: SessionItem[] }>(await viewer.call('sessions.list'));

    expect(items).toHaveLength(2);
    expect(items.every((item) => item.userId === viewerId && item.username === 'victor')).toBe(true);
    expect(items.filter((item) => item.current).map((item) => item.id)).toEqual([viewer.principal()?.sessionId]);
    expect(items.map((item) => item.id)).toContain(viewerElsewhere.principal()?.sessionId);
    expect(items.map((item) => item.id)).not.toContain(owner.principal()?.sessionId);
  });

  it('revokes one of your own sessions; the current one also clears the transport', async () => {
    const c = await start();
    await signIn(c, 'olivia', 'auth.setup');
    await addUser(c, 'victor', 'viewer');
    const laptop = await signIn(c, 'victor');
    const phone = await signIn(c, 'victor');

    success(await laptop.call('sessions.revoke', { id: phone.principal()?.sessionId }));
    expect(phone.principal()).toBeNull();
    expect(laptop.principal()).not.toBeNull();
    expect(laptop.sink.cleared).toBe(0);

    success(await laptop.call('sessions.revoke', { id: laptop.principal()?.sessionId }));
    expect(laptop.principal()).toBeNull();
    expect(laptop.sink.cleared).toBe(1);
  });

  it("refuses a non-admin other people's sessions, and lets an admin list and revoke them", async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    const ownerId = owner.principal()?.id;
    await addUser(c, 'victor', 'viewer');
    await addUser(c, 'ada', 'admin');
    const viewer = await signIn(c, 'victor');
    const admin = await signIn(c, 'ada');
    const ownerSession = owner.principal()?.sessionId;

    expect(failure(await viewer.call('sessions.list', { all: true })).code).toBe('PERMISSION_DENIED');
    expect(failure(await viewer.call('sessions.list', { userId: ownerId })).code).toBe('PERMISSION_DENIED');
    const notYours = failure(await viewer.call('sessions.revoke', { id: ownerSession }));
    const missing = failure(await viewer.call('sessions.revoke', { id: 'no-such-session' }));
    expect(notYours.code).toBe('NOT_FOUND');
    // Someone else's session gets the same answer as one that does not exist.
    expect(visible(notYours)).toEqual(visible(missing));
    expect(owner.principal()).not.toBeNull();

    const all = success<{ items: SessionItem[] }>(await admin.call('sessions.list', { all: true }));
    expect(new Set(all.items.map((item) => item.username))).toEqual(new Set(['olivia', 'victor', 'ada']));
    const owners = success<{ items: SessionItem[] }>(await admin.call('sessions.list', { userId: ownerId }));
    expect(owners.items.map((item) => item.id)).toEqual([ownerSession]);

    success(await admin.call('sessions.revoke', { id: viewer.principal()?.sessionId }));
    expect(viewer.principal()).toBeNull();
    expect(admin.sink.cleared).toBe(0);
  });

  it('leaves revoked and idle sessions out of the list', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    const revoked = await signIn(c, 'olivia');
    await signIn(c, 'olivia');
    success(await owner.call('sessions.revoke', { id: revoked.principal()?.sessionId }));
    t += 10 * MINUTE;
    expect(owner.principal()).not.toBeNull();
    t += 6 * MINUTE;

    const { items } = success<{ items: SessionItem[] }>(await owner.call('sessions.list'));
    expect(items.map((item) => item.id)).toEqual([owner.principal()?.sessionId]);
  });
});

describe('auth.logout', () => {
  it('revokes the session and clears it from the transport', async () => {
    const c = await start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    const other = await signIn(c, 'olivia');

    expect(success(await owner.call('auth.logout'))).toEqual({ ok: true });

    expect(owner.sink.cleared).toBe(1);
    expect(owner.principal()).toBeNull();
    expect(other.principal()).not.toBeNull();
  });
});

describe('the session store', () => {
  const POLICY = { idleMs: 15 * MINUTE, absoluteMs: 12 * HOUR };

  async function store() {
    const c = await start();
    const userId = await addUser(c, 'olivia', 'owner');
    let ids = 0;
    return { c, sessions: new SessionStore(c.database.db, c.data, clock, POLICY, () => `session-${++ids}`), userId };
  }

  it('signs nobody in with a token it never issued, and keeps only the token’s hash', async () => {
    const { c, sessions, userId } = await store();
    const { token, row } = sessions.create(userId, 'http:127.0.0.1', 'Firefox/140 '.repeat(50));

    expect(sessions.resolve(token)?.user.id).toBe(userId);
    expect(sessions.resolve(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(sessions.resolve('')).toBeNull();
    expect(row).toMatchObject({ createdAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 12 * HOUR, revokedAt: null, reauthAt: null });
    expect(row.userAgent).toHaveLength(300);
    expect(row.csrfToken).not.toBe(token);
    const stored = JSON.stringify(c.database.sqlite.prepare('SELECT * FROM sessions').all());
    expect(stored).not.toContain(token);
    expect(stored).toContain(hashToken(token));
  });

  it('ends a session at exactly the idle timeout, counted from its last use', async () => {
    const { sessions, userId } = await store();
    const { token } = sessions.create(userId, 'ipc', 'Guardian desktop');

    t = NOW + 15 * MINUTE - 1;
    expect(sessions.resolve(token, false)).not.toBeNull();
    t = NOW + 15 * MINUTE;
    expect(sessions.resolve(token, false)).toBeNull();
    expect(sessions.resolve(token)).toBeNull();
  });

  it('counts a use as activity only when it is said to (deciding who receives an event is not a use)', async () => {
    const { sessions, userId } = await store();
    const { token, row } = sessions.create(userId, 'ipc', 'Guardian desktop');

    t = NOW + 10 * MINUTE;
    expect(sessions.resolve(token, false)?.session.lastSeenAt).toBe(NOW);
    expect(sessions.get(row.id)?.lastSeenAt).toBe(NOW);
    expect(sessions.resolve(token)?.session.lastSeenAt).toBe(NOW + 10 * MINUTE);
    expect(sessions.get(row.id)?.lastSeenAt).toBe(NOW + 10 * MINUTE);
    // Twenty minutes after sign-in, but ten after the last use: still alive.
    t = NOW + 20 * MINUTE;
    expect(sessions.resolve(token, false)).not.toBeNull();
  });

  it('writes activity at most every 15 seconds', async () => {
    const { sessions, userId } = await store();
    const { token, row } = sessions.create(userId, 'ipc', 'Guardian desktop');

    t = NOW + 15 * SECOND - 1;
    expect(sessions.resolve(token)?.session.lastSeenAt).toBe(NOW);
    expect(sessions.get(row.id)?.lastSeenAt).toBe(NOW);
    t = NOW + 15 * SECOND;
    sessions.resolve(token);
    expect(sessions.get(row.id)?.lastSeenAt).toBe(NOW + 15 * SECOND);
  });

  it('ends a session at exactly its absolute expiry, however busy', async () => {
    const { sessions, userId } = await store();
    const { token } = sessions.create(userId, 'ipc', 'Guardian desktop');
    for (t = NOW; t < NOW + 12 * HOUR; t += 10 * MINUTE) expect(sessions.resolve(token)).not.toBeNull();
    t = NOW + 12 * HOUR - 1;
    expect(sessions.resolve(token)).not.toBeNull();
    t = NOW + 12 * HOUR;
    expect(sessions.resolve(token)).toBeNull();
  });

  it('signs nobody in through a revoked session, or through any session of a disabled account', async () => {
    const { c, sessions, userId } = await store();
    const revoked = sessions.create(userId, 'ipc', 'a');
    const other = sessions.create(userId, 'ipc', 'b');
    t += SECOND;
    sessions.revoke(revoked.row.id);
    expect(sessions.get(revoked.row.id)?.revokedAt).toBe(NOW + SECOND);
    expect(sessions.resolve(revoked.token)).toBeNull();
    expect(sessions.resolve(other.token)).not.toBeNull();

    c.database.sqlite.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(userId);
    expect(sessions.resolve(other.token)).toBeNull();
  });

  it('signs a user out everywhere but the session named (after a password change), and everywhere when none is', async () => {
    const { sessions, userId } = await store();
    const otherUser = await addUser(env.core, 'oscar', 'viewer');
    const [here, laptop, phone] = [
      sessions.create(userId, 'ipc', 'here'),
      sessions.create(userId, 'http:10.0.0.2', 'laptop'),
      sessions.create(userId, 'http:10.0.0.3', 'phone'),
    ];
    const oscars = sessions.create(otherUser, 'ipc', 'oscar');

    sessions.revokeAllFor(userId, here.row.id);
    expect([here, laptop, phone, oscars].map((s) => sessions.resolve(s.token) !== null)).toEqual([true, false, false, true]);
    sessions.revokeAllFor(userId);
    expect(sessions.resolve(here.token)).toBeNull();
    expect(sessions.resolve(oscars.token)).not.toBeNull();
  });

  it('records when a session last proved its password again', async () => {
    const { sessions, userId } = await store();
    const { row } = sessions.create(userId, 'ipc', 'here');
    t = NOW + 5 * MINUTE;
    sessions.markReauthenticated(row.id);
    expect(sessions.get(row.id)?.reauthAt).toBe(NOW + 5 * MINUTE);
    expect(sessions.get('no-such-session')).toBeUndefined();
  });

  it('lists the live sessions, most recently used first, with their account, for one user or all', async () => {
    const { sessions, userId } = await store();
    const viewerId = await addUser(env.core, 'vera', 'viewer');
    const first = sessions.create(userId, 'ipc', 'first');
    t += MINUTE;
    const revoked = sessions.create(userId, 'ipc', 'revoked');
    sessions.revoke(revoked.row.id);
    sessions.create(viewerId, 'ipc', 'vera');
    t += MINUTE;
    sessions.create(userId, 'ipc', 'latest');
    t += MINUTE;
    sessions.resolve(first.token);

    expect(sessions.listActive(userId).map((s) => [s.userAgent, s.username, s.role])).toEqual([
      ['first', 'olivia', 'owner'],
      ['latest', 'olivia', 'owner'],
    ]);
    expect(sessions.listActive().map((s) => s.userAgent)).toEqual(['first', 'latest', 'vera']);

    // Idle sessions drop out of the list at the idle timeout, even before their absolute expiry.
    t = NOW + MINUTE + 15 * MINUTE;
    expect(sessions.listActive().map((s) => s.userAgent)).toEqual(['first', 'latest']);
  });

  it('lists no session past its absolute expiry', async () => {
    const { sessions, userId } = await store();
    const { token } = sessions.create(userId, 'ipc', 'busy');
    for (t = NOW; t < NOW + 12 * HOUR; t += 10 * MINUTE) sessions.resolve(token);
    t = NOW + 12 * HOUR - 1;
    expect(sessions.listActive(userId)).toHaveLength(1);
    t = NOW + 12 * HOUR;
    expect(sessions.listActive(userId)).toEqual([]);
  });
});
