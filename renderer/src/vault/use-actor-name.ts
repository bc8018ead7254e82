import { useCallback } from 'react';
import { useMethodQuery } from '../api/hooks';
import { useCan, useMe } from '../auth/session';

/**
 * Who did something, from the `<kind>:<id>` the server records (`user:…`, `apiKey:…`,
 * `system:…`): a username where the signed-in role may list users, else a plain description.
 */
export function useActorName(): (actor: string) => string {
  const me = useMe();
  const mayListUsers = useCan()('users:read');
  const users = useMethodQuery('users.list', {}, { enabled: mayListUsers, staleTime: 60_000 });
  const items = users.data?.items;
  return useCallback(
    (actor: string) => {
      const colon = actor.indexOf(':');
      const kind = colon === -1 ? actor : actor.slice(0, colon);
      const id = colon === -1 ? '' : actor.slice(colon + 1);
      switch (kind) {
        case 'user':
          if (id === me.id) return 'you';
          return items?.find((user) => user.id === id)?.username ?? 'another user';
        case 'apiKey':
          return 'an API key';
        case 'system':
          return id === 'local-owner' ? 'the command line' : 'Guardian';
        default:
          return actor;
      }
    },
    [items, me.id],
  );
}
