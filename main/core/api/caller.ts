import type { Principal } from '@shared/permissions';
import { notSignedIn } from '../auth/refusals';
import type { CallContext } from './router';

/** The caller of a method that is not public (the router has already refused anonymous callers). */
export function who(ctx: CallContext): Principal {
  if (!ctx.principal) throw notSignedIn();
  return ctx.principal;
}

/** How a principal is recorded as the author of a change: `user:<id>`, `apiKey:<id>`, `system:<id>`. */
export function actorName(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

export const actor = (ctx: CallContext): string => actorName(who(ctx));
