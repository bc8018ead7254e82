import type { MethodName } from '@shared/api';

/** Methods whose answer is the signed-in user (`Me`), carrying the session's CSRF token. */
const ANSWERS_WITH_ME: ReadonlySet<MethodName> = new Set(['auth.setup', 'auth.login', 'auth.me', 'auth.changePassword', 'auth.totpDisable']);

function tokenOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || !('csrfToken' in value)) return null;
  return typeof value.csrfToken === 'string' && value.csrfToken !== '' ? value.csrfToken : null;
}

/**
 * What an answer says about the session's CSRF token: a token to use from now on, null when the
 * session ended (sign-out, nobody signed in), undefined when the answer says nothing about it.
 * The output has already been validated against the contract.
 */
export function csrfTokenFrom(name: MethodName, output: unknown): string | null | undefined {
  if (ANSWERS_WITH_ME.has(name)) return tokenOf(output);
  if (name === 'auth.status') {
    const user: unknown = typeof output === 'object' && output !== null ? Reflect.get(output, 'user') : null;
    return tokenOf(user);
  }
  if (name === 'auth.logout') return null;
  return undefined;
}
