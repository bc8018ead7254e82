import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '@shared/api/errors';
import { CSRF_HEADER, STATE_CHANGING_VERBS } from '@shared/api/http';
import { principalAllows, type Permission, type Principal } from '@shared/permissions';
import type { Core } from '@core/app';
import { notSignedIn } from '@core/auth/refusals';
import type { SessionSink } from '@core/auth/signin';
import { sameToken } from '@core/auth/tokens';

export const SESSION_COOKIE = 'guardian_session';

/** The token of an `Authorization: Bearer …` header ('' when the header is malformed), or undefined without one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? '';
}

/**
 * Who is calling over HTTP: an API key (`Authorization: Bearer gdn_…`), a browser session
 * (HttpOnly cookie, plus the CSRF header on anything that changes state), or nobody.
 * A credential that is present but wrong is an error, never silently anonymous.
 */
export async function principalFor(request: FastifyRequest, core: Core, origin: string): Promise<Principal | null> {
  const bearer = bearerToken(request);
  if (bearer !== undefined) {
    const principal = bearer ? await core.apiKeys.authenticate(bearer, origin) : null;
    if (!principal) {
      throw new AppError('UNAUTHENTICATED', 'The API key is unknown, revoked or expired.', {
        hint: 'Create a new key with "guardian apikey create" and send it as "Authorization: Bearer gdn_…".',
      });
    }
    return principal;
  }
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const found = await core.signIn.authenticate(token);
  if (!found) return null;
  if (STATE_CHANGING_VERBS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameToken(sent, found.session.csrfToken)) {
      throw new AppError('PERMISSION_DENIED', 'The request has no valid CSRF token.', {
        hint: `Send the token from sign-in as the "${CSRF_HEADER}" header (the web UI does this itself; reload it).`,
      });
    }
  }
  return found.principal;
}

/**
 * The caller of a route outside the contract (the event stream, artifact downloads, metrics):
 * throws UNAUTHENTICATED without a credential and PERMISSION_DENIED without `permission`, so
 * each such route refuses exactly as the router would.
 */
export async function requirePrincipal(request: FastifyRequest, core: Core, permission?: Permission): Promise<Principal> {
  const principal = await principalFor(request, core, `http:${request.ip}`);
  if (!principal) throw notSignedIn();
  if (permission && !principalAllows(principal, permission)) {
    throw new AppError('PERMISSION_DENIED', `Your role (${principal.role}) may not do this: it needs ${permission}.`, {
      hint: `Use an account or key with the "${permission}" permission; ask an owner or admin.`,
    });
  }
  return principal;
}

/**
 * Keeps the session token in an HttpOnly, SameSite=Strict cookie the page's scripts cannot read.
 * No Expires: the cookie ends with the browser (a shared machine's next user does not inherit
 * it), while the session's own expiry is enforced on the server. Secure whenever the client
 * used HTTPS, here or at a trusted proxy.
 */
export function cookieSink(reply: FastifyReply, secure: boolean): SessionSink {
  return {
    establish(token) {
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure,
        path: '/',
      });
    },
    clear() {
      reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
    },
  };
}
