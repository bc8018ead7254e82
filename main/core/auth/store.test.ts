import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '@shared/permissions';
import type { AsyncDatabase, Stamp } from '../db/engine';
import { useEngines } from '../testing/engines';
import { ApiKeyStore } from './apikeys';
import { SessionStore } from './sessions';
import { AuthStore } from './store';
import type { UserRow } from './table';
import { LoginThrottle } from './throttle';
import { hashToken } from './tokens';

/**
 * Accounts, sessions, API keys and the sign-in throttle on both engines: the same answers from
 * SQLite and PostgreSQL, a session or key refused the moment it is revoked or its account
 * disabled, tokens kept only as hashes, and a failed sign-in counted even though its call rolls back.
 */

const NOW = 1_767_225_600_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const POLICY = { idleMs: 15 * MINUTE, absoluteMs: 12 * HOUR };
const OWNER: Principal = { kind: 'system', id: 'local-owner', name: 'local owner', role: 'owner' };

const engines = useEngines('guardian-auth-store-');

let t = NOW;
const clock = { now: () => t };

/** A stamp whose writes a test can wait for (the app's nobody waits for). */
function recordingStamp(db: AsyncDatabase): Stamp & { settled(): Promise<void> } {
  const pending: Promise<unknown>[] = [];
  const stamp = (_what: string, work: () => Promise<unknown>) => void pending.push(db.detached(work));
  return Object.assign(stamp, { settled: async () => void (await Promise.all(pending.splice(0))) });
}

function user(id: string, username: string, role: Role = 'owner'): UserRow {
  return {
    id,
    username,
    displayName: username,
    role,
    passwordHash: '$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA',
    mustChangePassword: false,
    disabled: false,
    totpSecret: null,
    totpEnabled: false,
    totpLastStep: null,
    createdAt: NOW,
    updatedAt: NOW,
    lastLoginAt: null,
  };
}

async function opened(engine: 'sqlite' | 'postgres') {
  t = NOW;
  const { db } = await engines.fresh(engine);
  const store = new AuthStore(db);
  const stamp = recordingStamp(db);
  let ids = 0;
  const sessions = new SessionStore(store, stamp, clock, POLICY, () => `session-${++ids}`);
  const apiKeys = new ApiKeyStore(store, stamp, clock, () => `key-${++ids}`);
  await store.insertUser(user('u-olivia', 'Olivia'));
  return { db, store, stamp, sessions, apiKeys, userId: 'u-olivia' };
}

describe.each(['sqlite', 'postgres'] as const)('accounts, sessions and keys on %s', (engine) => {
  it('reads an account back as it was written, and finds it by name whatever the case', async () => {
    const { db, store } = await opened(engine);
    try {
      await store.insertUser({ ...user('u-zoe', 'zoe', 'viewer'), totpSecret: 'JBSWY3DPEHPK3PXP', mustChangePassword: true });
      expect(await store.user('u-zoe')).toEqual({ ...user('u-zoe', 'zoe', 'viewer'), totpSecret: 'JBSWY3DPEHPK3PXP', mustChangePassword: true });
      expect((await store.userByName('OLIVIA'))?.id).toBe('u-olivia');
      expect(await store.userByName('olivia ')).toBeUndefined();
      expect((await store.listUsers()).map((row) => row.username)).toEqual(['Olivia', 'zoe']);
      expect(await store.countUsers()).toBe(2);
      expect(await store.activeOwners()).toBe(1);
      // The unique index holds whatever the case, on both engines.
      await expect(store.insertUser(user('u-dup', 'oLiViA'))).rejects.toThrow();
      expect(await store.updateUser('u-zoe', { disabled: true, role: 'owner' }, NOW + 5)).toBe(1);
      expect(await store.user('u-zoe')).toMatchObject({ disabled: true, role: 'owner', updatedAt: NOW + 5 });
      expect(await store.activeOwners()).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('spends a one-time code once: a TOTP step only after the last, a recovery code only while unused', async () => {
    const { db, store, userId } = await opened(engine);
    try {
      expect(await store.spendTotpStep(userId, 100)).toBe(true);
      expect(await store.spendTotpStep(userId, 100)).toBe(false);
      expect(await store.spendTotpStep(userId, 99)).toBe(false);
      expect(await store.spendTotpStep(userId, 101)).toBe(true);
      await store.replaceRecoveryCodes(userId, ['hash-a', 'hash-b']);
      expect(await Promise.all([store.spendRecoveryCode(userId, 'hash-a', NOW), store.spendRecoveryCode(userId, 'hash-a', NOW)])).toEqual([true, false]);
      expect(await store.spendRecoveryCode('u-other', 'hash-b', NOW)).toBe(false);
      await store.replaceRecoveryCodes(userId, []);
      expect(await store.spendRecoveryCode(userId, 'hash-b', NOW)).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('signs nobody in with a token it never issued, and keeps only the token’s hash', async () => {
    const { db, sessions, userId } = await opened(engine);
    try {
      const { token, row } = await sessions.create(userId, 'http:127.0.0.1', 'Firefox/140 '.repeat(50));
      expect((await sessions.resolve(token))?.user.id).toBe(userId);
      expect(await sessions.resolve(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
      expect(await sessions.resolve('')).toBeNull();
      expect(row).toMatchObject({ createdAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 12 * HOUR, revokedAt: null, reauthAt: null });
      expect(row.userAgent).toHaveLength(300);
      expect(row.csrfToken).not.toBe(token);
      const stored = JSON.stringify(await db.all(sql`SELECT * FROM sessions`, (r) => r));
      expect(stored).not.toContain(token);
      expect(stored).toContain(hashToken(token));
    } finally {
      await db.close();
    }
  });

  it('ends a session at exactly the idle timeout, and writes activity at most every 15 seconds, only when it is a use', async () => {
    const { db, sessions, stamp, userId } = await opened(engine);
    try {
      const { token, row } = await sessions.create(userId, 'ipc', 'Guardian desktop');
      t = NOW + 15 * SECOND - 1;
      expect((await sessions.resolve(token))?.session.lastSeenAt).toBe(NOW);
      t = NOW + 10 * MINUTE;
      expect((await sessions.resolve(token, false))?.session.lastSeenAt).toBe(NOW);
      await stamp.settled();
      expect((await sessions.get(row.id))?.lastSeenAt).toBe(NOW);
      expect((await sessions.resolve(token))?.session.lastSeenAt).toBe(NOW + 10 * MINUTE);
      await stamp.settled();
      expect((await sessions.get(row.id))?.lastSeenAt).toBe(NOW + 10 * MINUTE);
      t = NOW + 25 * MINUTE - 1;
      expect(await sessions.resolve(token, false)).not.toBeNull();
      t = NOW + 25 * MINUTE;
      expect(await sessions.resolve(token)).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('counts idle time from a use whose last-seen write has not landed yet', async () => {
    const { db, store, userId } = await opened(engine);
    try {
      // A last-seen write waits (a busy pool, another writer's turn) until the test lets it go.
      let release = () => undefined as void;
      let held = Promise.resolve();
      const holdWrites = () => void (held = new Promise<void>((resolve) => (release = resolve)));
      const writes: Promise<unknown>[] = [];
      const heldUp: Stamp = (_what, work) => {
        const gate = held;
        writes.push(db.detached(() => gate.then(work)));
      };
      const sessions = new SessionStore(
        store,
        heldUp,
        clock,
        POLICY,
        (() => {
          let n = 0;
          return () => `session-held-${++n}`;
        })(),
      );
      const { token, row } = await sessions.create(userId, 'ipc', 'Guardian desktop');
      await sessions.create(userId, 'ipc', 'idle');
      holdWrites();
      t = NOW + 14 * MINUTE;
      expect(await sessions.resolve(token)).not.toBeNull();

      // Past the idle limit counted from sign-in, well inside it counted from that use.
      t = NOW + 16 * MINUTE;
      expect((await sessions.get(row.id))?.lastSeenAt).toBe(NOW + 14 * MINUTE);
      expect((await sessions.listActive(userId)).map((session) => [session.userAgent, session.lastSeenAt])).toEqual([['Guardian desktop', NOW + 14 * MINUTE]]);
      expect((await sessions.resolve(token))?.session.lastSeenAt).toBe(NOW + 16 * MINUTE);
      expect((await store.session(row.id))?.lastSeenAt).toBe(NOW);

      release();
      await Promise.all(writes);
      // Both writes landed, in whichever order the engine ran them: the newer stands.
      expect((await store.session(row.id))?.lastSeenAt).toBe(NOW + 16 * MINUTE);
      // Another node's newer use, written while this process's is held up, wins over it.
      holdWrites();
      t = NOW + 17 * MINUTE;
      expect(await sessions.resolve(token)).not.toBeNull();
      await store.touchSession(row.id, NOW + 20 * MINUTE);
      expect((await sessions.get(row.id))?.lastSeenAt).toBe(NOW + 20 * MINUTE);
      release();
      await Promise.all(writes);
      expect((await sessions.get(row.id))?.lastSeenAt).toBe(NOW + 20 * MINUTE);
    } finally {
      await db.close();
    }
  });

  it('never moves a session’s last-seen back when an older write lands after a newer one', async () => {
    const { db, store, sessions, userId } = await opened(engine);
    try {
      const { row } = await sessions.create(userId, 'ipc', 'Guardian desktop');
      await store.touchSession(row.id, NOW + 2 * MINUTE);
      await store.touchSession(row.id, NOW + MINUTE);
      expect((await store.session(row.id))?.lastSeenAt).toBe(NOW + 2 * MINUTE);
    } finally {
      await db.close();
    }
  });

  it('ends a session at exactly its absolute expiry, however busy', async () => {
    const { db, sessions, stamp, userId } = await opened(engine);
    try {
      const { token } = await sessions.create(userId, 'ipc', 'Guardian desktop');
      for (t = NOW; t < NOW + 12 * HOUR; t += 10 * MINUTE) {
        expect(await sessions.resolve(token)).not.toBeNull();
        await stamp.settled();
      }
      t = NOW + 12 * HOUR - 1;
      expect(await sessions.resolve(token)).not.toBeNull();
      expect(await sessions.listActive(userId)).toHaveLength(1);
      t = NOW + 12 * HOUR;
      expect(await sessions.resolve(token)).toBeNull();
      expect(await sessions.listActive(userId)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('refuses a revoked session at once, and every session of a disabled account; signs out everywhere but the session named', async () => {
    const { db, store, sessions, userId } = await opened(engine);
    try {
      await store.insertUser(user('u-oscar', 'oscar', 'viewer'));
      const [here, laptop, phone] = [
        await sessions.create(userId, 'ipc', 'here'),
        await sessions.create(userId, 'http:10.0.0.2', 'laptop'),
        await sessions.create(userId, 'http:10.0.0.3', 'phone'),
      ];
      const oscars = await sessions.create('u-oscar', 'ipc', 'oscar');
      t += SECOND;
      await sessions.revoke(phone.row.id);
      expect((await sessions.get(phone.row.id))?.revokedAt).toBe(NOW + SECOND);
      expect(await sessions.resolve(phone.token)).toBeNull();

      await sessions.revokeAllFor(userId, here.row.id);
      const alive = async (token: string) => (await sessions.resolve(token, false)) !== null;
      expect([await alive(here.token), await alive(laptop.token), await alive(oscars.token)]).toEqual([true, false, true]);
      // Revoked once: a later sign-out everywhere keeps the first time.
      expect((await sessions.get(phone.row.id))?.revokedAt).toBe(NOW + SECOND);

      await store.updateUser('u-oscar', { disabled: true });
      expect(await sessions.resolve(oscars.token)).toBeNull();
      await sessions.revokeAllFor(userId);
      expect(await sessions.resolve(here.token)).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('records a re-authentication, and lists live sessions most recently used first, with their account', async () => {
    const { db, store, sessions, stamp, userId } = await opened(engine);
    try {
      await store.insertUser(user('u-vera', 'vera', 'viewer'));
      const first = await sessions.create(userId, 'ipc', 'first');
      t += MINUTE;
      const revoked = await sessions.create(userId, 'ipc', 'revoked');
      await sessions.revoke(revoked.row.id);
      await sessions.create('u-vera', 'ipc', 'vera');
      t += MINUTE;
      await sessions.create(userId, 'ipc', 'latest');
      t += MINUTE;
      await sessions.resolve(first.token);
      await stamp.settled();
      await sessions.markReauthenticated(first.row.id);
      expect((await sessions.get(first.row.id))?.reauthAt).toBe(t);
      expect(await sessions.get('no-such-session')).toBeUndefined();

      expect((await sessions.listActive(userId)).map((s) => [s.userAgent, s.username, s.role])).toEqual([
        ['first', 'Olivia', 'owner'],
        ['latest', 'Olivia', 'owner'],
      ]);
      expect((await sessions.listActive()).map((s) => s.userAgent)).toEqual(['first', 'latest', 'vera']);
      // Idle sessions drop out of the list at the idle timeout, even before their absolute expiry.
      t = NOW + MINUTE + 15 * MINUTE;
      expect((await sessions.listActive()).map((s) => s.userAgent)).toEqual(['first', 'latest']);
    } finally {
      await db.close();
    }
  });

  it('an API key stands for its role and limits, records its last use, and is refused once revoked, expired or its owner disabled', async () => {
    const { db, store, apiKeys, stamp, userId } = await opened(engine);
    try {
      const { key, token } = await apiKeys.create({
        name: 'deploy',
        role: 'operator',
        permissions: ['servers:read', 'servers:read'],
        createdBy: 'user:u-olivia',
        ownerId: userId,
        grantor: OWNER,
      });
      expect(key).toMatchObject({ permissions: ['servers:read'], owner: { id: userId, username: 'Olivia', role: 'owner' } });
      expect(JSON.stringify(key)).not.toContain(token);
      expect(await apiKeys.authenticate(token, 'http:192.0.2.10')).toEqual({
        kind: 'apiKey',
        id: key.id,
        name: 'deploy',
        role: 'operator',
        permissions: ['servers:read'],
      });
      await stamp.settled();
      expect((await apiKeys.list())[0]).toMatchObject({ lastUsedAt: NOW, lastUsedOrigin: 'http:192.0.2.10' });
      expect(await apiKeys.authenticate(`${token}x`, 'http:192.0.2.10')).toBeNull();
      expect(await apiKeys.ownerOf(key.id)).toBe(userId);

      await store.updateUser(userId, { disabled: true });
      expect(await apiKeys.authenticate(token, 'http:192.0.2.10', false)).toBeNull();
      await store.updateUser(userId, { disabled: false });
      expect(await apiKeys.authenticate(token, 'http:192.0.2.10', false)).not.toBeNull();

      t = NOW + MINUTE;
      const system = await apiKeys.create({ name: 'cron', role: 'viewer', expiresAt: NOW + HOUR, createdBy: 'system:cli', grantor: OWNER });
      expect(system.key.owner).toBeNull();
      t = NOW + HOUR;
      expect(await apiKeys.authenticate(system.token, 'cli', false)).toBeNull();

      t += SECOND;
      const revoked = await apiKeys.revoke(OWNER, key.id);
      expect(revoked.revokedAt).toBe(t);
      expect(await apiKeys.authenticate(token, 'http:192.0.2.10')).toBeNull();
      expect((await apiKeys.list()).map((k) => k.name)).toEqual(['cron', 'deploy']);
      await store.revokeApiKeysOf(userId, t + 5);
      expect((await apiKeys.revoke(OWNER, key.id)).revokedAt).toBe(t);
    } finally {
      await db.close();
    }
  });

  it('locks a name after five failures, counts a failure whose call rolled back, and a success clears the count', async () => {
    const { db, store } = await opened(engine);
    try {
      const throttle = new LoginThrottle(store, db, clock, { maxFailures: 5, lockMs: 15 * MINUTE });
      const keys = ['account:olivia', 'origin:http:192.0.2.10'];
      for (let i = 0; i < 4; i++) await throttle.recordFailure(keys);
      expect(await throttle.failuresLeft('account:olivia')).toBe(1);
      expect(await throttle.lockedUntil(keys)).toBeNull();
      // As sign-in does: the failure is recorded, then the call's transaction rolls back.
      let written: Promise<void> | undefined;
      await expect(
        db.transaction(async () => {
          written = throttle.recordFailure(keys);
          expect(await throttle.failuresLeft('account:olivia')).toBe(0);
          throw new Error('the sign-in failed');
        }),
      ).rejects.toThrow('the sign-in failed');
      await written;
      expect(await throttle.lockedUntil(keys)).toBe(NOW + 15 * MINUTE);
      expect(await throttle.failuresLeft('origin:http:192.0.2.10')).toBe(0);
      await throttle.clear('account:olivia');
      expect(await throttle.failuresLeft('account:olivia')).toBe(5);
      expect(await throttle.lockedUntil(keys)).toBe(NOW + 15 * MINUTE);
      t = NOW + 15 * MINUTE;
      expect(await throttle.lockedUntil(keys)).toBeNull();
      expect(await throttle.failuresLeft('origin:http:192.0.2.10')).toBe(5);
    } finally {
      await db.close();
    }
  });

  it('counts a failure once while its row has committed but this process has not yet heard so', async () => {
    const { db, store } = await opened(engine);
    try {
      // The lag between the server committing a failure's row and the commit's answer reaching
      // this process: on PostgreSQL the next guess reads on another connection, inside that lag.
      let lagging = Promise.resolve();
      const laggy: Pick<AsyncDatabase, 'detached' | 'transaction' | 'afterCommit'> = {
        detached: (work) => db.detached(work),
        afterCommit: (after) => db.afterCommit(() => void lagging.then(after)),
        transaction: async (work) => {
          const done = await db.transaction(work);
          await lagging;
          return done;
        },
      };
      const throttle = new LoginThrottle(store, laggy, clock, { maxFailures: 5, lockMs: 15 * MINUTE });
      const keys = ['account:olivia', 'origin:http:192.0.2.10'];
      const committed = async (failures: number) => {
        for (let i = 0; i < 200; i++) {
          const [row] = await store.throttleRows(['account:olivia']);
          if (row?.failures === failures) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        throw new Error(`the row never showed ${failures} failures`);
      };
      for (let i = 0; i < 3; i++) await throttle.recordFailure(keys);

      let hear = () => undefined as void;
      lagging = new Promise<void>((resolve) => (hear = resolve));
      const fourth = throttle.recordFailure(keys);
      await committed(4);
      const left = throttle.failuresLeft('account:olivia');
      const locked = throttle.lockedUntil(keys);
      setTimeout(hear, 50);
      // Four failures, not five: the fourth is in the row, and no longer counted here too.
      expect(await left).toBe(1);
      expect(await locked).toBeNull();
      await fourth;
      expect(await throttle.failuresLeft('origin:http:192.0.2.10')).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('starts a lock when its fifth failure happened, not when a held-up write of it got its turn', async () => {
    const { db, store } = await opened(engine);
    try {
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      // The fifth failure's write waits (a busy pool, another writer) while the clock moves on.
      let writes = 0;
      const slow: Pick<AsyncDatabase, 'detached' | 'transaction' | 'afterCommit'> = {
        detached: (work) => db.detached(async () => (++writes === 5 ? held.then(work) : work())),
        afterCommit: (after) => db.afterCommit(after),
        transaction: (work) => db.transaction(work),
      };
      const throttle = new LoginThrottle(store, slow, clock, { maxFailures: 5, lockMs: 15 * MINUTE });
      const keys = ['account:olivia', 'origin:http:192.0.2.10'];
      for (let i = 0; i < 4; i++) await throttle.recordFailure(keys);
      const fifth = throttle.recordFailure(keys);
      expect(await throttle.lockedUntil(keys)).toBe(NOW + 15 * MINUTE);
      t = NOW + 10 * MINUTE;
      release();
      await fifth;
      expect(await throttle.lockedUntil(keys)).toBe(NOW + 15 * MINUTE);
      t = NOW + 15 * MINUTE;
      expect(await throttle.lockedUntil(keys)).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('counts every one of failures recorded at once: the fifth locks the name, none lost to another written beside it', async () => {
    const { db, store } = await opened(engine);
    try {
      const throttle = new LoginThrottle(store, db, clock, { maxFailures: 5, lockMs: 15 * MINUTE });
      const keys = ['account:mallory', 'origin:http:192.0.2.66'];
      // Guesses arriving together: on PostgreSQL their writes run side by side.
      await Promise.all(Array.from({ length: 5 }, () => throttle.recordFailure(keys)));
      expect(await throttle.lockedUntil(keys)).toBe(NOW + 15 * MINUTE);
      expect(await throttle.failuresLeft('account:mallory')).toBe(0);
    } finally {
      await db.close();
    }
  });
});
