import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppErrorShape } from '../../../shared/api/errors';
import type { Principal, Role } from '../../../shared/permissions';
import type { CallResult } from '../api/router';
import { createCore, type Core, type CoreOptions } from '../app';
import { silentLogger } from '../logging/logger';
import type { SessionSink } from './signin';

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
let dataDir: string;
let core: Core | undefined;

function start(options: Partial<CoreOptions> = {}): Core {
  core = createCore({ dataDir, logger: silentLogger(), mode: 'headless', clock, ...options });
  return core;
}

beforeEach(() => {
  t = NOW;
  dataDir = mkdtempSync(join(tmpdir(), 'guardian-sessions-'));
});

afterEach(async () => {
  await core?.close();
  core = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

class RecordingSink implements SessionSink {
  token: string | undefined;
  expiresAt: number | undefined;
  cleared = 0;
  establish(token: string, expiresAt: number): void {
    this.token = token;
    this.expiresAt = expiresAt;
  }
  clear(): void {
    this.cleared += 1;
    this.token = undefined;
  }
}

function failure(result: CallResult): AppErrorShape {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function success<T>(result: CallResult): T {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value as T;
}

/** What a caller can compare between two answers; the message names the id asked for. */
const visible = ({ code, hint, retryable }: AppErrorShape) => ({ code, hint, retryable });

/** A signed-in window or browser: its sink holds the token, as a transport would. */
interface Signed {
  sink: RecordingSink;
  token: string;
  principal(): Principal | null;
  call(method: string, input?: unknown): Promise<CallResult>;
}

async function signIn(c: Core, username: string, method = 'auth.login'): Promise<Signed> {
  const sink = new RecordingSink();
  success(await c.router.call(null, method, { username, password: PASSWORD }, { origin: 'http:127.0.0.1', session: sink, userAgent: 'vitest' }));
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
    const c = start();
    const owner = await signIn(c, 'olivia', 'auth.setup');

    t += 15 * MINUTE - 1;
    expect(owner.principal()).not.toBeNull();
    // That use was itself activity; now stay away for the full idle time.
    t += 15 * MINUTE;
    expect(owner.principal()).toBeNull();
    expect(failure(await owner.call('auth.me')).code).toBe('UNAUTHENTICATED');
  });

  it('keeps a used session alive past the idle time, but never past 12 hours', async () => {
    const c = start();
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
    const c = start();
    const owner = await signIn(c, 'olivia', 'auth.setup');

    // Activity 10 s after sign-in is not written; idle time still counts from sign-in.
    t += 10 * SECOND;
    expect(owner.principal()).not.toBeNull();
    t = NOW + 15 * MINUTE;
    expect(owner.principal()).toBeNull();
  });

  it('follows the session policy given to createCore', async () => {
    const c = start({ sessions: { idleMs: MINUTE, absoluteMs: 3 * MINUTE } });
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
    const c = start();
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
    const c = start();
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
    const c = start();
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
    const c = start();
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
    const c = start();
    const owner = await signIn(c, 'olivia', 'auth.setup');
    const other = await signIn(c, 'olivia');

    expect(success(await owner.call('auth.logout'))).toEqual({ ok: true });

    expect(owner.sink.cleared).toBe(1);
    expect(owner.principal()).toBeNull();
    expect(other.principal()).not.toBeNull();
  });
});
