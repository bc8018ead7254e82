import { AppError } from '@shared/api/errors';
import type { Events, PayloadOf } from '@shared/api';
import { principalAllows, type Principal } from '@shared/permissions';
import { actorName, who } from '../api/caller';
import { fromFirstWrite, type CallContext, type Handlers } from '../api/router';
import type { EventBus } from '../events/bus';
import type { SettingsStore } from '../settings';
import { AccessPolicy } from './access-policy';
import { assertMayActOn, type AccountStore } from './accounts';
import type { ApiKeyStore } from './apikeys';
import { passwordRules } from './passwords';
import type { SessionStore } from './sessions';
import type { SignInService } from './signin';

export interface AuthHandlerDeps {
  signIn: SignInService;
  accounts: AccountStore;
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
  settings: SettingsStore;
  /** Where account, key and security-setting changes are announced (ids only). */
  events: EventBus;
}

type AuthMethods =
  | 'auth.status'
  | 'auth.checkPassword'
  | 'auth.setup'
  | 'auth.login'
  | 'auth.logout'
  | 'auth.me'
  | 'auth.changePassword'
  | 'auth.totpBegin'
  | 'auth.totpConfirm'
  | 'auth.totpDisable'
  | 'sessions.list'
  | 'sessions.revoke'
  | 'onboarding.update'
  | 'users.list'
  | 'users.create'
  | 'users.update'
  | 'users.disable'
  | 'users.enable'
  | 'users.resetPassword'
  | 'users.resetMfa'
  | 'users.delete'
  | 'apikeys.list'
  | 'apikeys.create'
  | 'apikeys.revoke'
  | 'security.settings'
  | 'security.updateSettings';

export function createAuthHandlers(deps: AuthHandlerDeps): Pick<Handlers, AuthMethods> {
  const { signIn, accounts, sessions, apiKeys, events } = deps;
  type UserChange = PayloadOf<Events['users.changed']>['change'];
  /** Announces a change to one account; the payload is its id and the kind of change (docs/architecture.md §3). */
  const userChanged = <T extends { id: string }>(change: UserChange, user: T): T => {
    events.emit('users.changed', { change, ids: [user.id] });
    return user;
  };
  const policy = new AccessPolicy(deps.settings);
  /** The caller, when it may create or change accounts and create keys (API keys only if an owner allowed it). */
  const manager = async (ctx: CallContext): Promise<Principal> => {
    const actor = who(ctx);
    await policy.assertMayManageAccess(actor);
    return actor;
  };
  return {
    'auth.status': (_input, ctx) => signIn.status(ctx.principal),
    'auth.checkPassword': ({ username, password }) => {
      const rules = passwordRules(password, username);
      return { acceptable: rules.every((rule) => rule.ok), rules };
    },
    'auth.setup': (input, ctx) => signIn.setup(input, ctx.origin, ctx.userAgent, ctx.session),
    // Anyone may try: the password check (argon2) holds no other writer up.
    'auth.login': fromFirstWrite((input, ctx) => signIn.login(input, ctx.origin, ctx.userAgent, ctx.session)),
    'auth.logout': (_input, ctx) => signIn.logout(who(ctx), ctx.session),
    'auth.me': (_input, ctx) => signIn.current(who(ctx)),
    'auth.changePassword': (input, ctx) => signIn.changePassword(who(ctx), input.currentPassword, input.newPassword),
    'auth.totpBegin': (_input, ctx) => signIn.mfa.begin(who(ctx)),
    // The account list shows who has two-step sign-in: it changed for the caller's account.
    'auth.totpConfirm': async ({ code }, ctx) => {
      const principal = who(ctx);
      const confirmed = await signIn.mfa.confirm(principal, code);
      userChanged('updated', principal);
      return confirmed;
    },
    'auth.totpDisable': async ({ password }, ctx) => {
      const principal = who(ctx);
      const me = await signIn.mfa.disable(principal, password);
      userChanged('updated', principal);
      return me;
    },
    'sessions.list': async ({ userId, all }, ctx) => {
      const principal = who(ctx);
      const self = principal.kind === 'user' ? principal.id : undefined;
      const others = all === true || (userId !== undefined && userId !== self);
      if (others && !principalAllows(principal, 'users:write')) {
        throw new AppError('PERMISSION_DENIED', 'Only admins may see other people’s sessions.', { hint: 'List your own sessions instead.' });
      }
      const items = await sessions.listActive(all ? undefined : (userId ?? self ?? '-'));
      return {
        items: items.map((row) => ({
          id: row.id,
          userId: row.userId,
          username: row.username,
          role: row.role,
          origin: row.origin,
          userAgent: row.userAgent,
          createdAt: row.createdAt,
          lastSeenAt: row.lastSeenAt,
          expiresAt: row.expiresAt,
          current: row.id === principal.sessionId,
        })),
      };
    },
    'sessions.revoke': async ({ id }, ctx) => {
      const principal = who(ctx);
      const session = await sessions.get(id);
      const own = session !== undefined && principal.kind === 'user' && session.userId === principal.id;
      if (!session || (!own && !principalAllows(principal, 'users:write'))) {
        throw new AppError('NOT_FOUND', `There is no session ${id} you may revoke.`, { hint: 'List sessions to see their ids.' });
      }
      if (!own) assertMayActOn(principal, (await accounts.row(session.userId)).role, 'sign out an owner');
      await sessions.revoke(id);
      if (id === principal.sessionId) ctx.session?.clear();
      return { id };
    },
    'onboarding.update': ({ step }) => signIn.setOnboardingStep(step),
    'users.list': async () => ({ items: await accounts.list() }),
    'users.create': async (input, ctx) => userChanged('created', await accounts.create(await manager(ctx), { ...input, mustChangePassword: true })),
    'users.update': async ({ id, ...fields }, ctx) => userChanged('updated', await accounts.update(await manager(ctx), id, fields)),
    'users.disable': async ({ id }, ctx) => userChanged('disabled', await accounts.setDisabled(await manager(ctx), id, true)),
    'users.enable': async ({ id }, ctx) => userChanged('enabled', await accounts.setDisabled(await manager(ctx), id, false)),
    'users.resetPassword': async ({ id, password }, ctx) => userChanged('passwordReset', await accounts.resetPassword(await manager(ctx), id, password)),
    'users.resetMfa': async ({ id }, ctx) => userChanged('mfaReset', await accounts.resetMfa(await manager(ctx), id)),
    'users.delete': async ({ id }, ctx) => userChanged('deleted', await accounts.delete(await manager(ctx), id)),
    'apikeys.list': async () => ({ items: await apiKeys.list() }),
    'apikeys.create': async (input, ctx) => {
      const actor = await manager(ctx);
      // A person's key acts for them; a key's for its own owner; the CLI's is a system key.
      const ownerId = actor.kind === 'user' ? (await accounts.row(actor.id)).id : actor.kind === 'apiKey' ? await apiKeys.ownerOf(actor.id) : null;
      const created = await apiKeys.create({ ...input, createdBy: actorName(actor), ownerId, grantor: actor });
      // The key's id only: its token is the caller's alone.
      events.emit('apikeys.changed', { change: 'created', ids: [created.key.id] });
      return created;
    },
    'apikeys.revoke': async ({ id }, ctx) => {
      const key = await apiKeys.revoke(who(ctx), id);
      events.emit('apikeys.changed', { change: 'revoked', ids: [key.id] });
      return key;
    },
    'security.settings': () => policy.get(),
    'security.updateSettings': async (input, ctx) => {
      const settings = await policy.update(who(ctx), input);
      events.emit('security.changed', { change: 'updated', ids: [] });
      return settings;
    },
  };
}
