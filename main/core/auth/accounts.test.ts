import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { User } from '@shared/api/users';
import type { Principal, Role } from '@shared/permissions';
import type { CallResult } from '../api/router';
import { failure, RecordingSink, setupOwner, success, useTempCore, visibleParts, type TempCore } from '../testing/harness';

const NOW = 1_767_225_600_000;
const PASSWORD = 'violet tulips at dawn';
const TEMPORARY = 'temporary lilac door';

let t: number;
const clock = { now: () => t };
beforeEach(() => {
  t = NOW;
});
let env: TempCore;

const visible = visibleParts('code', 'message', 'hint');

/** A browser tab: signs in, then calls as whoever its session token currently stands for. */
class Tab {
  constructor(readonly sink = new RecordingSink()) {}

  async principal(): Promise<Principal | null> {
    return this.sink.token === undefined ? null : ((await env.core.signIn.authenticate(this.sink.token))?.principal ?? null);
  }

  async call(method: string, input: unknown = {}): Promise<CallResult> {
    return env.core.router.call(await this.principal(), method, input, { origin: 'http:127.0.0.1', session: this.sink, userAgent: 'vitest' });
  }

  login(username: string, password: string): Promise<CallResult> {
    return env.core.router.call(null, 'auth.login', { username, password }, { origin: 'http:127.0.0.1', session: this.sink });
  }
}

async function ownerTab(): Promise<Tab> {
  const { sink } = await setupOwner(env.core, { username: 'olivia', password: PASSWORD });
  return new Tab(sink);
}

/** An account that can sign in straight away (no forced change), and a tab signed in as it. */
async function signedIn(username: string, role: Role): Promise<{ user: User; tab: Tab }> {
  const user = await env.core.accounts.create(null, { username, role, password: PASSWORD, mustChangePassword: false });
  const tab = new Tab();
  success(await tab.login(username, PASSWORD));
  return { user, tab };
}

// Every test on both engines (docs/architecture.md §4): SQLite in the data dir, and a PostgreSQL database of its own.
describe.each(['sqlite', 'postgres'] as const)('on %s', (engine) => {
  const onEngine = useTempCore({ prefix: 'guardian-accounts-', clock, engine });
  beforeAll(() => {
    env = onEngine;
  });

  describe('the first owner', () => {
    it('is created once, even when two set-ups race', async () => {
      const setup = (username: string) =>
        env.core.router.call(null, 'auth.setup', { username, password: PASSWORD }, { origin: 'http:127.0.0.1', session: new RecordingSink() });

      const results = await Promise.all([setup('olivia'), setup('mallory')]);

      expect(results.map((result) => (result.ok ? 'ok' : result.error.code)).sort()).toEqual(['CONFLICT', 'ok']);
      expect(await env.core.accounts.count()).toBe(1);
      expect(failure(await setup('trudy')).code).toBe('CONFLICT');
    });
  });

  describe('disabling and enabling an account', () => {
    it('signs the account out everywhere and refuses its sign-in, like a wrong password, until re-enabled', async () => {
      const owner = await ownerTab();
      const { user, tab } = await signedIn('victor', 'viewer');
      const wrongPassword = failure(await new Tab().login('victor', 'not the password'));

      const disabled = success<User>(await owner.call('users.disable', { id: user.id }));

      expect(disabled.disabled).toBe(true);
      expect(await tab.principal()).toBeNull();
      const refused = failure(await new Tab().login('victor', PASSWORD));
      expect(visible(refused)).toEqual(visible(wrongPassword));

      expect(success<User>(await owner.call('users.enable', { id: user.id })).disabled).toBe(false);
      const again = new Tab();
      success(await again.login('victor', PASSWORD));
      expect(await again.principal()).toMatchObject({ id: user.id, role: 'viewer' });
    });
  });

  describe('resetting a password', () => {
    it('ends the sessions, and the new password must be changed before anything else', async () => {
      const owner = await ownerTab();
      const { user, tab } = await signedIn('victor', 'viewer');

      const reset = success<User>(await owner.call('users.resetPassword', { id: user.id, password: TEMPORARY }));
      expect(reset.mustChangePassword).toBe(true);
      expect(await tab.principal()).toBeNull();
      expect(failure(await new Tab().login('victor', PASSWORD)).code).toBe('SIGN_IN_FAILED');

      const victor = new Tab();
      expect(success<{ mustChangePassword: boolean }>(await victor.login('victor', TEMPORARY)).mustChangePassword).toBe(true);
      expect(failure(await victor.call('servers.list')).code).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(failure(await victor.call('sessions.list')).code).toBe('PASSWORD_CHANGE_REQUIRED');
      expect(success<{ username: string }>(await victor.call('auth.me')).username).toBe('victor');

      const weak = failure(await victor.call('auth.changePassword', { currentPassword: TEMPORARY, newPassword: 'victor' }));
      expect(weak).toMatchObject({ code: 'VALIDATION_FAILED', issues: [{ path: ['newPassword'] }] });
      expect(failure(await victor.call('servers.list')).code).toBe('PASSWORD_CHANGE_REQUIRED');

      success(await victor.call('auth.changePassword', { currentPassword: TEMPORARY, newPassword: 'my own quiet garden' }));
      expect((await victor.principal())?.mustChangePassword).toBe(false);
      expect(success<{ items: unknown[] }>(await victor.call('servers.list')).items).toEqual([]);
    });

    it('makes a new account change its first password at first sign-in', async () => {
      const owner = await ownerTab();

      const created = success<User>(await owner.call('users.create', { username: 'victor', role: 'operator', password: TEMPORARY }));
      expect(created.mustChangePassword).toBe(true);

      const victor = new Tab();
      success(await victor.login('victor', TEMPORARY));
      expect(failure(await victor.call('servers.create', { name: 'web-1', host: 'web-1.example.net' })).code).toBe('PASSWORD_CHANGE_REQUIRED');
    });
  });

  describe('the last owner', () => {
    it('cannot be deleted, demoted or disabled; another owner can', async () => {
      const owner = await ownerTab();
      const ownerId = (await owner.principal())?.id ?? '';

      expect(failure(await owner.call('users.delete', { id: ownerId })).code).toBe('CONFLICT');
      expect(failure(await owner.call('users.update', { id: ownerId, role: 'admin' })).code).toBe('CONFLICT');
      expect(failure(await owner.call('users.disable', { id: ownerId })).code).toBe('CONFLICT');
      expect(await env.core.accounts.row(ownerId)).toMatchObject({ role: 'owner', disabled: false });

      const second = success<User>(await owner.call('users.create', { username: 'oscar', role: 'owner', password: TEMPORARY }));
      expect(success<User>(await owner.call('users.update', { id: second.id, role: 'admin' })).role).toBe('admin');
      expect(success<User>(await owner.call('users.update', { id: second.id, role: 'owner' })).role).toBe('owner');

      // A disabled owner does not count: the one left active is the last owner again.
      success(await owner.call('users.disable', { id: second.id }));
      expect(failure(await owner.call('users.update', { id: ownerId, role: 'viewer' })).code).toBe('CONFLICT');
      expect(failure(await owner.call('users.delete', { id: ownerId })).code).toBe('CONFLICT');

      expect(success(await owner.call('users.delete', { id: second.id }))).toEqual({ id: second.id });
      expect((await env.core.accounts.list()).map((user) => user.username)).toEqual(['olivia']);
    });

    it('stays, when two owners demote, disable or delete each other at the same moment', async () => {
      const activeOwners = async () => (await env.core.accounts.list()).filter((user) => user.role === 'owner' && !user.disabled).length;
      const first = await ownerTab();
      let survivor = { tab: first, id: (await first.principal())?.id ?? '' };
      const removals = [
        (id: string) => ({ method: 'users.update', input: { id, role: 'admin' } }),
        (id: string) => ({ method: 'users.disable', input: { id } }),
        (id: string) => ({ method: 'users.delete', input: { id } }),
      ];
      for (const [round, removal] of removals.entries()) {
        const { user: other, tab } = await signedIn(`oscar${round}`, 'owner');

        const [mine, theirs] = [removal(other.id), removal(survivor.id)];
        const results = await Promise.all([survivor.tab.call(mine.method, mine.input), tab.call(theirs.method, theirs.input)]);

        const { method } = mine;
        // The one who loses is refused as the last owner, or, when the other's change landed before
        // the call even started, as someone who is no longer an owner (or signed in) at all.
        const [won, lost] = [results.filter((result) => result.ok), results.filter((result) => !result.ok)];
        expect(won, method).toHaveLength(1);
        expect(
          lost.map((result) => (result.ok ? 'ok' : result.error.code)),
          method,
        ).toEqual([expect.stringMatching(/^(CONFLICT|PERMISSION_DENIED|UNAUTHENTICATED)$/)]);
        expect(await activeOwners(), method).toBe(1);
        if (!results[0]?.ok) survivor = { tab, id: other.id };
      }
    });
  });

  describe('an admin and owners', () => {
    it('may not create, change, reset or remove an owner, nor make anyone an owner', async () => {
      const owner = await ownerTab();
      const ownerId = (await owner.principal())?.id ?? '';
      const { tab: admin } = await signedIn('ada', 'admin');
      const { user: viewer } = await signedIn('victor', 'viewer');
      const before = await env.core.accounts.list();

      const refusals = [
        await admin.call('users.create', { username: 'otto', role: 'owner', password: TEMPORARY }),
        await admin.call('users.update', { id: ownerId, displayName: 'Not Olivia' }),
        await admin.call('users.update', { id: viewer.id, role: 'owner' }),
        await admin.call('users.disable', { id: ownerId }),
        await admin.call('users.resetPassword', { id: ownerId, password: TEMPORARY }),
        await admin.call('users.resetMfa', { id: ownerId }),
        await admin.call('users.delete', { id: ownerId }),
      ];

      expect(refusals.map((result) => failure(result).code)).toEqual(Array(refusals.length).fill('PERMISSION_DENIED'));
      expect(await env.core.accounts.list()).toEqual(before);
      expect(await owner.principal()).not.toBeNull();

      // Everyone else is the admin's to manage.
      expect(success<User>(await admin.call('users.update', { id: viewer.id, role: 'operator' })).role).toBe('operator');
    });
  });
});
