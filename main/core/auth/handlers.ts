import { AppError } from '../../../shared/api/errors';
import { principalAllows } from '../../../shared/permissions';
import { actorName, who } from '../api/caller';
import type { Handlers } from '../api/router';
import type { AccountStore } from './accounts';
import type { ApiKeyStore } from './apikeys';
import { passwordRules } from './passwords';
import type { SessionStore } from './sessions';
import type { SignInService } from './signin';

export interface AuthHandlerDeps {
  signIn: SignInService;
  accounts: AccountStore;
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
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
  | 'apikeys.revoke';

export function createAuthHandlers(deps: AuthHandlerDeps): Pick<Handlers, AuthMethods> {
  const { signIn, accounts, sessions, apiKeys } = deps;
  return {
    'auth.status': (_input, ctx) => signIn.status(ctx.principal),
    'auth.checkPassword': ({ username, password }) => {
      const rules = passwordRules(password, username);
      return { acceptable: rules.every((rule) => rule.ok), rules };
    },
    'auth.setup': (input, ctx) => signIn.setup(input, ctx.origin, ctx.userAgent, ctx.session),
    'auth.login': (input, ctx) => signIn.login(input, ctx.origin, ctx.userAgent, ctx.session),
    'auth.logout': (_input, ctx) => signIn.logout(who(ctx), ctx.session),
    'auth.me': (_input, ctx) => signIn.current(who(ctx)),
    'auth.changePassword': (input, ctx) => signIn.changePassword(who(ctx), input.currentPassword, input.newPassword),
    'auth.totpBegin': (_input, ctx) => signIn.totpBegin(who(ctx)),
    'auth.totpConfirm': ({ code }, ctx) => signIn.totpConfirm(who(ctx), code),
    'auth.totpDisable': ({ password }, ctx) => signIn.totpDisable(who(ctx), password),
    'sessions.list': ({ userId, all }, ctx) => {
      const principal = who(ctx);
      const self = principal.kind === 'user' ? principal.id : undefined;
      const others = all === true || (userId !== undefined && userId !== self);
      if (others && !principalAllows(principal, 'users:write')) {
        throw new AppError('PERMISSION_DENIED', 'Only admins may see other people’s sessions.', { hint: 'List your own sessions instead.' });
      }
      const items = sessions.listActive(all ? undefined : (userId ?? self ?? '-'));
      return {
        items: items.map((row) => ({
          id: row.id,
          userId: row.userId,
          username: row.username,
          origin: row.origin,
          userAgent: row.userAgent,
          createdAt: row.createdAt,
          lastSeenAt: row.lastSeenAt,
          expiresAt: row.expiresAt,
          current: row.id === principal.sessionId,
        })),
      };
    },
    'sessions.revoke': ({ id }, ctx) => {
      const principal = who(ctx);
      const session = sessions.get(id);
      const own = session !== undefined && principal.kind === 'user' && session.userId === principal.id;
      if (!session || (!own && !principalAllows(principal, 'users:write'))) {
        throw new AppError('NOT_FOUND', `There is no session ${id} you may revoke.`, { hint: 'List sessions to see their ids.' });
      }
      sessions.revoke(id);
      if (id === principal.sessionId) ctx.session?.clear();
      return { id };
    },
    'onboarding.update': ({ step }) => signIn.setOnboardingStep(step),
    'users.list': () => ({ items: accounts.list() }),
    'users.create': (input, ctx) => accounts.create(who(ctx), { ...input, mustChangePassword: true }),
    'users.update': ({ id, ...fields }, ctx) => accounts.update(who(ctx), id, fields),
    'users.disable': ({ id }, ctx) => accounts.setDisabled(who(ctx), id, true),
    'users.enable': ({ id }, ctx) => accounts.setDisabled(who(ctx), id, false),
    'users.resetPassword': ({ id, password }, ctx) => accounts.resetPassword(who(ctx), id, password),
    'users.resetMfa': ({ id }, ctx) => accounts.resetMfa(who(ctx), id),
    'users.delete': ({ id }, ctx) => accounts.delete(who(ctx), id),
    'apikeys.list': () => ({ items: apiKeys.list() }),
    'apikeys.create': (input, ctx) => {
      const actor = who(ctx);
      return apiKeys.create({ ...input, createdBy: actorName(actor), grantor: actor });
    },
    'apikeys.revoke': ({ id }) => apiKeys.revoke(id),
  };
}
