import type { FastifyRequest } from 'fastify';
import { PERMISSIONS, principalAllows, type Principal } from '@shared/permissions';
import type { Core } from '@core/app';
import { bearerToken, SESSION_COOKIE } from './auth';

/** Who a stream's caller is now (what they may hear: mayHear); null when the stream must end. */
export type StreamAccess = () => Promise<Principal | null>;

/** A principal's rights as one comparable value. */
const rightsOf = (principal: Principal) => `${principal.role}:${PERMISSIONS.filter((permission) => principalAllows(principal, permission)).join(',')}`;

/**
 * What an event stream opened by `opener` may carry, read again from the database at each call
 * (without counting as use): null once its API key is revoked or expired, its session signed out,
 * idle or expired, its account disabled, or its rights differ from those it opened with (a
 * demotion, or a key's owner demoted): the stream ends, and a client that reconnects gets what it
 * may see now, or 401.
 */
export function streamAccess(request: FastifyRequest, core: Core, origin: string, opener: Principal): StreamAccess {
  const rightsAtOpen = rightsOf(opener);
  const bearer = bearerToken(request);
  const session = request.cookies[SESSION_COOKIE];
  const current = async (): Promise<Principal | null> => {
    if (bearer !== undefined) return bearer ? core.apiKeys.authenticate(bearer, origin, false) : null;
    return session ? ((await core.signIn.authenticate(session, false))?.principal ?? null) : null;
  };
  return async () => {
    const principal = await current();
    if (!principal || rightsOf(principal) !== rightsAtOpen) return null;
    return principal;
  };
}
