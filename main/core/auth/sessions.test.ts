import { beforeEach, describe, expect, it } from 'vitest';
import type { Principal, Role } from '@shared/permissions';
import type { CallResult } from '../api/router';
import type { Core } from '../app';
import { attemptSignIn, failure, RecordingSink, success, useTempCore, visibleParts } from '../testing/harness';

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
/** What a caller can compare between two answers; the message names the id asked for. */
const visible = visibleParts('code', 'hint', 'retryable');

/** A signed-in window or browser: its sink holds the token, as a transport would. */
interface Signed {
  sink: RecordingSink;
  token: string;
  principal(): Promise<Principal | null>;
  call(method: string, input?: unknown): Promise<CallResult>;
}

async function signIn(c: Core, username: string, method: 'auth.login' | 'auth.setup' = 'auth.login'): Promise<Signed> {
  const { result, sink } = await attemptSignIn(c, { username, password: PASSWORD }, { method, userAgent: 'vitest' });
  success(result);
  const token = sink.token ?? '';
  const principal = async () => (await c.signIn.authenticate(token))?.principal ?? null;
  return {
    sink,
    token,
    principal,
    call: async (name, input = {}) => c.router.call(await principal(), name, input, { origin: 'http:127.0.0.1', session: sink }),
  };
}

async function addUser(c: Core, username: string, role: Role): Promise<string> {
  return (await c.accounts.create(null, { username, role, password: PASSWORD, mustChangePassword: false })).id;
}

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const env = useTempCore({ prefix: 'guardian-sessions-', clock, lazy: true, engine });
  const start = env.start;

  describe('session lifetime', () => {
    it('ends a session left idle for 15 minutes', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');

      t += 15 * MINUTE - 1;
      expect(await owner.principal()).not.toBeNull();
      // That use was itself activity; now stay away for the full idle time.
      t += 15 * MINUTE;
      expect(await owner.principal()).toBeNull();
      expect(failure(await owner.call('auth.me')).code).toBe('UNAUTHENTICATED');
    });

    it('keeps a used session alive past the idle time, but never past 12 hours', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      expect(owner.sink.expiresAt).toBe(NOW + 12 * HOUR);

      while (t + 14 * MINUTE < NOW + 12 * HOUR) {
        t += 14 * MINUTE;
        expect(await owner.principal()).not.toBeNull();
      }
      t = NOW + 12 * HOUR - 1;
      expect(await owner.principal()).not.toBeNull();
      t = NOW + 12 * HOUR;
      expect(await owner.principal()).toBeNull();
    });

    it('measures idle time from the last recorded activity, which is written at most every 15 seconds', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');

      // Activity 10 s after sign-in is not written; idle time still counts from sign-in.
      t += 10 * SECOND;
      expect(await owner.principal()).not.toBeNull();
      t = NOW + 15 * MINUTE;
      expect(await owner.principal()).toBeNull();
    });

    it('follows the session policy given to createCore', async () => {
      const c = await start({ sessions: { idleMs: MINUTE, absoluteMs: 3 * MINUTE } });
      const owner = await signIn(c, 'olivia', 'auth.setup');
      expect(success<{ idleTimeoutMs: number }>(await owner.call('auth.me')).idleTimeoutMs).toBe(MINUTE);

      t += 50 * SECOND;
      expect(await owner.principal()).not.toBeNull();
      t += 50 * SECOND;
      expect(await owner.principal()).not.toBeNull();
      t += MINUTE;
      expect(await owner.principal()).toBeNull();
    });

    it('stores the activity of a use right before Guardian stops: idle time counts from it after a restart', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      t += 10 * MINUTE;
      expect(await owner.principal()).not.toBeNull();

      // Nothing in memory survives the restart: only what was written counts.
      const restarted = await env.restart();
      t += 10 * MINUTE;
      expect(await restarted.signIn.authenticate(owner.token)).not.toBeNull();
      t += 15 * MINUTE;
      expect(await restarted.signIn.authenticate(owner.token)).toBeNull();
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
      expect(items.filter((item) => item.current).map((item) => item.id)).toEqual([(await viewer.principal())?.sessionId]);
      expect(items.map((item) => item.id)).toContain((await viewerElsewhere.principal())?.sessionId);
      expect(items.map((item) => item.id)).not.toContain((await owner.principal())?.sessionId);
    });

    it('keeps at most 300 characters of what a client says it is', async () => {
      const c = await start();
      await signIn(c, 'olivia', 'auth.setup');
      const { sink } = await attemptSignIn(c, { username: 'olivia', password: PASSWORD }, { userAgent: `Mozilla/5.0 ${'x'.repeat(10_000)}` });
      const principal = (await c.signIn.authenticate(sink.token ?? ''))?.principal ?? null;

      const { items } = success<{ items: (SessionItem & { userAgent: string })[] }>(
        await c.router.call(principal, 'sessions.list', {}, { origin: 'http:127.0.0.1' }),
      );

      expect(items.find((item) => item.current)?.userAgent).toBe(`Mozilla/5.0 ${'x'.repeat(288)}`);
    });

    it('signs out your other sessions, and only yours, when you change your password', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      const elsewhere = await signIn(c, 'olivia');
      await addUser(c, 'victor', 'viewer');
      const viewer = await signIn(c, 'victor');

      success(await owner.call('auth.changePassword', { currentPassword: PASSWORD, newPassword: 'amber rivers at noon' }));

      expect(await owner.principal()).not.toBeNull();
      expect(await elsewhere.principal()).toBeNull();
      expect(await viewer.principal()).not.toBeNull();
    });

    it('revokes one of your own sessions; the current one also clears the transport', async () => {
      const c = await start();
      await signIn(c, 'olivia', 'auth.setup');
      await addUser(c, 'victor', 'viewer');
      const laptop = await signIn(c, 'victor');
      const phone = await signIn(c, 'victor');

      success(await laptop.call('sessions.revoke', { id: (await phone.principal())?.sessionId }));
      expect(await phone.principal()).toBeNull();
      expect(await laptop.principal()).not.toBeNull();
      expect(laptop.sink.cleared).toBe(0);

      success(await laptop.call('sessions.revoke', { id: (await laptop.principal())?.sessionId }));
      expect(await laptop.principal()).toBeNull();
      expect(laptop.sink.cleared).toBe(1);
    });

    it("refuses a non-admin other people's sessions, and lets an admin list and revoke them", async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      const ownerId = (await owner.principal())?.id;
      await addUser(c, 'victor', 'viewer');
      await addUser(c, 'ada', 'admin');
      const viewer = await signIn(c, 'victor');
      const admin = await signIn(c, 'ada');
      const ownerSession = (await owner.principal())?.sessionId;

      expect(failure(await viewer.call('sessions.list', { all: true })).code).toBe('PERMISSION_DENIED');
      expect(failure(await viewer.call('sessions.list', { userId: ownerId })).code).toBe('PERMISSION_DENIED');
      const notYours = failure(await viewer.call('sessions.revoke', { id: ownerSession }));
      const missing = failure(await viewer.call('sessions.revoke', { id: 'no-such-session' }));
      expect(notYours.code).toBe('NOT_FOUND');
      // Someone else's session gets the same answer as one that does not exist.
      expect(visible(notYours)).toEqual(visible(missing));
      expect(await owner.principal()).not.toBeNull();

      const all = success<{ items: SessionItem[] }>(await admin.call('sessions.list', { all: true }));
      expect(new Set(all.items.map((item) => item.username))).toEqual(new Set(['olivia', 'victor', 'ada']));
      const owners = success<{ items: SessionItem[] }>(await admin.call('sessions.list', { userId: ownerId }));
      expect(owners.items.map((item) => item.id)).toEqual([ownerSession]);

      success(await admin.call('sessions.revoke', { id: (await viewer.principal())?.sessionId }));
      expect(await viewer.principal()).toBeNull();
      expect(admin.sink.cleared).toBe(0);
    });

    it('leaves revoked and idle sessions out of the list', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      const revoked = await signIn(c, 'olivia');
      await signIn(c, 'olivia');
      success(await owner.call('sessions.revoke', { id: (await revoked.principal())?.sessionId }));
      t += 10 * MINUTE;
      expect(await owner.principal()).not.toBeNull();
      t += 6 * MINUTE;

      const { items } = success<{ items: SessionItem[] }>(await owner.call('sessions.list'));
      expect(items.map((item) => item.id)).toEqual([(await owner.principal())?.sessionId]);
    });
  });

  describe('auth.logout', () => {
    it('revokes the session and clears it from the transport', async () => {
      const c = await start();
      const owner = await signIn(c, 'olivia', 'auth.setup');
      const other = await signIn(c, 'olivia');

      expect(success(await owner.call('auth.logout'))).toEqual({ ok: true });

      expect(owner.sink.cleared).toBe(1);
      expect(await owner.principal()).toBeNull();
      expect(await other.principal()).not.toBeNull();
    });
  });
});
